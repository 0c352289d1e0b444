//! Hidden earner (DOMAIN §7: applicants who left working relatives out): the person asked about
//! receives a benefit the rule names on the date, and an adult linked to them that day — spouse
//! in a marriage in force, adult child, or registered at the same dwelling — has an employment
//! or a business (sole proprietor, founder) in force. A lead to compare with the application's
//! declared members and income, never a finding by itself.

use super::{pair, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{dwelling_id, person_id, EdgeKind, Slice};
use crate::domain::registry::{age_on, covers};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.hidden_earner;
    let Some(me) = slice.records.get(focus) else {
        return vec![];
    };
    let receipts: Vec<String> = me
        .benefits
        .iter()
        .filter(|b| rule.benefits.contains(&b.benefit) && covers(Some(b.from), b.to, as_of))
        .map(|b| format!("{} {} ₸ from {}", b.benefit, b.amount_kzt, b.from))
        .collect();
    if receipts.is_empty() {
        return vec![];
    }
    // Adults linked to the recipient on the date, with how.
    let mut linked: BTreeMap<Iin, BTreeSet<&'static str>> = BTreeMap::new();
    for m in &me.marriages {
        if covers(Some(m.registered_on), m.dissolved_on, as_of) {
            let o = if &m.spouse_a == focus {
                &m.spouse_b
            } else {
                &m.spouse_a
            };
            linked.entry(o.clone()).or_default().insert("spouse");
        }
    }
    for l in me.parent_links.iter().filter(|l| &l.parent_iin == focus) {
        linked
            .entry(l.child_iin.clone())
            .or_default()
            .insert("child");
    }
    let my_dwellings: BTreeSet<&str> = me
        .registrations
        .iter()
        .filter(|r| covers(Some(r.registration.from), r.registration.to, as_of))
        .map(|r| r.dwelling.address_id.as_str())
        .collect();
    for c in &me.co_registrations {
        if my_dwellings.contains(c.address_id.as_str()) && covers(Some(c.from), c.to, as_of) {
            linked
                .entry(c.iin.clone())
                .or_default()
                .insert("co_registered");
        }
    }
    let mut hits = vec![];
    for (who, how) in linked {
        if &who == focus {
            continue;
        }
        let Some(r) = slice.records.get(&who) else {
            continue;
        };
        if age_on(r.person.birth_date, as_of) < rule.adult_age || !r.person.alive_on(as_of) {
            continue;
        }
        let mut earnings: Vec<String> = r
            .employments
            .iter()
            .filter(|e| covers(Some(e.from), e.to, as_of))
            .map(|e| {
                format!(
                    "employed by {} ({}) since {}",
                    e.employer_name.as_deref().unwrap_or("?"),
                    e.employer_bin.as_str(),
                    e.from
                )
            })
            .collect();
        earnings.extend(
            r.businesses
                .iter()
                .filter(|b| covers(Some(b.from), b.to, as_of))
                .map(|b| format!("business {} since {}", b.name, b.from)),
        );
        if earnings.is_empty() {
            continue;
        }
        let (a, b) = (person_id(focus), person_id(&who));
        let mut ids: BTreeSet<String> = [a.clone(), b.clone()].into_iter().collect();
        let mut edges = vec![];
        for e in slice.edges.iter().filter(|e| e.in_force(as_of)) {
            let between = e.touches(&a) && e.touches(&b);
            let earning = e.from == b && e.kind == EdgeKind::RunsBusiness;
            let shared_dwelling = e.kind == EdgeKind::RegisteredAt
                && (e.from == a || e.from == b)
                && my_dwellings.iter().any(|d| e.to == dwelling_id(d));
            if between || earning || (shared_dwelling && how.contains("co_registered")) {
                ids.insert(e.from.clone());
                ids.insert(e.to.clone());
                edges.push(e.clone());
            }
        }
        let mut facts = vec![pair("earner", who.as_str())];
        facts.extend(how.iter().map(|h| pair("linked_as", h)));
        facts.extend(earnings.iter().map(|e| pair("earning", e)));
        facts.extend(receipts.iter().map(|r| pair("benefit", r)));
        hits.push(Hit {
            signal: SignalKind::HiddenEarner,
            subjects: vec![focus.clone(), who.clone()],
            score: rule.weight,
            rule_version: rules.version.clone(),
            thresholds: vec![
                pair("adult_age", rule.adult_age),
                pair("benefits", rule.benefits.join(",")),
            ],
            facts,
            matters_for: rule.benefits.clone(),
            evidence: slice.subset(&ids, edges),
        });
    }
    hits
}
