// Ingest incomes.ndjson: one Income fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:Income {fact_key: row.key})
SET f += row.props
MERGE (p)-[:RECEIVED_INCOME]->(f)
RETURN row.line AS line
