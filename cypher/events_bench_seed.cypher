// Benchmarks and tests (`family-card bench events`, `tests/api/events.rs`): writes synthetic change
// events as the change statements would (status NEW, a sequence per subject). MERGE on the id, so
// a re-run after a transient error writes nothing twice.
UNWIND $rows AS row
MERGE (ev:ChangeEvent {event_id: row.event_id})
ON CREATE SET ev += row
RETURN count(ev) AS events
