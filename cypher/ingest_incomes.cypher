// Ingest incomes.ndjson as yearly series (src/store/series.rs): one row per person, each with its
// series [{key, props: {year, source, payer_bin, benefit, amount_kzt_MM…}, lines}]. One Income node
// per person, source, payer, benefit and year, keyed by fact_key, hung off its Person; `SET +=` sets
// only the months this batch carries, so a series split over batches or re-loaded stays whole.
// Returns the line numbers that found their person; the others are rejected as unknown references.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
UNWIND row.series AS s
MERGE (f:Income {fact_key: s.key})
SET f += s.props
MERGE (p)-[:RECEIVED_INCOME]->(f)
WITH s
UNWIND s.lines AS line
RETURN line AS line
