// Notes on a page's assessments of $as_of the digest of the rows they were computed from
// (`src/store/digest.rs`), for families whose inputs hash was unchanged but whose record does not carry
// that digest yet (written before digests, or by a run whose rows arrived otherwise): the next run of the
// date then skips decoding and evaluating them. Nothing else of the record changes; no event is written.
UNWIND $rows AS row
MATCH (w:WellbeingAssessment {assessment_key: row.assessment_key})
SET w.rows_digest = row.rows_digest
RETURN count(w) AS noted
