// Ingest unemployment.ndjson: one Unemployment fact node per record, keyed by fact_key, hung off its Person.
// Returns the line numbers that found their person; the others are rejected as unknown references.
// A new fact node is created together with its relationship (one CREATE, its properties set once);
// only a node that exists already (a re-load) is updated with `SET +=` and its relationship MERGEd,
// so a re-load changes nothing (docs/benchmarks.md, "Load: the database's work per record").
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
OPTIONAL MATCH (known:Unemployment {fact_key: row.key})
FOREACH (_ IN CASE WHEN known IS NULL THEN [1] ELSE [] END |
  CREATE (p)-[:REGISTERED_UNEMPLOYED]->(f:Unemployment {fact_key: row.key})
  SET f += row.props)
FOREACH (_ IN CASE WHEN known IS NULL THEN [] ELSE [1] END |
  SET known += row.props
  MERGE (p)-[:REGISTERED_UNEMPLOYED]->(known))
RETURN row.line AS line
