// Records detected entitlements once: the key is benefit + recipient + subject + period start, so
// re-running detection (any as-of date inside the period) creates nothing new. `created` says which
// rows were new.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
OPTIONAL MATCH (existing:Entitlement {entitlement_key: row.entitlement_key})
WITH row, f, existing IS NULL AS created
MERGE (e:Entitlement {entitlement_key: row.entitlement_key})
ON CREATE SET e += row.props, e.status = 'DETECTED', e.detected_on = row.as_of, e.detected_at = row.now
MERGE (f)-[:ENTITLED_TO]->(e)
RETURN row.entitlement_key AS entitlement_key, created
