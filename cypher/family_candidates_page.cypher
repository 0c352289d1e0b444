// A page of persons (keyset on IIN) with what the anchor rule needs: sex, dates and marriages.
MATCH (p:Person)
WHERE p.iin > $after
WITH p ORDER BY p.iin LIMIT $limit
RETURN p.iin AS iin, p.sex AS sex, p.birth_date AS birth_date, p.death_date AS death_date,
  [(p)-[m:MARRIED_TO]-(q:Person) | {registered_on: m.registered_on, dissolved_on: m.dissolved_on, spouse_sex: q.sex, spouse_death_date: q.death_date}] AS marriages
