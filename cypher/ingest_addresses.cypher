// Ingest addresses.ndjson: one Dwelling per address_id.
UNWIND $rows AS row
MERGE (d:Dwelling {address_id: row.key})
SET d += row.props
RETURN row.line AS line
