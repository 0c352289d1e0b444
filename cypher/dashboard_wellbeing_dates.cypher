// Dashboard: the dates well-being assessments are stored for (the points of the level-distribution
// history), newest first, at most $limit.
MATCH (w:WellbeingAssessment)
WHERE $region IS NULL OR w.region = $region
RETURN DISTINCT w.as_of AS as_of
ORDER BY as_of DESC
LIMIT $limit
