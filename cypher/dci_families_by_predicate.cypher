// DCI predicate search: family cards whose latest well-being assessment on or before $as_of has
// the given region and/or level (null: any), optionally with a recorded entitlement to $benefit;
// keyset on family id.
MATCH (f:Family)-[:HAS_WELLBEING]->(w:WellbeingAssessment)
WHERE f.family_id > $after AND w.as_of <= $as_of
WITH f, reduce(best = null, x IN collect(w) | CASE WHEN best IS NULL OR x.as_of > best.as_of THEN x ELSE best END) AS latest
WHERE ($region IS NULL OR latest.region = $region) AND ($level IS NULL OR latest.level = $level)
  AND ($benefit IS NULL OR EXISTS { MATCH (f)-[:ENTITLED_TO]->(e:Entitlement) WHERE e.benefit = $benefit })
OPTIONAL MATCH (f)-[:ENTITLED_TO]->(en:Entitlement)
WITH f, latest, collect(DISTINCT en.benefit) AS benefits
RETURN f.family_id AS family_id, latest.region AS region, latest.level AS level, latest.as_of AS as_of, benefits
ORDER BY family_id
LIMIT $limit
