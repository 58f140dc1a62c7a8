-- One row per product; categories in lower case, prices rounded to cents.
-- Portable: the same SQL runs on BigQuery and SQLite.
select
  product_id,
  trim(name) as product_name,
  lower(trim(category)) as category,
  round(price, 2) as price
from raw.products
where product_id is not null
