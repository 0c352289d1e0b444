// Changes a subscription of its owner (types, region, endpoint, status, secrets); no row when the
// subscription is not the partner's.
MATCH (s:EventSubscription {subscription_id: $subscription_id})
WHERE s.partner_id = $partner_id
SET s += $props
RETURN s {.*} AS subscription
