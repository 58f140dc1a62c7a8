-- Revenue and paid orders per day.
select
  o.created_on as day,
  count(distinct o.order_id) as orders,
  sum(o.total) as revenue
from staging.stg_orders o
join raw.payments p on p.order_id = o.order_id
group by o.created_on
