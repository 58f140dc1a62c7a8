-- One row per customer, with tidy text: trimmed names, lower-case e-mail, upper-case state code.
-- Portable: the same SQL runs on BigQuery and SQLite.
select
  customer_id,
  trim(name) as customer_name,
  lower(trim(email)) as email,
  upper(trim(state)) as state,
  trim(city) as city,
  created_at
from raw.customers
where customer_id is not null
