// The signals of the stored hits of $as_of that name a person ($iin among their subjects, or the person's node
// $person_id in their evidence): the recall of the generator's planted patterns after a signals run.
MATCH (h:SignalHit {as_of: $as_of})
WHERE $iin IN h.subjects OR h.evidence CONTAINS $person_id
RETURN DISTINCT h.signal AS signal
