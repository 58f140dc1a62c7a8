-- SQLite variant of stg_orders.sql: timestamps are text, so durations come from julianday().
select
  order_id,
  customer_id,
  lower(trim(status)) as status,
  upper(trim(state)) as state,
  order_date,
  purchased_at,
  approved_at,
  delivered_at,
  updated_at,
  round(total, 2) as total,
  round((julianday(approved_at) - julianday(purchased_at)) * 24, 2) as approval_hours,
  round((julianday(delivered_at) - julianday(purchased_at)) * 24, 2) as delivery_hours
from raw.orders
where order_id is not null
