//! Shared-address cluster: many unrelated adults or families registered at one dwelling on the
//! date (DOMAIN §7: the Turkestan 2025 case; the sample's F17). Persons registered together are
//! grouped into households by the civil links among them (a marriage in force, parenthood, a
//! guardianship in force); the signal counts the households with at least one adult.

use super::{pair, Groups, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{dwelling_id, person_id, EdgeKind, Slice};
use crate::domain::registry::{age_on, covers};
use chrono::NaiveDate;
use std::collections::BTreeSet;

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.shared_address_cluster;
    let Some(me) = slice.records.get(focus) else {
        return vec![];
    };
    let mut hits = vec![];
    for reg in me
        .registrations
        .iter()
        .filter(|r| covers(Some(r.registration.from), r.registration.to, as_of))
    {
        let addr = &reg.dwelling.address_id;
        let mut here: BTreeSet<Iin> = BTreeSet::new();
        here.insert(focus.clone());
        here.extend(
            me.co_registrations
                .iter()
                .filter(|c| &c.address_id == addr && covers(Some(c.from), c.to, as_of))
                .map(|c| c.iin.clone()),
        );
        let mut groups = Groups::default();
        let mut civil = vec![];
        for i in &here {
            let Some(r) = slice.records.get(i) else {
                continue;
            };
            for m in &r.marriages {
                if covers(Some(m.registered_on), m.dissolved_on, as_of)
                    && here.contains(&m.spouse_a)
                    && here.contains(&m.spouse_b)
                {
                    groups.join(&m.spouse_a, &m.spouse_b);
                    civil.push((person_id(&m.spouse_a), person_id(&m.spouse_b)));
                }
            }
            for l in &r.parent_links {
                if here.contains(&l.parent_iin) && here.contains(&l.child_iin) {
                    groups.join(&l.parent_iin, &l.child_iin);
                    civil.push((person_id(&l.parent_iin), person_id(&l.child_iin)));
                }
            }
            for g in &r.guardianships {
                if covers(Some(g.from), g.to, as_of)
                    && here.contains(&g.guardian_iin)
                    && here.contains(&g.ward_iin)
                {
                    groups.join(&g.guardian_iin, &g.ward_iin);
                    civil.push((person_id(&g.guardian_iin), person_id(&g.ward_iin)));
                }
            }
        }
        let adult = |i: &Iin| {
            let birth = slice
                .records
                .get(i)
                .map(|r| r.person.birth_date)
                .unwrap_or_else(|| i.birth_date());
            age_on(birth, as_of) >= rule.adult_age
        };
        let adults: Vec<&Iin> = here.iter().filter(|i| adult(i)).collect();
        let households: BTreeSet<Iin> = adults.iter().map(|i| groups.find(i)).collect();
        if households.len() < rule.min_households {
            continue;
        }
        let did = dwelling_id(addr);
        let mut ids: BTreeSet<String> = here.iter().map(person_id).collect();
        ids.insert(did.clone());
        let edges = slice
            .edges
            .iter()
            .filter(|e| {
                (e.kind == EdgeKind::RegisteredAt
                    && e.to == did
                    && ids.contains(&e.from)
                    && e.in_force(as_of))
                    || (e.kind.is_civil()
                        && civil
                            .iter()
                            .any(|(a, b)| e.touches(a) && e.touches(b) && e.in_force(as_of)))
            })
            .cloned()
            .collect();
        hits.push(Hit {
            signal: SignalKind::SharedAddressCluster,
            subjects: here.iter().cloned().collect(),
            score: rule.weight,
            rule_version: rules.version.clone(),
            thresholds: vec![
                pair("min_households", rule.min_households),
                pair("adult_age", rule.adult_age),
            ],
            facts: vec![
                pair("address_id", addr),
                pair("registered_persons", here.len()),
                pair("adults", adults.len()),
                pair("households", households.len()),
                pair("as_of", as_of),
            ],
            matters_for: rule.benefits.clone(),
            evidence: slice.subset(&ids, edges),
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::family::CoRegistration;
    use crate::domain::links::tests::{d, iin, marriage, rec, registered, run};
    use crate::domain::links::{Explorer, LinkFilter, LinkRecord, MAX_NODES};
    use crate::domain::registry::RegistrationKind;
    use crate::domain::signals::SignalCatalog;
    use std::collections::BTreeMap;

    /// `n` adults at one flat; the first two married (one household).
    fn flat(n: u32, base: u32) -> (Iin, BTreeMap<Iin, LinkRecord>) {
        let people: Vec<Iin> = (0..n).map(|k| iin(base + k)).collect();
        let m = marriage(&people[0], &people[1], "2015-01-01", None);
        let mut all = BTreeMap::new();
        for p in &people {
            let mut r = rec(p);
            registered(&mut r, "AD-Z", "2020-01-01", None);
            r.co_registrations = people
                .iter()
                .filter(|o| *o != p)
                .map(|o| CoRegistration {
                    iin: o.clone(),
                    address_id: "AD-Z".into(),
                    kind: RegistrationKind::Permanent,
                    from: d("2020-01-01"),
                    to: None,
                })
                .collect();
            if p == &people[0] || p == &people[1] {
                r.marriages.push(m.clone());
            }
            all.insert(p.clone(), r);
        }
        (people[0].clone(), all)
    }

    fn hits(n: u32, base: u32) -> Vec<Hit> {
        let (focus, all) = flat(n, base);
        let mut ex = Explorer::new(focus.clone(), LinkFilter::all(None), 1, MAX_NODES, None);
        run(&mut ex, &all);
        let on = d("2026-06-15");
        let rules = SignalCatalog::bundled().in_force(on).unwrap().clone();
        evaluate(&ex.slice(), &focus, on, &rules)
    }

    #[test]
    fn a_married_couple_counts_as_one_household() {
        // 5 adults, two of them married: 4 households, the threshold.
        let h = hits(5, 300);
        assert_eq!(h.len(), 1);
        assert!(h[0].facts.contains(&pair("households", 4)));
        assert!(h[0].facts.contains(&pair("adults", 5)));
        // 4 adults, two married: 3 households, below it.
        assert!(hits(4, 400).is_empty());
    }
}
