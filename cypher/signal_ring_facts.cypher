// The whole-graph ring pass (src/domain/signals/rings.rs, `RingPass`): one keyset page of persons after $after
// in IIN order, each with what links households into rings — the phone, bank accounts, registrations, with
// their dates — and the household links (marriages either side, children, wards) with theirs. Dates are judged
// in Rust, never here.
MATCH (p:Person)
WHERE p.iin > $after
WITH p
ORDER BY p.iin
LIMIT $limit
RETURN p.iin AS iin,
  p.death_date AS death_date,
  p.phone AS phone,
  [(p)-[:HOLDS_ACCOUNT]->(b:BankAccount) | {id: b.iban, from: b.opened_on, to: b.closed_on}] AS accounts,
  [(p)-[r:REGISTERED_AT]->(d:Dwelling) | {id: d.address_id, from: r.from, to: r.to}] AS dwellings,
  [(p)-[m:MARRIED_TO]->(q:Person) | {id: q.iin, from: m.registered_on, to: m.dissolved_on}]
    + [(p)<-[m:MARRIED_TO]-(q:Person) | {id: q.iin, from: m.registered_on, to: m.dissolved_on}] AS spouses,
  [(p)-[l:PARENT_OF]->(c:Person) | {id: c.iin, from: l.since, to: l.until}] AS children,
  [(p)-[g:GUARDIAN_OF]->(w:Person) | {id: w.iin, from: g.from, to: g.to}] AS wards
ORDER BY iin
