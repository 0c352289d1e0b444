// Records well-being assessments (one per family and as-of date; re-running the same date overwrites
// it). A record is written only when the family's inputs changed since its previous record.
// Each row carries what the writer read of the family's latest assessment BEFORE this date
// (`previous_level`, `previous_composition`, `previous_members`; null when there is none), read in
// the same page as the inputs-hash check (`wellbeing_previous.cypher`), so this statement touches
// only the family, the new record and its events: one index lookup per node, no scan of the
// family's history.
// Outbox: when the level differs from the previous assessment's (or there was none), a
// `kz.family-card.wellbeing.level-changed` change event is written in the same statement; its id
// is derived from the assessment key and the level, so a re-run creates no second event.
// When the card's members (`composition`, a keyed digest: no IIN) differ from the previous
// assessment's, a `kz.family-card.family.composition-changed` event is written too (a first
// assessment has nothing to compare with). The per-subject sequence is the family's EventSubject
// counter.
UNWIND $rows AS row
MATCH (f:Family {family_id: row.family_id})
MERGE (w:WellbeingAssessment {assessment_key: row.assessment_key})
SET w += row.props
MERGE (f)-[:HAS_WELLBEING]->(w)
WITH row
FOREACH (changed IN CASE WHEN row.previous_composition IS NOT NULL AND row.previous_composition <> row.props.composition THEN [1] ELSE [] END |
  MERGE (ev:ChangeEvent {event_id: 'family-composition:' + row.assessment_key + ':' + row.props.composition})
  ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.family.composition-changed',
    ev.source = '/family-card/families', ev.subject = row.family_id, ev.time = row.props.evaluated_at,
    ev.datacontenttype = 'application/json', ev.region = row.props.region, ev.status = 'NEW',
    ev.data_family_id = row.family_id, ev.data_change = 'members_changed', ev.data_as_of = row.props.as_of,
    ev.data_members = row.props.members, ev.data_previous_members = row.previous_members
  MERGE (s:EventSubject {subject: row.family_id})
  ON CREATE SET s.last_seq = 0
  FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET ev.seq = s.last_seq
    REMOVE ev.fresh))
FOREACH (changed IN CASE WHEN row.previous_level IS NULL OR row.previous_level <> row.props.level THEN [1] ELSE [] END |
  MERGE (ev:ChangeEvent {event_id: 'wellbeing-level:' + row.assessment_key + ':' + row.props.level})
  ON CREATE SET ev.fresh = true, ev.specversion = '1.0', ev.type = 'kz.family-card.wellbeing.level-changed',
    ev.source = '/family-card/wellbeing', ev.subject = row.family_id, ev.time = row.props.evaluated_at,
    ev.datacontenttype = 'application/json', ev.region = row.props.region, ev.status = 'NEW',
    ev.data_family_id = row.family_id, ev.data_as_of = row.props.as_of, ev.data_level = row.props.level,
    ev.data_previous_level = row.previous_level, ev.data_total = row.props.total,
    ev.data_methodology_version = row.props.methodology_version
  MERGE (s:EventSubject {subject: row.family_id})
  ON CREATE SET s.last_seq = 0
  FOREACH (fresh IN CASE WHEN ev.fresh THEN [1] ELSE [] END |
    SET s.last_seq = s.last_seq + 1
    SET ev.seq = s.last_seq
    REMOVE ev.fresh))
RETURN row.assessment_key AS assessment_key
