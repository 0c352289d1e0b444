// Records well-being assessments (one per family and as-of date; re-running the same date overwrites
// it). A record is written only when the family's inputs changed since its previous record.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
MERGE (w:WellbeingAssessment {assessment_key: row.assessment_key})
SET w += row.props
MERGE (f)-[:HAS_WELLBEING]->(w)
RETURN row.assessment_key AS assessment_key
