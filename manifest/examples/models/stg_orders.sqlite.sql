-- Orders as the marts use them: cancelled and test orders left out, totals as numbers.
select
  id as order_id,
  customer_id,
  status,
  cast(total as real) as total,
  created_on,
  updated_at
from raw.orders
where status != 'cancelled'
