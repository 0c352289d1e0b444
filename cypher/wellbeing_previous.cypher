// The stored assessments on or before $as_of of a page of families: the job writes a new record only
// when the latest one's inputs hash differs, and hands the writer the level, composition and members
// of the latest one BEFORE $as_of (what its change events compare with: `wellbeing_record.cypher`).
// Read before the page's neighbourhoods: a family whose record of $as_of carries the digest of exactly
// the rows read now (`rows_digest`, `src/store/digest.rs`) is neither decoded nor evaluated again.
UNWIND $family_ids AS fid
MATCH (f:Family {family_id: fid})-[:HAS_WELLBEING]->(w:WellbeingAssessment)
WHERE w.as_of <= $as_of
RETURN fid AS family_id, w.as_of AS as_of, w.inputs_hash AS inputs_hash, w.level AS level,
  w.composition AS composition, w.members AS members, w.rows_digest AS rows_digest
