// Messages waiting to be sent whose next attempt is due, oldest first.
MATCH (m:OutboxMessage)
WHERE m.status = 'PENDING' AND m.next_attempt_at <= $now
RETURN m {.*} AS message
ORDER BY m.created_at, m.message_id
LIMIT $limit
