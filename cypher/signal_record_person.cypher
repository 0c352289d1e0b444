// Records signal hits found on a person with no family card to hang them on (a dead recipient): one SignalHit
// per hit key, as `signal_record.cypher`, hung off the Person. Re-runs MERGE onto the same hits and stamp them.
UNWIND $rows AS row
MATCH (p:Person {iin: row.iin})
MERGE (h:SignalHit {hit_key: row.hit_key})
SET h += row.props, h.run_id = $run_id
MERGE (p)-[:HAS_SIGNAL]->(h)
RETURN row.hit_key AS hit_key
