// Creates an investigators' case (`src/domain/cases.rs` accepted it) at version 1: MERGE on its random `CASE-…`
// id, so a re-run after a transient error creates nothing twice and never overwrites a case changed meanwhile.
// Notes and pinned views as JSON text; subjects also as `,iin,iin,` text and the title in lower case, for the
// list's filters.
MERGE (c:Case {case_id: $case_id})
ON CREATE SET c += $props, c.version = 1
RETURN c.case_id AS case_id
