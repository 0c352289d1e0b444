// Creates a partner's event subscription.
CREATE (s:EventSubscription {subscription_id: $subscription_id})
SET s += $props
RETURN s {.*} AS subscription
