// Ingest persons.ndjson: one Person per IIN.
UNWIND $rows AS row
MERGE (p:Person {iin: row.key})
SET p += row.props
RETURN row.line AS line
