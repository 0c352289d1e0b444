// Records a failed send: retried at $next_attempt_at, or FAILED for good when $give_up.
MATCH (m:OutboxMessage {message_id: $message_id})
WHERE m.status = 'PENDING'
SET m.attempts = coalesce(m.attempts, 0) + 1, m.last_error = $error, m.next_attempt_at = $next_attempt_at,
  m.status = CASE WHEN $give_up THEN 'FAILED' ELSE 'PENDING' END
RETURN m.message_id AS message_id
