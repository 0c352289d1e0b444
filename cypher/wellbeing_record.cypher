// Records well-being assessments (one per family and as-of date; re-running the same date overwrites
// it). A record is written only when the family's inputs changed since its previous record.
// Outbox: when the level differs from the family's latest assessment before this date (or there was
// none), a `kz.family-card.wellbeing.level-changed` change event is written in the same statement;
// its id is derived from the assessment key and the level, so a re-run creates no second event.
// When the card's members (`composition`, a keyed digest: no IIN) differ from the previous
// assessment's, a `kz.family-card.family.composition-changed` event is written too (a first
// assessment has nothing to compare with). The per-subject sequence is the family's EventSubject
// counter.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
OPTIONAL MATCH (f)-[:HAS_WELLBEING]->(p:WellbeingAssessment)
WHERE p.as_of < row.props.as_of
WITH row, f, reduce(best = null, x IN collect(p) | CASE WHEN best IS NULL OR x.as_of > best.as_of THEN x ELSE best END) AS previous
WITH row, f, previous.level AS previous_level, previous.composition AS previous_composition,
  previous.members AS previous_members
MERGE (w:WellbeingAssessment {assessment_key: row.assessment_key})
SET w += row.props
MERGE (f)-[:HAS_WELLBEING]->(w)
WITH row, previous_level, previous_composition, previous_members
FOREACH (changed IN CASE WHEN previous_composition IS NOT NULL AND previous_composition <> row.props.composition THEN [1] ELSE [] END |
  MERGE (ev:ChangeEvent {event_id: 'family-composition:' + row.assessment_key + ':' + row.props.composition})
  ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.family.composition-changed',
    ev.source = '/family-card/families', ev.subject = row.family_id, ev.time = row.props.evaluated_at,
    ev.datacontenttype = 'application/json', ev.region = row.props.region, ev.status = 'NEW',
    ev.data_family_id = row.family_id, ev.data_change = 'members_changed', ev.data_as_of = row.props.as_of,
    ev.data_members = row.props.members, ev.data_previous_members = previous_members
  MERGE (s:EventSubject {subject: row.family_id})
  ON CREATE SET s.last_seq = 0
  FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET ev.seq = s.last_seq
    REMOVE ev.fresh))
FOREACH (changed IN CASE WHEN previous_level IS NULL OR previous_level <> row.props.level THEN [1] ELSE [] END |
  MERGE (ev:ChangeEvent {event_id: 'wellbeing-level:' + row.assessment_key + ':' + row.props.level})
  ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.wellbeing.level-changed',
    ev.source = '/family-card/wellbeing', ev.subject = row.family_id, ev.time = row.props.evaluated_at,
    ev.datacontenttype = 'application/json', ev.region = row.props.region, ev.status = 'NEW',
    ev.data_family_id = row.family_id, ev.data_as_of = row.props.as_of, ev.data_level = row.props.level,
    ev.data_previous_level = previous_level, ev.data_total = row.props.total,
    ev.data_methodology_version = row.props.methodology_version
  MERGE (s:EventSubject {subject: row.family_id})
  ON CREATE SET s.last_seq = 0
  FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET ev.seq = s.last_seq
    REMOVE ev.fresh))
RETURN row.assessment_key AS assessment_key
