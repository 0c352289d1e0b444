// Creates an offer (state DETECTED) for each detected entitlement that has none yet; idempotent
// (MERGE on offer_id). The recipient's phone is copied from the registry at creation.
UNWIND $rows AS row
MATCH (e:Entitlement {entitlement_key: row.entitlement_key})
MERGE (o:Offer {offer_id: row.offer_id})
ON CREATE SET o += row.props, o.state = 'DETECTED', o.version = 0, o.created_at = row.now, o.updated_at = row.now
MERGE (e)-[:OFFERED_AS]->(o)
RETURN o.offer_id AS offer_id
