// A page of offers in one state (keyset on offer_id).
MATCH (o:Offer)
WHERE o.state = $state AND o.offer_id > $after
RETURN o {.*} AS offer
ORDER BY o.offer_id
LIMIT $limit
