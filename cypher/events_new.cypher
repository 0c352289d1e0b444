// Change events not yet fanned out to subscriptions, oldest first (then per subject in sequence).
MATCH (e:ChangeEvent)
WHERE e.status = 'NEW'
RETURN e {.*} AS event
ORDER BY e.time, e.subject, e.seq
LIMIT $limit
