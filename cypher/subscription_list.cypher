// The subscriptions of one partner ($partner_id), or every one ($partner_id null: the delivery
// worker, which fans out to disabled ones too so that nothing is missed while disabled).
MATCH (s:EventSubscription)
WHERE $partner_id IS NULL OR s.partner_id = $partner_id
RETURN s {.*} AS subscription
ORDER BY s.created_at, s.subscription_id
