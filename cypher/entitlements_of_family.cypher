// Entitlements recorded for a family by detection runs, newest first.
MATCH (f:Family {family_id: $family_id})-[:ENTITLED_TO]->(e:Entitlement)
RETURN e {.*} AS entitlement
ORDER BY e.detected_on DESC, e.entitlement_key
