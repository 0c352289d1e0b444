// Ingest guardianships.ndjson: (guardian)-[:GUARDIAN_OF {from, to}]->(ward), one edge per period start.
UNWIND $rows AS row
MATCH (g:Person {iin: row.owner})
MATCH (w:Person {iin: row.target})
MERGE (g)-[r:GUARDIAN_OF {from: row.from}]->(w)
SET r += row.props
RETURN row.line AS line
