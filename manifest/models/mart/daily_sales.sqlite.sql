-- SQLite variant of daily_sales.sql: no COUNTIF, IF or SAFE_DIVIDE, so CASE and NULLIF instead.
with items_per_order as (
  select order_id, sum(quantity) as items
  from staging.stg_order_items
  group by order_id
)
select
  o.order_date as day,
  sum(case when o.status != 'cancelled' then 1 else 0 end) as orders,
  sum(case when o.status = 'cancelled' then 1 else 0 end) as cancelled_orders,
  coalesce(sum(case when o.status != 'cancelled' then i.items else 0 end), 0) as items,
  round(coalesce(sum(case when o.status != 'cancelled' then o.total else 0 end), 0), 2) as revenue,
  round(
    sum(case when o.status != 'cancelled' then o.total else 0 end)
      / nullif(sum(case when o.status != 'cancelled' then 1 else 0 end), 0),
    2) as avg_order_value
from staging.stg_orders as o
left join items_per_order as i on i.order_id = o.order_id
group by o.order_date
