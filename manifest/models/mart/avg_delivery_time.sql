-- How long delivered orders took from purchase to the customer's door, per state.
-- Portable: the same SQL runs on BigQuery and SQLite (stg_orders computed delivery_hours per dialect).
select
  state,
  count(*) as delivered_orders,
  round(avg(delivery_hours), 1) as avg_delivery_hours,
  round(avg(delivery_hours) / 24, 2) as avg_delivery_days,
  round(min(delivery_hours), 1) as fastest_hours,
  round(max(delivery_hours), 1) as slowest_hours
from staging.stg_orders
where status = 'delivered' and delivery_hours is not null
group by state
