select order_date, count(*) as orders from staging.stg_orders group by 1
