// Saves an investigators' case (`src/domain/cases.rs` accepted the change): MERGE on its random
// `CASE-…` id, every property replaced from $props (notes and pinned views as JSON text; subjects
// also as `,iin,iin,` text and the title in lower case, for the list's filters).
MERGE (c:Case {case_id: $case_id})
SET c += $props
RETURN c.case_id AS case_id
