select * from raw.orders
