//! Fictitious divorce (DOMAIN §7: Shymkent 2019): a marriage of the focus person dissolved on
//! or before the date, while the former spouses still live together after it (registered at
//! one dwelling in overlapping periods after the divorce), share a bank account open after it,
//! or share a phone number — and one of them got a benefit the rule names (ASP, large family)
//! starting within the rule's window after the divorce. A divorce without such a benefit, or
//! with former spouses who really live apart, is no hit.

use super::{edges_between, pair, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{dwelling_id, person_id, EdgeKind, LinkRecord, Slice};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Whether `[a_from, a_to)` and `[b_from, b_to)` overlap on or after `after`.
fn overlap_after(
    after: NaiveDate,
    a: (NaiveDate, Option<NaiveDate>),
    b: (NaiveDate, Option<NaiveDate>),
) -> Option<NaiveDate> {
    let start = a.0.max(b.0).max(after);
    let end = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    };
    end.is_none_or(|e| start < e).then_some(start)
}

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.fictitious_divorce;
    let Some(me) = slice.records.get(focus) else {
        return vec![];
    };
    let mut hits = vec![];
    for m in &me.marriages {
        let Some(divorced) = m.dissolved_on.filter(|d| *d <= as_of) else {
            continue;
        };
        let ex_iin = if &m.spouse_a == focus {
            &m.spouse_b
        } else {
            &m.spouse_a
        };
        let Some(ex) = slice.records.get(ex_iin) else {
            continue;
        };
        let (a_id, b_id) = (person_id(focus), person_id(ex_iin));
        let mut ids: BTreeSet<String> = [a_id.clone(), b_id.clone()].into_iter().collect();
        let mut edges = vec![];
        let mut together: Vec<String> = vec![];
        // Registered at one dwelling after the divorce.
        for ra in &me.registrations {
            for rb in ex
                .registrations
                .iter()
                .filter(|r| r.dwelling.address_id == ra.dwelling.address_id)
            {
                if let Some(since) = overlap_after(
                    divorced,
                    (ra.registration.from, ra.registration.to),
                    (rb.registration.from, rb.registration.to),
                ) {
                    let did = dwelling_id(&ra.dwelling.address_id);
                    together.push(format!(
                        "co_registered at {} since {since}",
                        ra.dwelling.address_id
                    ));
                    ids.insert(did.clone());
                    edges.extend(
                        slice
                            .edges
                            .iter()
                            .filter(|e| {
                                e.kind == EdgeKind::RegisteredAt
                                    && e.to == did
                                    && (e.from == a_id || e.from == b_id)
                            })
                            .cloned(),
                    );
                }
            }
        }
        for e in edges_between(slice, &a_id, &b_id) {
            match e.kind {
                EdgeKind::SharesAccount if e.to_date.is_none_or(|t| t > divorced) => {
                    together.push("shared bank account open after the divorce".into());
                    edges.push(e.clone());
                }
                EdgeKind::SharesPhone => {
                    together.push("shared phone number".into());
                    edges.push(e.clone());
                }
                EdgeKind::MarriedTo => edges.push(e.clone()),
                _ => {}
            }
        }
        if together.is_empty() {
            continue;
        }
        let window_end = divorced + chrono::Duration::days(rule.benefit_within_days);
        let benefit = |r: &LinkRecord| {
            r.benefits
                .iter()
                .filter(|b| {
                    rule.benefits.contains(&b.benefit)
                        && b.from >= divorced
                        && b.from <= window_end
                        && b.from <= as_of
                })
                .map(|b| format!("{} from {} ({})", b.benefit, b.from, b.iin.as_str()))
                .collect::<Vec<_>>()
        };
        let benefits: Vec<String> = benefit(me).into_iter().chain(benefit(ex)).collect();
        if benefits.is_empty() {
            continue;
        }
        let mut facts = vec![
            pair("marriage_id", &m.marriage_id),
            pair("divorced_on", divorced),
        ];
        facts.extend(together.iter().map(|t| pair("after_divorce", t)));
        facts.extend(benefits.iter().map(|b| pair("benefit", b)));
        hits.push(Hit {
            signal: SignalKind::FictitiousDivorce,
            subjects: vec![focus.clone(), ex_iin.clone()],
            score: rule.weight,
            rule_version: rules.version.clone(),
            thresholds: vec![
                pair("benefit_within_days", rule.benefit_within_days),
                pair("benefits", rule.benefits.join(",")),
            ],
            facts,
            matters_for: rule.benefits.clone(),
            evidence: slice.subset(&ids, edges),
        });
    }
    hits
}
