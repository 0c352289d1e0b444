// The stored assessments on or before $as_of of a page of families (the job writes a new record only
// when the latest one's inputs hash differs).
UNWIND $family_ids AS fid
MATCH (f:Family {family_id: fid})-[:HAS_WELLBEING]->(w:WellbeingAssessment)
WHERE w.as_of <= $as_of
RETURN fid AS family_id, w.as_of AS as_of, w.inputs_hash AS inputs_hash
