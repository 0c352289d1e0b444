// Deletes a subscription of its owner with its pending deliveries (the delivery log stays).
MATCH (s:EventSubscription {subscription_id: $subscription_id})
WHERE s.partner_id = $partner_id
OPTIONAL MATCH (d:EventDelivery {subscription_id: $subscription_id})
WITH s, collect(d) AS deliveries
FOREACH (d IN deliveries | DELETE d)
DETACH DELETE s
RETURN count(*) AS deleted
