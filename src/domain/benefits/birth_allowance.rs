//! One-off birth allowance: 38 МРП for the 1st–3rd child, 63 МРП from the 4th, for every mother
//! regardless of work and income (МРП of the birth year); offered in the months after the birth.
//! The order counts every live-born child of the mother on the birth acts, adult or not, in the
//! family or not (`Ctx::birth_order`); the reasons give the count.

use super::*;
use chrono::Datelike;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::BirthAllowance;
    let r = &c.r.birth_allowance;
    let mut out = vec![];
    let head = c.head();
    for child in c.children_by_age() {
        let birth = child.facts.person.birth_date;
        let window_end = add_months(birth, r.offer_window_months);
        if !(birth <= c.d && c.d < window_end) {
            continue;
        }
        let (order, counted) = c.birth_order(child);
        let coef = if order >= 4 {
            r.fourth_and_later_mrp
        } else {
            r.first_to_third_mrp
        };
        let mrp = c.p.for_year(birth.year())?.mrp;
        let amount = c.times(mrp, coef);
        out.push(c.entitlement(
            k,
            vec![
                c.inferred(
                    k,
                    &format!(
                        "child born within the last {} months",
                        r.offer_window_months
                    ),
                    true,
                    format!("{} born {birth}", child.iin()),
                ),
                c.reason(
                    k,
                    "amount by birth order",
                    true,
                    format!(
                        "{counted}: {coef} МРП of {} ({}) = {}",
                        birth.year(),
                        tenge(mrp),
                        tenge(amount)
                    ),
                ),
                c.citizenship_reason(k, head),
            ],
            Some(amount),
            Payment::OneOff,
            Some(Period {
                from: birth,
                to: None,
            }),
            Some(c.recipient(head)),
            Some(child.iin().clone()),
        ));
    }
    Ok(out)
}
