// The checkpoint of a resumable country-wide job (None when the job never ran).
MATCH (c:JobCheckpoint {job: $job})
RETURN c.after AS after, c.processed AS processed, c.finished AS finished, c.run_id AS run_id
