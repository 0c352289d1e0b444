// Canonical dump of the whole graph, one page of nodes in key order (src/store/dump.rs; the bulk
// path's test compares `load`'s graph with the importer's). A node's key is its label and its
// natural key; each node comes with its labels, its properties and its outgoing relationships
// (type, the other end's key, properties).
MATCH (n)
WITH n, head(labels(n)) + ':' + coalesce(n.iin, n.address_id, n.fact_key, n.family_id, n.event_id, n.subject, n.job, '') AS key
WHERE key > $after
WITH n, key
ORDER BY key
LIMIT $limit
OPTIONAL MATCH (n)-[r]->(m)
WITH n, key, r, head(labels(m)) + ':' + coalesce(m.iin, m.address_id, m.fact_key, m.family_id, m.event_id, m.subject, m.job, '') AS end_key
WITH n, key, collect(CASE WHEN r IS NULL THEN NULL ELSE [type(r), end_key, properties(r)] END) AS out
RETURN key, labels(n) AS labels, properties(n) AS properties, out
ORDER BY key
