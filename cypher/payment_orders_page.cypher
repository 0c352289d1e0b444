// Payment orders (keyset on order_id), for the export to the paying organisation.
MATCH (p:PaymentOrder)
WHERE p.order_id > $after
RETURN p {.*} AS payment_order
ORDER BY p.order_id
LIMIT $limit
