-- One row per order, with tidy codes and the hours from purchase to approval and to delivery.
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
  round(timestamp_diff(approved_at, purchased_at, second) / 3600, 2) as approval_hours,
  round(timestamp_diff(delivered_at, purchased_at, second) / 3600, 2) as delivery_hours
from raw.orders
where order_id is not null
