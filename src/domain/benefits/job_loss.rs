//! (3) Social payment for job loss (ГФСС): 45 % of the average insured income over the 24
//! months before the job was lost (each month capped at 7 МЗП), for 1–6 months by the months of
//! contributions, to a registered unemployed insured person.

use super::*;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::JobLoss;
    let r = &c.r.job_loss;
    let mut out = vec![];
    for m in &c.s.members {
        for u in &m.facts.unemployment {
            if !covers(Some(u.registered_on), u.to, c.d) {
                continue;
            }
            let last = YearMonth::of(u.job_lost_on).minus(1);
            let (sum, _, detail) = c.insured_income(m, last, r.average_months, r.cap_mzp)?;
            let record = m
                .facts
                .contributions
                .iter()
                .filter(|x| x.month <= last)
                .count() as u32;
            let months = r
                .duration_by_contribution_months
                .iter()
                .rev()
                .find(|s| record >= s.from)
                .map(|s| s.months);
            let amount = div_half_up(
                sum as i128 * r.replacement_rate.0 as i128,
                r.average_months as i128 * 10_000,
            );
            let reasons = vec![
                c.reason(
                    k,
                    "registered as unemployed on the date",
                    true,
                    format!(
                        "{} registered {}, job lost {}",
                        m.iin(),
                        u.registered_on,
                        u.job_lost_on
                    ),
                ),
                c.inferred(
                    k,
                    "insurance record long enough for a payment (1–6 months by months of contributions)",
                    months.is_some(),
                    format!(
                        "{record} month(s) of contributions before the job loss → {} month(s) of payment",
                        months.unwrap_or(0)
                    ),
                ),
                c.reason(
                    k,
                    "amount",
                    true,
                    format!(
                        "{} × {} / {} months = {}; {detail}",
                        r.replacement_rate,
                        tenge(sum),
                        r.average_months,
                        tenge(amount)
                    ),
                ),
                c.citizenship_reason(k, m),
            ];
            out.push(c.entitlement(
                k,
                reasons,
                Some(amount),
                Payment::Monthly,
                Some(Period {
                    from: u.registered_on,
                    to: Some(add_months(u.registered_on, months.unwrap_or(0))),
                }),
                Some(c.recipient(m)),
                None,
            ));
        }
    }
    Ok(out)
}
