// Dashboard: families per region and well-being level on $as_of (each family's latest assessment on
// or before that date, the region it was assessed in), optionally only one region ($region null =
// every region). Aggregates only.
MATCH (f:Family)-[:HAS_WELLBEING]->(w:WellbeingAssessment)
WHERE w.as_of <= $as_of
WITH f, max(w.as_of) AS latest
MATCH (f)-[:HAS_WELLBEING]->(w2:WellbeingAssessment)
WHERE w2.as_of = latest AND ($region IS NULL OR w2.region = $region)
RETURN w2.region AS region, w2.level AS level, count(f) AS families
ORDER BY region, level
