// Ingest businesses.ndjson: one Business fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:Business {fact_key: row.key})
SET f += row.props
MERGE (p)-[:RUNS_BUSINESS]->(f)
RETURN row.line AS line
