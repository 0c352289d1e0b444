// Dashboard: offers per benefit and state, plus replies received, in the offer's region (the
// recipient's region when it was made), optionally one region only.
MATCH (o:Offer)
WHERE $region IS NULL OR o.region = $region
RETURN o.benefit AS benefit, o.state AS state, count(o) AS offers,
  sum(CASE WHEN o.replied_at IS NULL THEN 0 ELSE 1 END) AS replied
ORDER BY benefit, state
