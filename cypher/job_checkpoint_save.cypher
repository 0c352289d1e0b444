// Saves a job's position after a page: resuming re-runs at most the page after `after`, and every
// job write is idempotent, so nothing is counted twice.
MERGE (c:JobCheckpoint {job: $job})
SET c.after = $after, c.processed = $processed, c.finished = $finished, c.run_id = $run_id,
  c.updated_at = $updated_at
RETURN c.job AS job
