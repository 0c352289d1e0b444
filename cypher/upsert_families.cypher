// Materialise family cards: one Family per anchor, (anchor)-[:ANCHORS]->(family).
UNWIND $rows AS row
MATCH (p:Person {iin: row.anchor_iin})
MERGE (f:Family {family_id: row.family_id})
SET f.anchor_iin = row.anchor_iin
MERGE (p)-[:ANCHORS]->(f)
RETURN count(f) AS families
