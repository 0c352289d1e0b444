// Saves one change of an investigators' case onto the version it was made from (optimistic concurrency): the
// no-op SET takes the node's write lock before the version is read (Neo4j; ArcadeDB refuses the later of two
// concurrent commits), so of two changes made from one version exactly one is saved and the other finds no row
// (a conflict: the caller reloads and applies its change again, or reports it). Every property from $props.
MATCH (c:Case {case_id: $case_id})
SET c.version = coalesce(c.version, 1)
WITH c
WHERE c.version = $version
SET c += $props, c.version = $version + 1
RETURN c.version AS version
