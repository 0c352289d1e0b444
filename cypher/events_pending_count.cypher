// How many deliveries of one subscription are pending (tests and benchmarks; an indexed read).
MATCH (d:EventDelivery {pending_for: $subscription_id})
RETURN count(d) AS pending
