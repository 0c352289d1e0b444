// Enqueues stand-alone messages (pension-age notices) once: MERGE on message_id.
UNWIND $rows AS row
MERGE (m:OutboxMessage {message_id: row.message_id})
ON CREATE SET m += row.props
WITH row, m
OPTIONAL MATCH (e:Entitlement {entitlement_key: row.entitlement_key})
FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END |
  SET x.status = 'NOTIFIED'
  MERGE (x)-[:NOTIFIED_BY]->(m))
RETURN m.message_id AS message_id
