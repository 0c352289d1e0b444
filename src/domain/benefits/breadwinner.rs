//! (4) Loss of breadwinner (ГСП): a total of 0.92 / 1.70 / 2.25 / 2.60 / 2.75 / 3.0 ПМ for 1 / 2 /
//! 3 / 4 / 5 / 6+ dependants of a deceased spouse or parent: the family's children under 18 or
//! full-time students under 23, and the surviving spouse of pension age or caring for a child
//! under 8 [Inf]. Paid to the head of the family from the date of death.

use super::*;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::BreadwinnerLoss;
    let r = &c.r.breadwinner;
    let mut out = vec![];
    for dead in &c.s.composition.deceased {
        if dead.death_date > c.d {
            continue;
        }
        let mut dependants: Vec<String> = c
            .s
            .children()
            .map(|m| format!("{} ({:?}, aged {})", m.iin(), m.role, m.age_on(c.d)).to_lowercase())
            .collect();
        let head = c.head();
        if dead.relation == "spouse" {
            let pension = head.age_on(c.d) >= c.pension_age(head);
            let young_child =
                c.s.children()
                    .any(|m| m.age_on(c.d) < r.spouse_caring_for_child_under);
            if pension || young_child {
                dependants.push(format!(
                    "{} (surviving spouse{})",
                    head.iin(),
                    if pension {
                        ", of pension age"
                    } else {
                        ", caring for a child under 8 [Inf]"
                    }
                ));
            }
        }
        let n = dependants.len();
        let coef = r.pm_by_dependants[n.clamp(1, 6) - 1];
        let amount = c.times(c.year.pm, coef);
        out.push(c.entitlement(
            k,
            vec![
                c.reason(
                    k,
                    "death of a spouse or parent of a counted child",
                    true,
                    format!("{} ({}) died {}", dead.iin, dead.relation, dead.death_date),
                ),
                c.inferred(
                    k,
                    "at least one dependant in the family",
                    n > 0,
                    if n == 0 {
                        "no dependants".into()
                    } else {
                        dependants.join("; ")
                    },
                ),
                c.reason(
                    k,
                    "amount by number of dependants",
                    true,
                    format!(
                        "{n} dependant(s): {coef} ПМ × {} = {}{}",
                        tenge(c.year.pm),
                        tenge(amount),
                        if n > 6 { ", shared equally" } else { "" }
                    ),
                ),
                c.citizenship_reason(k, head),
            ],
            Some(amount),
            Payment::Monthly,
            Some(Period {
                from: dead.death_date,
                to: None,
            }),
            Some(c.recipient(head)),
            Some(dead.iin.clone()),
        ));
    }
    Ok(out)
}
