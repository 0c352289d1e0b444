//! (5) Benefit to a parent, adoptive parent or guardian raising a child with disability: 1.61 ПМ
//! a month, paid to the head of the family on top of the child's own disability benefit.

use super::*;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::DisabledChildCarer;
    let mut out = vec![];
    let carer = c.head();
    for child in c.s.members.iter().filter(|m| m.age_on(c.d) < 18) {
        let Some(dis) = child
            .facts
            .disabilities
            .iter()
            .find(|x| covers(Some(x.from), x.to, c.d))
        else {
            continue;
        };
        let amount = c.times(c.year.pm, c.r.disabled_child_carer.pm);
        let adult_on = add_months(child.facts.person.birth_date, 18 * 12);
        out.push(c.entitlement(
            k,
            vec![
                c.reason(
                    k,
                    "child under 18 with disability in the family",
                    true,
                    format!(
                        "{} aged {}, disability since {}{}",
                        child.iin(),
                        child.age_on(c.d),
                        dis.from,
                        dis.to.map(|t| format!(" to {t}")).unwrap_or_default()
                    ),
                ),
                c.reason(
                    k,
                    "amount",
                    true,
                    format!(
                        "{} ПМ × {} = {}",
                        c.r.disabled_child_carer.pm,
                        tenge(c.year.pm),
                        tenge(amount)
                    ),
                ),
                c.citizenship_reason(k, carer),
            ],
            Some(amount),
            Payment::Monthly,
            Some(Period {
                from: dis.from.max(child.facts.person.birth_date),
                to: Some(dis.to.map_or(adult_on, |t| t.min(adult_on))),
            }),
            Some(c.recipient(carer)),
            Some(child.iin().clone()),
        ));
    }
    Ok(out)
}
