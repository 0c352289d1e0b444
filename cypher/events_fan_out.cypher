// Fans events out: one EventDelivery per (subscription, event) — MERGE on that pair, so a re-run
// after a crash adds nothing — and marks each event as fanned out. `pending_for` (the
// subscription's id while the delivery is pending, removed once delivered) is what the due-query
// reads, set last (a reader may see a node before the end of its statement's SET).
UNWIND $rows AS row
MATCH (e:ChangeEvent {event_id: row.event_id})
SET e.status = 'FANNED', e.fanned_at = $now
WITH row, e
UNWIND row.subscription_ids AS sid
MERGE (d:EventDelivery {delivery_id: sid + '/' + e.event_id})
ON CREATE SET d.subscription_id = sid, d.event_id = e.event_id, d.subject = e.subject, d.seq = e.seq,
  d.status = 'PENDING', d.attempts = 0, d.next_attempt_at = $now, d.created_at = $now,
  d.event_time = e.time, d.pending_for = sid
RETURN count(d) AS deliveries
