-- SQLite variant of orders_by_state.sql: no COUNTIF or IF, so CASE instead.
select
  state,
  count(*) as orders,
  sum(case when status = 'delivered' then 1 else 0 end) as delivered,
  sum(case when status = 'cancelled' then 1 else 0 end) as cancelled,
  count(distinct customer_id) as customers,
  round(sum(case when status != 'cancelled' then total else 0 end), 2) as revenue,
  round(avg(case when status != 'cancelled' then total end), 2) as avg_order_value
from staging.stg_orders
group by state
