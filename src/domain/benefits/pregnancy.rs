//! (1) Social payment for loss of income due to pregnancy and childbirth (ГФСС).
//! Average monthly insured income over the 12 months before the leave (each month capped at
//! 7 МЗП) × leave days / 30, less the 10 % pension contribution; one payment for the leave.

use super::*;
use chrono::Duration;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::PregnancyChildbirth;
    let r = &c.r.pregnancy_childbirth;
    let mut out = vec![];
    for m in &c.s.members {
        for p in &m.facts.pregnancies {
            let days = if p.complicated_or_multiple {
                r.days_complicated_or_multiple
            } else {
                r.days_normal
            };
            let end = p.leave_from + Duration::days(days);
            if !(p.leave_from <= c.d && c.d < end) {
                continue;
            }
            let last = YearMonth::of(p.leave_from).minus(1);
            let (sum, months, detail) = c.insured_income(m, last, r.average_months, r.cap_mzp)?;
            let insured = months >= r.min_contribution_months;
            // avg × days / 30 × (1 − ОПВ), rounded once: sum × days × (10000 − opv) / (N × 30 × 10000)
            let amount = div_half_up(
                sum as i128 * days as i128 * (10_000 - r.pension_contribution.0) as i128,
                r.average_months as i128 * 30 * 10_000,
            );
            let reasons = vec![
                c.reason(
                    k,
                    "on maternity leave on the date",
                    true,
                    format!(
                        "leave from {} for {days} days{} (to {end})",
                        p.leave_from,
                        if p.complicated_or_multiple {
                            ", complicated or multiple birth"
                        } else {
                            ""
                        }
                    ),
                ),
                c.inferred(
                    k,
                    &format!(
                        "insured: at least {} month(s) of contributions in the {} months before the leave",
                        r.min_contribution_months, r.average_months
                    ),
                    insured,
                    detail,
                ),
                c.reason(
                    k,
                    "amount",
                    true,
                    format!(
                        "{} / {} months × {days} / 30 days × (1 − {} ОПВ) = {}, rounded half up",
                        tenge(sum),
                        r.average_months,
                        r.pension_contribution,
                        tenge(amount)
                    ),
                ),
                c.citizenship_reason(k, m),
            ];
            out.push(c.entitlement(
                k,
                reasons,
                Some(amount),
                Payment::OneOff,
                Some(Period {
                    from: p.leave_from,
                    to: Some(end),
                }),
                Some(c.recipient(m)),
                None,
            ));
        }
    }
    Ok(out)
}
