// One page of stored signal hits, highest score first, filtered by region, kind and minimum score (null: any);
// keyset on (score descending, hit_key) through $after_score / $after_key.
MATCH (h:SignalHit)
WHERE ($region IS NULL OR h.region = $region)
  AND ($signal IS NULL OR h.signal = $signal)
  AND h.score >= $min_score
  AND ($after_key IS NULL OR h.score < $after_score OR (h.score = $after_score AND h.hit_key > $after_key))
RETURN h {.*} AS hit
ORDER BY h.score DESC, h.hit_key
LIMIT $limit
