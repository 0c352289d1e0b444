// Detected entitlements without an offer yet (keyset on entitlement_key), with the recipient's phone.
MATCH (e:Entitlement)
WHERE e.entitlement_key > $after AND e.status = 'DETECTED' AND NOT (e)-[:OFFERED_AS]->(:Offer)
OPTIONAL MATCH (p:Person {iin: e.recipient_iin})
RETURN e {.*} AS entitlement, p.phone AS phone
ORDER BY e.entitlement_key
LIMIT $limit
