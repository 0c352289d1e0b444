// A page of family cards in the key range [$from, $to) after $after (keyset on family_id), for
// country-wide jobs; a sharded run (`--shard i/n`) gives each worker its own disjoint range.
MATCH (f:Family)
WHERE f.family_id > $after AND f.family_id >= $from AND f.family_id < $to
RETURN f.family_id AS family_id, f.anchor_iin AS anchor_iin
ORDER BY f.family_id
LIMIT $limit
