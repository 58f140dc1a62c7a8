-- One row per purchase day: orders placed, items sold, revenue and average order value.
-- Cancelled orders count separately and bring no revenue.
with items_per_order as (
  select order_id, sum(quantity) as items
  from staging.stg_order_items
  group by order_id
)
select
  o.order_date as day,
  countif(o.status != 'cancelled') as orders,
  countif(o.status = 'cancelled') as cancelled_orders,
  coalesce(sum(if(o.status != 'cancelled', i.items, 0)), 0) as items,
  round(coalesce(sum(if(o.status != 'cancelled', o.total, 0)), 0), 2) as revenue,
  round(safe_divide(sum(if(o.status != 'cancelled', o.total, 0)), countif(o.status != 'cancelled')), 2) as avg_order_value
from staging.stg_orders as o
left join items_per_order as i on i.order_id = o.order_id
group by o.order_date
