-- One row per order line, with its line total.
-- Portable: the same SQL runs on BigQuery and SQLite.
select
  order_id,
  item_id,
  product_id,
  quantity,
  round(unit_price, 2) as unit_price,
  round(quantity * unit_price, 2) as line_total
from raw.order_items
where order_id is not null
