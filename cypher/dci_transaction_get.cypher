// An asynchronous DCI search of one sender, with the state of its callback delivery.
MATCH (t:DciTransaction {transaction_id: $transaction_id})
WHERE t.sender_id = $sender_id
OPTIONAL MATCH (d:EventDelivery {event_id: 'dci-on-search:' + $transaction_id})
RETURN t {.*} AS transaction, d.status AS delivery_status, d.attempts AS attempts
