// Ingest health_attachments.ndjson: one HealthAttachment fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:HealthAttachment {fact_key: row.key})
SET f += row.props
MERGE (p)-[:ATTACHED_TO_CLINIC]->(f)
RETURN row.line AS line
