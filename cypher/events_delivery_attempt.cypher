// Records one delivery attempt: the delivery's new state (DELIVERED, or PENDING with the next
// attempt's time) and a row of the delivery log (status code, latency, error). A delivered one
// loses `pending_for`, so the due-query no longer reads it.
MATCH (d:EventDelivery {delivery_id: $delivery_id})
WHERE d.status = 'PENDING'
SET d.attempts = d.attempts + 1, d.status = $status, d.next_attempt_at = $next_attempt_at,
  d.last_status_code = $status_code, d.last_error = $error, d.delivered_at = $delivered_at,
  d.pending_for = CASE WHEN $status = 'PENDING' THEN d.subscription_id ELSE null END
CREATE (a:EventDeliveryAttempt {attempt_id: $attempt_id})
SET a.delivery_id = d.delivery_id, a.subscription_id = d.subscription_id, a.event_id = d.event_id,
  a.attempt = d.attempts, a.at = $at, a.status_code = $status_code, a.latency_ms = $latency_ms,
  a.error = $error, a.outcome = $status
RETURN d.delivery_id AS delivery_id
