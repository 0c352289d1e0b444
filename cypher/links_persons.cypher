// Link records (src/domain/links.rs) of each person in $iins: one hop of a link query, ONE round trip.
// Civil links in both directions, registrations with their dwellings, everybody else registered at those
// dwellings (capped: a shared-address hub must not flood a hop), owned assets, employments and businesses,
// bank accounts with their other holders, benefits (receipts and payments), and schools and polyclinics. Dates are filtered in Rust, never here.
// Note: the focus's own registration cannot come back a second time in the co-registration pattern
// (relationship uniqueness); it is in `registrations`.
UNWIND $iins AS focus_iin
MATCH (p:Person {iin: focus_iin})
RETURN p.iin AS focus,
  p {.*} AS person,
  [(p)-[m:MARRIED_TO]->(q:Person) | m {.*, spouse_a: p.iin, spouse_b: q.iin}]
    + [(p)<-[m:MARRIED_TO]-(q:Person) | m {.*, spouse_a: q.iin, spouse_b: p.iin}] AS marriages,
  [(p)-[l:PARENT_OF]->(c:Person) | l {.*, parent_iin: p.iin, child_iin: c.iin}]
    + [(p)<-[l:PARENT_OF]-(c:Person) | l {.*, parent_iin: c.iin, child_iin: p.iin}] AS parent_links,
  [(p)-[g:GUARDIAN_OF]->(w:Person) | g {.*, guardian_iin: p.iin, ward_iin: w.iin}]
    + [(p)<-[g:GUARDIAN_OF]-(w:Person) | g {.*, guardian_iin: w.iin, ward_iin: p.iin}] AS guardianships,
  [(p)-[r:REGISTERED_AT]->(d:Dwelling) | r {.*, iin: p.iin, address_id: d.address_id, dwelling: d {.*}}] AS registrations,
  [(p)-[:REGISTERED_AT]->(d:Dwelling)<-[r2:REGISTERED_AT]-(o:Person) | {iin: o.iin, address_id: d.address_id, kind: r2.kind, from: r2.from, to: r2.to}][0..$max_co_registrations] AS co_registrations,
  [(p)-[:OWNS_VEHICLE]->(f:Vehicle) | f {.*, owner_iin: p.iin}] AS vehicles,
  [(p)-[:OWNS_REAL_ESTATE]->(f:RealEstate) | f {.*, owner_iin: p.iin}] AS real_estate,
  [(p)-[:OWNS_LAND]->(f:LandPlot) | f {.*, owner_iin: p.iin}] AS land_plots,
  [(p)-[:RUNS_BUSINESS]->(f:Business) | f {.*, iin: p.iin}] AS businesses,
  [(p)-[:EMPLOYED]->(f:Employment) | f {.*, iin: p.iin}] AS employments,
  [(p)-[:HOLDS_ACCOUNT]->(f:BankAccount) | f {.*, iin: p.iin}] AS bank_accounts,
  [(p)-[:HOLDS_ACCOUNT]->(b:BankAccount)<-[:HOLDS_ACCOUNT]-(h:Person) | {iin: h.iin, iban: b.iban, opened_on: b.opened_on, closed_on: b.closed_on}] AS account_holders,
  [(p)-[:RECEIVES_BENEFIT]->(f:BenefitReceipt) | f {.*, iin: p.iin}] AS benefits,
  [(p)-[:RECEIVED_INCOME]->(f:Income) WHERE f.source = $benefit_source | {iin: p.iin, year: f.year, source: f.source, payer_bin: f.payer_bin, benefit: f.benefit, amount_kzt: [f.amount_kzt_01, f.amount_kzt_02, f.amount_kzt_03, f.amount_kzt_04, f.amount_kzt_05, f.amount_kzt_06, f.amount_kzt_07, f.amount_kzt_08, f.amount_kzt_09, f.amount_kzt_10, f.amount_kzt_11, f.amount_kzt_12]}] AS benefit_incomes,
  [(p)-[:ENROLLED_IN]->(f:EducationAttachment) | f {.*, iin: p.iin}] AS education,
  [(p)-[:ATTACHED_TO_CLINIC]->(f:HealthAttachment) | f {.*, iin: p.iin}] AS health_attachments
