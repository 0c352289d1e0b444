// Ingest education.ndjson: one EducationAttachment fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:EducationAttachment {fact_key: row.key})
SET f += row.props
MERGE (p)-[:ENROLLED_IN]->(f)
RETURN row.line AS line
