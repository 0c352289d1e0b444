// The composition-only neighbourhood of each person in $iins: the same persons, links and co-registrations as
// family_neighbourhood.cypher (keep the two heads equal: tests/api/round_trips.rs checks it), with only the
// facts the composition rules read (disabilities: adult dependants; education: student dependants). A read
// whose selection needs no other fact (`family { familyId members { … } household { … } }`) uses it
// (src/api/family.rs, `LoadScope`), so incomes and assets are neither fetched nor decoded.
UNWIND $iins AS focus_iin
MATCH (f0:Person {iin: focus_iin})
OPTIONAL MATCH (f0)-[:MARRIED_TO|PARENT_OF|GUARDIAN_OF]-(h:Person)
WHERE $with_relatives
WITH f0, [f0] + collect(DISTINCT h) AS centres
UNWIND centres AS c
OPTIONAL MATCH (c)-[:MARRIED_TO|PARENT_OF|GUARDIAN_OF*1..3]-(n:Person)
WHERE $with_neighbours
WITH f0, centres, collect(DISTINCT n) AS near
UNWIND centres + near AS p
WITH DISTINCT f0, [x IN centres | x.iin] AS centre_iins, p
RETURN f0.iin AS focus,
  p {.iin, .surname, .first_name, .patronymic, .birth_date, .sex, .death_date, .citizenship, .phone} AS person,
  p.iin IN centre_iins AS is_centre,
  CASE WHEN $with_neighbours AND p.iin IN centre_iins
    THEN [(p)-[:REGISTERED_AT]->(d:Dwelling)<-[r2:REGISTERED_AT]-(o:Person) | {iin: o.iin, address_id: d.address_id, kind: r2.kind, from: r2.from, to: r2.to}][0..$max_co_registrations]
    ELSE [] END AS co_registrations,
  [(p)-[r:REGISTERED_AT]->(d2:Dwelling) | r {.kind, .from, .to, iin: p.iin, address_id: d2.address_id, dwelling: d2 {.address_id, .region, .settlement, .settlement_type, .street, .house, .flat}}] AS registrations,
  [(p)-[m:MARRIED_TO]->(q:Person) | m {.marriage_id, .registered_on, .dissolved_on, spouse_a: p.iin, spouse_b: q.iin}] AS marriages,
  [(p)-[l:PARENT_OF]->(c:Person) | l {.*, parent_iin: p.iin, child_iin: c.iin}] AS parent_links,
  [(p)-[g:GUARDIAN_OF]->(w:Person) | g {.*, guardian_iin: p.iin, ward_iin: w.iin}] AS guardianships,
  [(p)-[:HAS_DISABILITY]->(f:Disability) | f {.*, iin: p.iin}] AS disabilities,
  [(p)-[:ENROLLED_IN]->(f:EducationAttachment) | f {.*, iin: p.iin}] AS education
