// Applied at start after the schema: pending deliveries written before `pending_for` existed get
// it, so the due-query (which reads only `pending_for`) still finds them. Idempotent.
MATCH (d:EventDelivery)
WHERE d.status = 'PENDING' AND d.pending_for IS NULL
SET d.pending_for = d.subscription_id
RETURN count(d) AS backfilled
