// The delivery log of one subscription, newest first.
MATCH (a:EventDeliveryAttempt {subscription_id: $subscription_id})
RETURN a {.*} AS attempt
ORDER BY a.at DESC, a.attempt_id
LIMIT $limit
