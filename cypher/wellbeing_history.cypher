// A family's well-being trajectory: every stored assessment, oldest first.
MATCH (f:Family {family_id: $family_id})-[:HAS_WELLBEING]->(w:WellbeingAssessment)
RETURN w {.*} AS assessment
ORDER BY w.as_of
