// Ingest parent_links.ndjson: (parent)-[:PARENT_OF {kind, since, until}]->(child), one edge per parent and child.
UNWIND $rows AS row
MATCH (p:Person {iin: row.owner})
MATCH (c:Person {iin: row.target})
MERGE (p)-[l:PARENT_OF]->(c)
SET l += row.props
RETURN row.line AS line
