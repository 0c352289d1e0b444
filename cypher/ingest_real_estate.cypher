// Ingest real_estate.ndjson: one RealEstate fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MERGE (f:RealEstate {fact_key: row.key})
SET f += row.props
MERGE (p)-[:OWNS_REAL_ESTATE]->(f)
RETURN row.line AS line
