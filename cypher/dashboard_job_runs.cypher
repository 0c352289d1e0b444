// Dashboard: the latest run of each country-wide job (its checkpoint), most recently updated first.
MATCH (c:JobCheckpoint)
RETURN c.job AS job, c.run_id AS run_id, c.processed AS processed, c.finished AS finished,
  c.updated_at AS updated_at
ORDER BY updated_at DESC
LIMIT $limit
