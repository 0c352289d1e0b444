// Node and relationship counts by label/type (for load summaries and idempotency checks).
MATCH (n)
RETURN labels(n)[0] AS label, count(n) AS n
