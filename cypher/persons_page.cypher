// A page of person IINs (keyset on IIN): benchmarks sample from it.
MATCH (p:Person)
WHERE p.iin > $after
RETURN p.iin AS iin
ORDER BY p.iin
LIMIT $limit
