// Ingest pregnancies.ndjson: one Pregnancy fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:Pregnancy {fact_key: row.key})
SET f += row.props
MERGE (p)-[:HAS_PREGNANCY]->(f)
RETURN row.line AS line
