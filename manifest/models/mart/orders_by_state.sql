-- Orders, customers and revenue per US state; revenue excludes cancelled orders.
select
  state,
  count(*) as orders,
  countif(status = 'delivered') as delivered,
  countif(status = 'cancelled') as cancelled,
  count(distinct customer_id) as customers,
  round(sum(if(status != 'cancelled', total, 0)), 2) as revenue,
  round(avg(if(status != 'cancelled', total, null)), 2) as avg_order_value
from staging.stg_orders
group by state
