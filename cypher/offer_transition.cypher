// One offer state change, in ONE transaction with its audit record and its outbox messages (the
// outbox pattern): it applies only if the offer is still in $from at $version (optimistic
// concurrency), so a concurrent or repeated change writes nothing and returns no row.
// Change events (the partners' outbox) are written in the same statement: one
// `kz.family-card.offer.state-changed` (id: offer id + new version) and one
// `kz.family-card.payment-order.created` per payment order, in that order on the offer's sequence.
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
MERGE (s:EventSubject {subject: $offer_id})
ON CREATE SET s.last_seq = 0
MERGE (ev:ChangeEvent {event_id: 'offer-state:' + $offer_id + ':' + toString($version + 1)})
ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.offer.state-changed',
  ev.source = '/family-card/proactive', ev.subject = $offer_id, ev.time = $at,
  ev.datacontenttype = 'application/json', ev.region = o.region, ev.status = 'NEW',
  ev.data_offer_id = $offer_id, ev.data_family_id = o.family_id, ev.data_benefit = o.benefit,
  ev.data_state = $to, ev.data_previous_state = $from, ev.data_event = $event,
  ev.data_version = $version + 1, ev.data_amount_kzt = o.amount_kzt
FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
  SET s.last_seq = s.last_seq + 1
  SET ev.seq = s.last_seq
  REMOVE ev.fresh)
FOREACH (p IN $payment_orders |
  MERGE (pe:ChangeEvent {event_id: 'payment-order-created:' + p.order_id})
  ON CREATE SET pe.fresh = true, pe.specversion = '1.0', pe.type = 'kz.family-card.payment-order.created',
    pe.source = '/family-card/proactive', pe.subject = $offer_id, pe.time = $at,
    pe.datacontenttype = 'application/json', pe.region = o.region, pe.status = 'NEW',
    pe.data_order_id = p.order_id, pe.data_offer_id = $offer_id, pe.data_family_id = o.family_id,
    pe.data_benefit = o.benefit, pe.data_amount_kzt = p.amount_kzt,
    pe.data_period_from = p.period_from, pe.data_period_to = p.period_to
  FOREACH (fresh IN CASE WHEN pe.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET pe.seq = s.last_seq
    REMOVE pe.fresh))
RETURN o.offer_id AS offer_id
