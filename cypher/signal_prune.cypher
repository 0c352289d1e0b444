// After a finished signals run: removes the hits of its date that the run did not find again (stale).
MATCH (h:SignalHit {as_of: $as_of})
WHERE h.run_id <> $run_id
DETACH DELETE h
RETURN count(*) AS removed
