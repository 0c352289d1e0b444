// Records detected entitlements once: the key is benefit + recipient + subject + period start, so
// re-running detection (any as-of date inside the period) creates nothing new. Answers one row per
// NEW entitlement (a row that was already recorded only gets its family link, if missing).
// Outbox: each new entitlement writes a `kz.family-card.entitlement.detected` change event in the
// same statement (id from `event_ref`, the store's keyed reference of the entitlement key, which
// holds IINs; subject the family; region the family's latest
// well-being assessment's, i.e. the snapshot region recorded by the recompute, else none). The
// family's assessments are read for new entitlements only.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
OPTIONAL MATCH (existing:Entitlement {entitlement_key: row.entitlement_key})
WITH row, f, existing IS NULL AS created
MERGE (e:Entitlement {entitlement_key: row.entitlement_key})
ON CREATE SET e += row.props, e.status = 'DETECTED', e.detected_on = row.as_of, e.detected_at = row.now
MERGE (f)-[:ENTITLED_TO]->(e)
WITH row, f, created
WHERE created
OPTIONAL MATCH (f)-[:HAS_WELLBEING]->(w:WellbeingAssessment)
WITH row, reduce(best = null, x IN collect(w) | CASE WHEN best IS NULL OR x.as_of > best.as_of THEN x ELSE best END) AS latest
MERGE (ev:ChangeEvent {event_id: 'entitlement-detected:' + row.event_ref})
ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.entitlement.detected',
  ev.source = '/family-card/benefits', ev.subject = row.family_id, ev.time = row.now,
  ev.datacontenttype = 'application/json', ev.region = latest.region, ev.status = 'NEW',
  ev.data_family_id = row.family_id, ev.data_benefit = row.props.benefit,
  ev.data_amount_kzt = row.props.amount_kzt, ev.data_period_from = row.props.period_from,
  ev.data_period_to = row.props.period_to, ev.data_rules_version = row.props.rules_version,
  ev.data_detected_on = row.as_of
MERGE (s:EventSubject {subject: row.family_id})
ON CREATE SET s.last_seq = 0
FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
  SET s.last_seq = s.last_seq + 1
  SET ev.seq = s.last_seq
  REMOVE ev.fresh)
RETURN row.entitlement_key AS entitlement_key
