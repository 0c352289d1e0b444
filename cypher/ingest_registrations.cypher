// Ingest registrations.ndjson: (Person)-[:REGISTERED_AT {kind, from, to}]->(Dwelling), one edge per period start.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MATCH (d:Dwelling {address_id: row.target})
MERGE (p)-[r:REGISTERED_AT {from: row.from}]->(d)
SET r += row.props
RETURN row.line AS line
