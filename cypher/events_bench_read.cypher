// Benchmark only: the raw read of outbox events of one run (keyset on event id), the reference
// the delivery rate is compared with.
MATCH (e:ChangeEvent)
WHERE e.event_id STARTS WITH $prefix AND e.event_id > $after
RETURN e {.*} AS event
ORDER BY e.event_id
LIMIT $limit
