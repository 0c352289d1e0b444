//! (6) Disability benefit (ГСП, art. 177): by group, cause and age — adults 2.2 / 1.76 / 1.2 ПМ
//! (groups 1 / 2 / 3); a child under 7 1.61 ПМ; a child 7–18 or a person disabled since childhood
//! 2.2 / 1.83 / 1.61 ПМ. A child's benefit is paid to the head of the family.

use super::*;
use crate::domain::registry::DisabilityCause;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::Disability;
    let r = &c.r.disability;
    let mut out = vec![];
    for m in &c.s.members {
        let Some(dis) = m
            .facts
            .disabilities
            .iter()
            .find(|x| covers(Some(x.from), x.to, c.d))
        else {
            continue;
        };
        let age = m.age_on(c.d);
        let group = dis.group.unwrap_or(3).clamp(1, 3) as usize;
        let (coef, why, inferred) = if age < 7 {
            (r.child_under_7_pm, "child under 7".to_string(), false)
        } else if age < 18 || dis.cause == DisabilityCause::SinceChildhood {
            (
                r.child_or_since_childhood_pm_by_group[group - 1],
                format!(
                    "{} , group {}",
                    if age < 18 {
                        "child 7–18"
                    } else {
                        "disabled since childhood"
                    },
                    dis.group
                        .map(|g| g.to_string())
                        .unwrap_or_else(|| "none (child) → group-3 rate [Inf]".into())
                ),
                dis.group.is_none(),
            )
        } else {
            (
                r.adult_pm_by_group[group - 1],
                format!(
                    "adult, group {group}, cause {:?}{}",
                    dis.cause,
                    if dis.cause == DisabilityCause::GeneralIllness {
                        ""
                    } else {
                        " (general-illness rates applied [Inf])"
                    }
                ),
                dis.cause != DisabilityCause::GeneralIllness,
            )
        };
        let amount = c.times(c.year.pm, coef);
        let recipient = if age < 18 { c.head() } else { m };
        let mut amount_reason = c.reason(
            k,
            "amount by group, cause and age",
            true,
            format!(
                "{why}: {coef} ПМ × {} = {}",
                tenge(c.year.pm),
                tenge(amount)
            ),
        );
        amount_reason.inferred = inferred;
        out.push(c.entitlement(
            k,
            vec![
                c.reason(
                    k,
                    "disability established on the date",
                    true,
                    format!("{} since {}", m.iin(), dis.from),
                ),
                amount_reason,
                c.citizenship_reason(k, recipient),
            ],
            Some(amount),
            Payment::Monthly,
            Some(Period {
                from: dis.from,
                to: dis.to,
            }),
            Some(c.recipient(recipient)),
            (age < 18).then(|| m.iin().clone()),
        ));
    }
    Ok(out)
}
