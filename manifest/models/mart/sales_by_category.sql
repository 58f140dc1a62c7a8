-- Units and revenue per product category, from orders that were not cancelled.
-- Portable: the same SQL runs on BigQuery and SQLite.
select
  p.category,
  count(distinct i.order_id) as orders,
  sum(i.quantity) as units,
  round(sum(i.line_total), 2) as revenue,
  round(sum(i.line_total) / sum(i.quantity), 2) as avg_unit_price
from staging.stg_order_items as i
join staging.stg_orders as o on o.order_id = i.order_id
join staging.stg_products as p on p.product_id = i.product_id
where o.status != 'cancelled'
group by p.category
