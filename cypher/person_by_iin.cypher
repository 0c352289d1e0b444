// One person's own record, or no row.
MATCH (p:Person {iin: $iin})
RETURN p {.*} AS person
