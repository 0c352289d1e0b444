// Ingest diseases.ndjson: one DiseaseRegistration fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:DiseaseRegistration {fact_key: row.key})
SET f += row.props
MERGE (p)-[:HAS_DISEASE]->(f)
RETURN row.line AS line
