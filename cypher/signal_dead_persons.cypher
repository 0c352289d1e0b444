// A keyset page of persons with a death record on or before $as_of, in IIN order after $after: the dead-recipient
// pass of `signals run` (the dead have no family card in force, so the family pages never reach a lone one).
MATCH (p:Person)
WHERE p.death_date <= $as_of AND p.iin > $after
RETURN p.iin AS iin
ORDER BY iin
LIMIT $limit
