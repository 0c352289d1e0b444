// The stored signal hits of one family card, highest score first.
MATCH (:Family {family_id: $family_id})-[:HAS_SIGNAL]->(h:SignalHit)
RETURN h {.*} AS hit
ORDER BY h.score DESC, h.hit_key
