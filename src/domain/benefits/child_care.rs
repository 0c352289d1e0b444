//! (2) Child care to 1.5 years: the ГФСС payment (40 % of the average insured income over 24
//! months, not below the state allowance, capped at 40 % of 7 МЗП) for an insured carer, or the
//! state allowance by birth order (5.76 / 6.81 / 7.85 / 8.90 МРП) for a carer who is not insured.
//! The two exclude each other per child; twins are paid per child. Birth order is the mother's
//! (every live-born child on the birth acts, `Ctx::birth_order`).

use super::*;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let r = &c.r.child_care;
    let mut out = vec![];
    let carer = c.head();
    for child in c.children_by_age() {
        let birth = child.facts.person.birth_date;
        let until = add_months(birth, r.until_age_months);
        if !(birth <= c.d && c.d < until) {
            continue;
        }
        let (order, counted) = c.birth_order(child);
        let coef = r.allowance_mrp_by_order[(order - 1).min(3)];
        let allowance = c.times(c.year.mrp, coef);
        let last = YearMonth::of(birth).minus(1);
        let (sum, months, detail) = c.insured_income(carer, last, r.average_months, r.cap_mzp)?;
        let insured = months >= r.min_contribution_months;
        let raw = div_half_up(
            sum as i128 * r.replacement_rate.0 as i128,
            r.average_months as i128 * 10_000,
        );
        let cap = c.times(r.cap_mzp * c.year.mzp, r.replacement_rate);
        let insurance_amount = raw.clamp(allowance, cap.max(allowance));
        let period = Some(Period {
            from: birth,
            to: Some(until),
        });
        let age = format!(
            "child {} born {birth}, under {} months on {}",
            child.iin(),
            r.until_age_months,
            c.d
        );
        // The insurance payment.
        let k = BenefitKind::ChildCareInsurance;
        out.push(c.entitlement(
            k,
            vec![
                c.reason(k, "child under 1.5 years", true, age.clone()),
                c.inferred(
                    k,
                    "carer insured: contributions in the 24 months before the birth",
                    insured,
                    detail.clone(),
                ),
                c.reason(
                    k,
                    "amount",
                    true,
                    format!(
                        "40 % × {} / {} months = {}; not below the state allowance {} nor above 40 % × {} МЗП = {} → {}",
                        tenge(sum),
                        r.average_months,
                        tenge(raw),
                        tenge(allowance),
                        r.cap_mzp,
                        tenge(cap),
                        tenge(insurance_amount)
                    ),
                ),
                c.citizenship_reason(k, carer),
            ],
            Some(insurance_amount),
            Payment::Monthly,
            period.clone(),
            Some(c.recipient(carer)),
            Some(child.iin().clone()),
        ));
        // The state allowance, for a carer who is not insured.
        let k = BenefitKind::ChildCareAllowance;
        out.push(c.entitlement(
            k,
            vec![
                c.reason(k, "child under 1.5 years", true, age),
                c.reason(
                    k,
                    "carer not in social insurance (else the insurance payment applies instead)",
                    !insured,
                    detail,
                ),
                c.reason(
                    k,
                    "amount by birth order",
                    true,
                    format!(
                        "{counted}: {coef} МРП × {} = {}",
                        tenge(c.year.mrp),
                        tenge(allowance)
                    ),
                ),
                c.citizenship_reason(k, carer),
            ],
            Some(allowance),
            Payment::Monthly,
            period,
            Some(c.recipient(carer)),
            Some(child.iin().clone()),
        ));
    }
    Ok(out)
}
