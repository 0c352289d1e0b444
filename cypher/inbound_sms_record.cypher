// Records an inbound SMS once per provider message id; `first` is false for a repeated delivery.
OPTIONAL MATCH (seen:InboundSms {inbound_id: $inbound_id})
WITH seen IS NULL AS first
MERGE (s:InboundSms {inbound_id: $inbound_id})
ON CREATE SET s += $props
RETURN first, s.outcome AS outcome
