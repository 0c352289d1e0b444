// A page of family cards (keyset on family_id), for country-wide jobs.
MATCH (f:Family)
WHERE f.family_id > $after
RETURN f.family_id AS family_id, f.anchor_iin AS anchor_iin
ORDER BY f.family_id
LIMIT $limit
