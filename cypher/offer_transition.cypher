// One offer state change, in ONE transaction with its audit record and its outbox messages (the
// outbox pattern): it applies only if the offer is still in $from at $version (optimistic
// concurrency), so a concurrent or repeated change writes nothing and returns no row.
MATCH (o:Offer {offer_id: $offer_id})
WHERE o.state = $from AND o.version = $version
SET o += $props, o.state = $to, o.version = $version + 1, o.updated_at = $at
CREATE (o)-[:HAD_TRANSITION]->(t:OfferTransition {transition_id: $transition_id})
SET t.seq = $version + 1, t.offer_id = $offer_id, t.from = $from, t.to = $to, t.event = $event, t.at = $at, t.actor = $actor, t.details = $details
FOREACH (m IN $outbox |
  CREATE (o)-[:SENT_MESSAGE]->(x:OutboxMessage {message_id: m.message_id})
  SET x += m)
FOREACH (p IN $payment_orders |
  CREATE (o)-[:ORDERED_PAYMENT]->(y:PaymentOrder {order_id: p.order_id})
  SET y += p)
RETURN o.offer_id AS offer_id
