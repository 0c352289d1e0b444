// Creates an offer (state DETECTED) for each detected entitlement that has none yet; idempotent:
// MERGE on the entitlement key, so the random offer id and reply code are set only once.
// Outbox: a new offer writes a `kz.family-card.offer.state-changed` change event (to DETECTED,
// version 0) in the same statement; its id is the offer id and version, so a re-run adds none.
UNWIND $rows AS row
MATCH (e:Entitlement {entitlement_key: row.entitlement_key})
MERGE (o:Offer {entitlement_key: row.entitlement_key})
ON CREATE SET o += row.props, o.state = 'DETECTED', o.version = 0, o.created_at = row.now, o.updated_at = row.now
MERGE (e)-[:OFFERED_AS]->(o)
WITH o
MERGE (ev:ChangeEvent {event_id: 'offer-state:' + o.offer_id + ':0'})
ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.offer.state-changed',
  ev.source = '/family-card/proactive', ev.subject = o.offer_id, ev.time = o.created_at,
  ev.datacontenttype = 'application/json', ev.region = o.region, ev.status = 'NEW',
  ev.data_offer_id = o.offer_id, ev.data_family_id = o.family_id, ev.data_benefit = o.benefit,
  ev.data_state = 'DETECTED', ev.data_version = 0, ev.data_amount_kzt = o.amount_kzt
MERGE (s:EventSubject {subject: o.offer_id})
ON CREATE SET s.last_seq = 0
FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
  SET s.last_seq = s.last_seq + 1
  SET ev.seq = s.last_seq
  REMOVE ev.fresh)
RETURN o.offer_id AS offer_id
