// Change events not yet fanned out to subscriptions, oldest first (then per subject in sequence).
// Only complete ones: the change statements set an event's `seq` last (and then remove `fresh`),
// and a reader on ArcadeDB can see a statement's node before its last SET (observed: an event read
// without its sequence); such an event is taken by a later round, never fanned out half-written.
MATCH (e:ChangeEvent)
WHERE e.status = 'NEW' AND e.seq IS NOT NULL AND e.fresh IS NULL AND e.subject IS NOT NULL
  AND e.type IS NOT NULL AND e.source IS NOT NULL
RETURN e {.*} AS event
ORDER BY e.time, e.subject, e.seq
LIMIT $limit
