// Records signal hits of a signals run: one SignalHit per hit key (signal + its subjects + the date), hung off
// the family card it was found from. Re-running the same date MERGEs onto the same hits and stamps them with the
// run; `signal_prune.cypher` then removes the hits of that date the finished run did not find again.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
MERGE (h:SignalHit {hit_key: row.hit_key})
SET h += row.props, h.run_id = $run_id
MERGE (f)-[:HAS_SIGNAL]->(h)
RETURN row.hit_key AS hit_key
