// Relationship counts by type (for load summaries and idempotency checks).
MATCH ()-[r]->()
RETURN type(r) AS type, count(r) AS n
