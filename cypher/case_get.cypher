// One investigators' case by id (its properties as a map).
MATCH (c:Case {case_id: $case_id})
RETURN c {.*} AS found
