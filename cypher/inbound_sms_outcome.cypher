// Stores what was done with an inbound SMS.
MATCH (s:InboundSms {inbound_id: $inbound_id})
SET s.outcome = $outcome, s.detail = $detail, s.offer_id = $offer_id
RETURN s.inbound_id AS inbound_id
