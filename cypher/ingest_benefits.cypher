// Ingest benefits.ndjson: one BenefitReceipt fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:BenefitReceipt {fact_key: row.key})
SET f += row.props
MERGE (p)-[:RECEIVES_BENEFIT]->(f)
RETURN row.line AS line
