//! Dead recipients (DOMAIN §7, the standard registry cross-check): a benefit receipt still open
//! more than the grace period after the recipient's death record, or a benefit payment for a
//! month that starts after it. Checked for every person of the slice with a death record.

use super::{pair, Hit, SignalKind, SignalRules};
use crate::domain::links::{person_id, Slice};
use chrono::NaiveDate;
use std::collections::BTreeSet;

pub fn evaluate(slice: &Slice, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.dead_recipient;
    let matters = |code: &str| rule.benefits.is_empty() || rule.benefits.iter().any(|b| b == code);
    let mut hits = vec![];
    for r in slice.records.values() {
        let Some(died) = r.person.death_date.filter(|d| *d <= as_of) else {
            continue;
        };
        let cutoff = died + chrono::Duration::days(rule.grace_days);
        let mut facts = vec![pair("death_date", died)];
        for b in r.benefits.iter().filter(|b| matters(&b.benefit)) {
            let open_past = b.to.is_none_or(|t| t > cutoff) && cutoff < as_of;
            if open_past {
                facts.push(pair(
                    "receipt_after_death",
                    format!(
                        "{} {} ₸ from {} to {}",
                        b.benefit,
                        b.amount_kzt,
                        b.from,
                        b.to.map(|t| t.to_string()).unwrap_or_else(|| "open".into())
                    ),
                ));
            }
        }
        let mut paid: Vec<String> = r
            .benefit_incomes
            .iter()
            .filter(|i| {
                i.month.first_day() > cutoff
                    && i.month.first_day() <= as_of
                    && i.benefit.as_deref().is_none_or(&matters)
            })
            .map(|i| {
                format!(
                    "{} {} {} ₸",
                    i.month,
                    i.benefit.as_deref().unwrap_or("benefit"),
                    i.amount_kzt
                )
            })
            .collect();
        paid.sort();
        let months = paid.len();
        if let (Some(first), Some(last)) = (paid.first(), paid.last()) {
            facts.push(pair("payments_after_death", months));
            facts.push(pair("first_payment_after_death", first));
            facts.push(pair("last_payment_after_death", last));
        }
        if facts.len() == 1 {
            continue;
        }
        let ids: BTreeSet<String> = [person_id(r.iin())].into_iter().collect();
        let benefits: Vec<String> = if rule.benefits.is_empty() {
            let mut v: Vec<String> = r.benefits.iter().map(|b| b.benefit.clone()).collect();
            v.sort();
            v.dedup();
            v
        } else {
            rule.benefits.clone()
        };
        hits.push(Hit {
            signal: SignalKind::DeadRecipient,
            subjects: vec![r.iin().clone()],
            score: rule.weight,
            rule_version: rules.version.clone(),
            thresholds: vec![pair("grace_days", rule.grace_days)],
            facts,
            matters_for: benefits,
            evidence: slice.subset(&ids, vec![]),
        });
    }
    hits
}
