// The deliveries of one subscription that may be attempted now, per subject a chain in sequence:
// the subject's head (the pending delivery with the lowest sequence) when it is due and no earlier
// event of the subject still waits to be fanned out, with every event of the subject in the
// sequence window [head, head + $chain). The worker walks a chain in sequence, skips the events
// that have no delivery of this subscription (other types or regions) and stops at the first
// event not yet fanned out (status NEW) or not acknowledged. Reads only PENDING deliveries
// (`pending_for` is set while a delivery is pending, indexed: delivered history is not scanned),
// the subject's events by their index and each delivery by its unique id.
MATCH (d:EventDelivery {pending_for: $subscription_id})
WITH d.subject AS subject, min(d.seq) AS first_seq, collect(d) AS pending
WITH subject, first_seq, [p IN pending WHERE p.seq = first_seq][0] AS h
WHERE h.next_attempt_at <= $now
  AND NOT EXISTS { MATCH (x:ChangeEvent {subject: subject}) WHERE x.status = 'NEW' AND x.seq < first_seq }
WITH subject, first_seq, h
ORDER BY h.created_at, h.delivery_id
LIMIT $limit
MATCH (e:ChangeEvent {subject: subject})
WHERE e.seq >= first_seq AND e.seq < first_seq + $chain
OPTIONAL MATCH (d:EventDelivery {delivery_id: $subscription_id + '/' + e.event_id})
RETURN subject, h.delivery_id AS head, e.seq AS seq, e.status AS event_status, e {.*} AS event,
  d {.*} AS delivery
