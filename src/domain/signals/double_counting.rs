//! Double counting (DOMAIN §7): the same child counted in two families — a minor child of the
//! person asked about whose other parent or guardian lives in another household (not married to
//! them in force, not registered at one dwelling with them on the date), while both households
//! receive a benefit that counts the children (the step-child rule broken) — and one person of
//! the applicant's family receiving two mutually exclusive benefits on the same day (the rule's
//! `exclusive` pairs, e.g. the state care allowance and the ГФСС care payment).

use super::assets_on_relatives::own_family;
use super::{pair, receives, spouse_on, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{person_id, EdgeKind, Slice};
use crate::domain::registry::{age_on, covers};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The dwellings `who` is registered at on `d`.
fn dwellings(slice: &Slice, who: &Iin, d: NaiveDate) -> BTreeSet<String> {
    slice
        .records
        .get(who)
        .map(|r| {
            r.registrations
                .iter()
                .filter(|x| covers(Some(x.registration.from), x.registration.to, d))
                .map(|x| x.dwelling.address_id.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `a` and `b` form one household on `d`: married in force or registered together.
fn one_household(slice: &Slice, a: &Iin, b: &Iin, d: NaiveDate) -> bool {
    spouse_on(slice, a, d).as_ref() == Some(b)
        || !dwellings(slice, a, d).is_disjoint(&dwellings(slice, b, d))
}

/// The benefits counting children received on `d` by `who` or their spouse in force.
fn household_receipts(slice: &Slice, who: &Iin, benefits: &[String], d: NaiveDate) -> Vec<String> {
    let mut out: Vec<String> = receives(slice, who, benefits, d)
        .into_iter()
        .map(|r| format!("{}: {r}", who.as_str()))
        .collect();
    if let Some(s) = spouse_on(slice, who, d) {
        out.extend(
            receives(slice, &s, benefits, d)
                .into_iter()
                .map(|r| format!("{}: {r}", s.as_str())),
        );
    }
    out
}

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.double_counting;
    let Some(me) = slice.records.get(focus) else {
        return vec![];
    };
    let mut hits = vec![];
    let thresholds = vec![
        pair("child_age", rule.child_age),
        pair("child_benefits", rule.child_benefits.join(",")),
    ];
    let mine = household_receipts(slice, focus, &rule.child_benefits, as_of);
    if !mine.is_empty() {
        let children = super::children_and_wards(me, focus, as_of);
        for c in &children {
            let Some(cr) = slice.records.get(c) else {
                continue;
            };
            if age_on(cr.person.birth_date, as_of) >= rule.child_age || !cr.person.alive_on(as_of) {
                continue;
            }
            let mut carers: BTreeSet<Iin> = cr
                .parent_links
                .iter()
                .filter(|l| &l.child_iin == c && covers(l.since, l.until, as_of))
                .map(|l| l.parent_iin.clone())
                .collect();
            carers.extend(
                cr.guardianships
                    .iter()
                    .filter(|g| &g.ward_iin == c && covers(Some(g.from), g.to, as_of))
                    .map(|g| g.guardian_iin.clone()),
            );
            for other in carers.iter().filter(|o| *o != focus) {
                if one_household(slice, focus, other, as_of) {
                    continue;
                }
                let theirs = household_receipts(slice, other, &rule.child_benefits, as_of);
                if theirs.is_empty() {
                    continue;
                }
                let (me_id, c_id, o_id) = (person_id(focus), person_id(c), person_id(other));
                let mut ids: BTreeSet<String> = [me_id.clone(), c_id.clone(), o_id.clone()]
                    .into_iter()
                    .collect();
                let mut edges = vec![];
                for e in slice.edges.iter().filter(|e| e.in_force(as_of)) {
                    let carer_link = e.kind.is_civil()
                        && e.touches(&c_id)
                        && (e.touches(&me_id) || e.touches(&o_id));
                    let registered = e.kind == EdgeKind::RegisteredAt
                        && (e.from == me_id || e.from == o_id || e.from == c_id);
                    if carer_link || registered {
                        ids.insert(e.from.clone());
                        ids.insert(e.to.clone());
                        edges.push(e.clone());
                    }
                }
                let mut facts = vec![
                    pair("child", c.as_str()),
                    pair("counted_by", focus.as_str()),
                    pair("counted_by", other.as_str()),
                ];
                facts.extend(mine.iter().map(|r| pair("benefit", r)));
                facts.extend(theirs.iter().map(|r| pair("benefit", r)));
                hits.push(Hit {
                    signal: SignalKind::DoubleCounting,
                    subjects: vec![focus.clone(), c.clone(), other.clone()],
                    score: rule.weight,
                    rule_version: rules.version.clone(),
                    thresholds: thresholds.clone(),
                    facts,
                    matters_for: rule.child_benefits.clone(),
                    evidence: slice.subset(&ids, edges),
                });
            }
        }
    }
    // Mutually exclusive benefits to one person of the applicant's family.
    for who in own_family(slice, focus, as_of, rule.child_age) {
        for [a, b] in &rule.exclusive {
            let ra = receives(slice, &who, std::slice::from_ref(a), as_of);
            let rb = receives(slice, &who, std::slice::from_ref(b), as_of);
            if ra.is_empty() || rb.is_empty() {
                continue;
            }
            let ids: BTreeSet<String> = [person_id(&who)].into_iter().collect();
            let mut facts = vec![
                pair("recipient", who.as_str()),
                pair("exclusive", format!("{a}+{b}")),
            ];
            facts.extend(ra.iter().chain(rb.iter()).map(|r| pair("benefit", r)));
            hits.push(Hit {
                signal: SignalKind::DoubleCounting,
                subjects: vec![who.clone()],
                score: rule.weight,
                rule_version: rules.version.clone(),
                thresholds: vec![pair("exclusive", format!("{a}+{b}"))],
                facts,
                matters_for: vec![a.clone(), b.clone()],
                evidence: slice.subset(&ids, vec![]),
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::domain::links::tests::{iin, marriage, registered};
    use crate::domain::signals::tests::{
        child, hits_of, of_kind, parent_of, rec, receives_benefit,
    };
    use crate::domain::signals::SignalKind;
    use std::collections::BTreeMap;

    #[test]
    fn a_child_claimed_by_two_households_is_found_and_one_claim_is_not() {
        for (father_claims, expect) in [(true, 1), (false, 0)] {
            let base = if father_claims { 800 } else { 850 };
            let (mo, fa, c) = (iin(base), iin(base + 1), child(base + 2));
            let mut all: BTreeMap<_, _> = [&mo, &fa, &c]
                .iter()
                .map(|i| ((*i).clone(), rec(i)))
                .collect();
            let m = marriage(&mo, &fa, "2012-01-01", Some("2020-01-01"));
            all.get_mut(&mo).unwrap().marriages.push(m.clone());
            all.get_mut(&fa).unwrap().marriages.push(m);
            parent_of(&mut all, &mo, &c);
            parent_of(&mut all, &fa, &c);
            registered(all.get_mut(&mo).unwrap(), "AD-MO", "2020-01-01", None);
            registered(all.get_mut(&fa).unwrap(), "AD-FA", "2020-01-01", None);
            receives_benefit(all.get_mut(&mo).unwrap(), "asp");
            if father_claims {
                receives_benefit(all.get_mut(&fa).unwrap(), "large_family");
            }
            let h = hits_of(&all, &mo, 2);
            let h = of_kind(&h, SignalKind::DoubleCounting);
            assert_eq!(h.len(), expect);
            if expect == 1 {
                assert_eq!(h[0].subjects, vec![mo.clone(), c.clone(), fa.clone()]);
            }
        }
    }

    #[test]
    fn two_exclusive_benefits_to_one_person_are_found() {
        let a = iin(900);
        let mut all: BTreeMap<_, _> = [(a.clone(), rec(&a))].into_iter().collect();
        receives_benefit(all.get_mut(&a).unwrap(), "child_care_allowance");
        assert!(of_kind(&hits_of(&all, &a, 1), SignalKind::DoubleCounting).is_empty());
        receives_benefit(all.get_mut(&a).unwrap(), "child_care_insurance");
        let h = hits_of(&all, &a, 1);
        let h = of_kind(&h, SignalKind::DoubleCounting);
        assert_eq!(h.len(), 1);
        assert!(h[0]
            .facts
            .iter()
            .any(|(k, v)| k == "exclusive" && v == "child_care_allowance+child_care_insurance"));
    }
}
