// The proactive offers made to these persons (the investigators' timeline): one row per offer.
MATCH (o:Offer)
WHERE o.recipient_iin IN $iins
RETURN o.recipient_iin AS iin, o.offer_id AS offer_id, o.benefit AS benefit, o.state AS state,
  o.created_at AS created_at
