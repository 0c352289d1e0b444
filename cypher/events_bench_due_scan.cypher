// Benchmark only: the due-query as it was before `pending_for` (every delivery of the
// subscription, delivered ones included, read through the `subscription_id` index and filtered
// by status), kept to measure the current `events_deliveries_due.cypher` against.
MATCH (d:EventDelivery {subscription_id: $subscription_id})
WHERE d.status = 'PENDING'
WITH d.subject AS subject, min(d.seq) AS first_seq
MATCH (h:EventDelivery {subscription_id: $subscription_id, subject: subject, seq: first_seq})
WHERE h.status = 'PENDING' AND h.next_attempt_at <= $now
  AND NOT EXISTS { MATCH (x:ChangeEvent {subject: subject}) WHERE x.status = 'NEW' AND x.seq < first_seq }
MATCH (e:ChangeEvent {event_id: h.event_id})
RETURN h {.*} AS delivery, e {.*} AS event
ORDER BY h.created_at, h.delivery_id
LIMIT $limit
