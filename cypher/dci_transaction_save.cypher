// Records an asynchronous DCI search with its response and queues the response for the sender's
// callback: a change event of type `kz.family-card.dci.on-search` delivered ONLY to the sender's
// own subscription (status FANNED: it is never fanned out to anybody else), through the same
// signed, retried, logged delivery as every other event. Idempotent on the transaction id.
MERGE (t:DciTransaction {transaction_id: $transaction_id})
ON CREATE SET t += $props
WITH t
MERGE (ev:ChangeEvent {event_id: 'dci-on-search:' + $transaction_id})
ON CREATE SET ev.specversion = '1.0', ev.type = 'kz.family-card.dci.on-search', ev.source = '/family-card/dci',
  ev.subject = 'dci:' + $transaction_id, ev.time = $now, ev.datacontenttype = 'application/json',
  ev.status = 'FANNED', ev.seq = 1, ev.data_json = $envelope
MERGE (d:EventDelivery {delivery_id: $subscription_id + '/' + ev.event_id})
ON CREATE SET d.subscription_id = $subscription_id, d.event_id = ev.event_id, d.subject = ev.subject,
  d.seq = 1, d.status = 'PENDING', d.attempts = 0, d.next_attempt_at = $now, d.created_at = $now,
  d.pending_for = $subscription_id
RETURN t.transaction_id AS transaction_id
