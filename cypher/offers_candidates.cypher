// Detected entitlements without an offer yet (keyset on entitlement_key), with the recipient's
// phone and the region of the recipient's open registration (the offer's region scope).
MATCH (e:Entitlement)
WHERE e.entitlement_key > $after AND e.status = 'DETECTED' AND NOT (e)-[:OFFERED_AS]->(:Offer)
OPTIONAL MATCH (p:Person {iin: e.recipient_iin})
OPTIONAL MATCH (p)-[r:REGISTERED_AT]->(d:Dwelling)
WHERE r.to IS NULL
WITH e, p, collect(d.region) AS regions
RETURN e {.*} AS entitlement, p.phone AS phone, head(regions) AS region
ORDER BY e.entitlement_key
LIMIT $limit
