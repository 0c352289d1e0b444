// Acknowledges a sent message; for an offer's first message also starts the reply window.
MATCH (m:OutboxMessage {message_id: $message_id})
WHERE m.status = 'PENDING'
SET m.status = 'SENT', m.sent_at = $sent_at, m.provider_message_id = $provider_message_id,
  m.attempts = coalesce(m.attempts, 0) + 1
WITH m
OPTIONAL MATCH (o:Offer)-[:SENT_MESSAGE]->(m)
FOREACH (x IN CASE WHEN o IS NOT NULL AND m.kind = 'offer' THEN [o] ELSE [] END |
  SET x.sent_at = $sent_at, x.expires_at = $expires_at, x.reminder_due_at = $reminder_due_at)
FOREACH (x IN CASE WHEN o IS NOT NULL AND m.kind = 'reminder' THEN [o] ELSE [] END |
  SET x.reminded_at = $sent_at)
RETURN m.message_id AS message_id
