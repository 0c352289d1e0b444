//! (8) Benefit to mothers awarded «Күміс алқа» (6.40 МРП) or «Алтын алқа», «Мать-героиня»,
//! «Материнская слава» I/II (7.40 МРП), monthly, independent of income.

use super::*;
use crate::domain::registry::MotherAwardKind;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::MotherAward;
    let r = &c.r.mother_award;
    let mut out = vec![];
    for m in &c.s.members {
        // The highest award counts once.
        let Some(a) = m
            .facts
            .awards
            .iter()
            .filter(|a| a.awarded_on <= c.d)
            .max_by_key(|a| a.award != MotherAwardKind::KumisAlqa)
        else {
            continue;
        };
        let coef = if a.award == MotherAwardKind::KumisAlqa {
            r.kumis_alqa_mrp
        } else {
            r.other_awards_mrp
        };
        let amount = c.times(c.year.mrp, coef);
        out.push(c.entitlement(
            k,
            vec![
                c.reason(
                    k,
                    "mother awarded a pendant or order",
                    true,
                    format!("{} awarded {:?} on {}", m.iin(), a.award, a.awarded_on),
                ),
                c.reason(
                    k,
                    "amount",
                    true,
                    format!("{coef} МРП × {} = {}", tenge(c.year.mrp), tenge(amount)),
                ),
                c.citizenship_reason(k, m),
            ],
            Some(amount),
            Payment::Monthly,
            Some(Period {
                from: a.awarded_on,
                to: None,
            }),
            Some(c.recipient(m)),
            None,
        ));
    }
    Ok(out)
}
