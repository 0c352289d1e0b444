// Ingest contributions.ndjson as yearly series (src/store/series.rs): one row per person, each with
// its series [{key, props: {year, payer_bin, insured_income_kzt_MM, pension_kzt_MM, social_kzt_MM…},
// lines}]. One Contribution node per person, payer and year, keyed by fact_key, hung off its Person;
// `SET +=` sets only the months this batch carries, so a series split over batches or re-loaded
// stays whole. Returns the line numbers that found their person; the others are rejected.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
UNWIND row.series AS s
MERGE (f:Contribution {fact_key: s.key})
SET f += s.props
MERGE (p)-[:PAID_CONTRIBUTION]->(f)
WITH s
UNWIND s.lines AS line
RETURN line AS line
