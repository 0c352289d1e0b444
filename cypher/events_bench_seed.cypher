// Benchmark only (`family-card bench events`): writes synthetic change events as the change
// statements would (status NEW, a sequence per subject).
UNWIND $rows AS row
CREATE (ev:ChangeEvent)
SET ev += row
RETURN count(ev) AS events
