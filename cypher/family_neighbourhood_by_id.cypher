// A family card by its id (`family(familyId:)`) in ONE round trip: the card's anchor found from its Family node
// and the anchor's neighbourhood with every fact, in the same statement. Everything from `OPTIONAL MATCH (f0)`
// on is family_neighbourhood.cypher's text, unchanged (tests/api/round_trips.rs checks it); the caller
// passes $with_relatives false and $with_neighbours true (a card by id is the anchor's own neighbourhood).
MATCH (fam:Family {family_id: $family_id})
WITH fam.anchor_iin AS focus_iin
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
  [(p)-[:OWNS_REAL_ESTATE]->(f:RealEstate) | f {.*, owner_iin: p.iin}] AS real_estate,
  [(p)-[:OWNS_VEHICLE]->(f:Vehicle) | f {.*, owner_iin: p.iin}] AS vehicles,
  [(p)-[:OWNS_LAND]->(f:LandPlot) | f {.*, owner_iin: p.iin}] AS land_plots,
  [(p)-[:KEEPS_FARM]->(f:Farm) | f {.*, owner_iin: p.iin}] AS farms,
  [(p)-[:RECEIVED_INCOME]->(f:Income) | {iin: p.iin, year: f.year, source: f.source, payer_bin: f.payer_bin, benefit: f.benefit, amount_kzt: [f.amount_kzt_01, f.amount_kzt_02, f.amount_kzt_03, f.amount_kzt_04, f.amount_kzt_05, f.amount_kzt_06, f.amount_kzt_07, f.amount_kzt_08, f.amount_kzt_09, f.amount_kzt_10, f.amount_kzt_11, f.amount_kzt_12]}] AS incomes,
  [(p)-[:PAID_CONTRIBUTION]->(f:Contribution) | {iin: p.iin, year: f.year, payer_bin: f.payer_bin, insured_income_kzt: [f.insured_income_kzt_01, f.insured_income_kzt_02, f.insured_income_kzt_03, f.insured_income_kzt_04, f.insured_income_kzt_05, f.insured_income_kzt_06, f.insured_income_kzt_07, f.insured_income_kzt_08, f.insured_income_kzt_09, f.insured_income_kzt_10, f.insured_income_kzt_11, f.insured_income_kzt_12], pension_kzt: [f.pension_kzt_01, f.pension_kzt_02, f.pension_kzt_03, f.pension_kzt_04, f.pension_kzt_05, f.pension_kzt_06, f.pension_kzt_07, f.pension_kzt_08, f.pension_kzt_09, f.pension_kzt_10, f.pension_kzt_11, f.pension_kzt_12], social_kzt: [f.social_kzt_01, f.social_kzt_02, f.social_kzt_03, f.social_kzt_04, f.social_kzt_05, f.social_kzt_06, f.social_kzt_07, f.social_kzt_08, f.social_kzt_09, f.social_kzt_10, f.social_kzt_11, f.social_kzt_12]}] AS contributions,
  [(p)-[:HAS_LOAN]->(f:Loan) | f {.*, iin: p.iin}] AS loans,
  [(p)-[:EMPLOYED]->(f:Employment) | f {.*, iin: p.iin}] AS employments,
  [(p)-[:RUNS_BUSINESS]->(f:Business) | f {.*, iin: p.iin}] AS businesses,
  [(p)-[:HAS_DISABILITY]->(f:Disability) | f {.*, iin: p.iin}] AS disabilities,
  [(p)-[:ATTACHED_TO_CLINIC]->(f:HealthAttachment) | f {.*, iin: p.iin}] AS health_attachments,
  [(p)-[:INSURED]->(f:HealthInsurance) | f {.*, iin: p.iin}] AS health_insurance,
  [(p)-[:HAS_DISEASE]->(f:DiseaseRegistration) | f {.*, iin: p.iin}] AS diseases,
  [(p)-[:HAS_ADDICTION]->(f:AddictionRegistration) | f {.*, iin: p.iin}] AS addictions,
  [(p)-[:ENROLLED_IN]->(f:EducationAttachment) | f {.*, iin: p.iin}] AS education,
  [(p)-[:CONVICTED]->(f:Conviction) | f {.*, iin: p.iin}] AS convictions,
  [(p)-[:HOLDS_ACCOUNT]->(f:BankAccount) | f {.*, iin: p.iin}] AS bank_accounts,
  [(p)-[:AWARDED]->(f:MotherAward) | f {.*, iin: p.iin}] AS awards,
  [(p)-[:HAS_PREGNANCY]->(f:Pregnancy) | f {.*, iin: p.iin}] AS pregnancies,
  [(p)-[:REGISTERED_UNEMPLOYED]->(f:Unemployment) | f {.*, iin: p.iin}] AS unemployment,
  [(p)-[:RECEIVES_BENEFIT]->(f:BenefitReceipt) | f {.*, iin: p.iin}] AS benefits
