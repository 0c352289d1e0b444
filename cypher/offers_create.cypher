// Creates an offer (state DETECTED) for each detected entitlement that has none yet; idempotent:
// MERGE on the entitlement key, so the random offer id and reply code are set only once.
UNWIND $rows AS row
MATCH (e:Entitlement {entitlement_key: row.entitlement_key})
MERGE (o:Offer {entitlement_key: row.entitlement_key})
ON CREATE SET o += row.props, o.state = 'DETECTED', o.version = 0, o.created_at = row.now, o.updated_at = row.now
MERGE (e)-[:OFFERED_AS]->(o)
RETURN o.offer_id AS offer_id
