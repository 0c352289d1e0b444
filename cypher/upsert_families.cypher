// Materialise family cards: one Family per anchor, (anchor)-[:ANCHORS]->(family).
// Outbox: a card that did not exist yet (a new family composition around its anchor) writes a
// `kz.family-card.family.composition-changed` change event in the same statement; re-running the
// materialisation creates no card and so no event.
UNWIND $rows AS row
MATCH (p:Person {iin: row.anchor_iin})
OPTIONAL MATCH (existing:Family {family_id: row.family_id})
WITH row, p, existing IS NULL AS created
MERGE (f:Family {family_id: row.family_id})
SET f.anchor_iin = row.anchor_iin
MERGE (p)-[:ANCHORS]->(f)
FOREACH (isnew IN CASE WHEN created THEN [1] ELSE [] END |
  MERGE (ev:ChangeEvent {event_id: 'family-composition:' + row.family_id + ':created'})
  ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.family.composition-changed',
    ev.source = '/family-card/families', ev.subject = row.family_id, ev.time = $now,
    ev.datacontenttype = 'application/json', ev.status = 'NEW',
    ev.data_family_id = row.family_id, ev.data_change = 'card_created'
  MERGE (s:EventSubject {subject: row.family_id})
  ON CREATE SET s.last_seq = 0
  FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET ev.seq = s.last_seq
    REMOVE ev.fresh))
RETURN count(row) AS families
