// Ingest marriages.ndjson: (spouse_a)-[:MARRIED_TO {marriage_id, registered_on, dissolved_on}]->(spouse_b).
UNWIND $rows AS row
MATCH (a:Person {iin: row.owner})
MATCH (b:Person {iin: row.target})
MERGE (a)-[m:MARRIED_TO {marriage_id: row.key}]->(b)
SET m += row.props
RETURN row.line AS line
