// Offers per benefit and state (campaign figures), plus replies received.
MATCH (o:Offer)
RETURN o.benefit AS benefit, o.state AS state, count(o) AS offers,
  sum(CASE WHEN o.replied_at IS NULL THEN 0 ELSE 1 END) AS replied
ORDER BY benefit, state
