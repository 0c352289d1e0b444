//! (7) Large-family benefit: 4 or more co-residing children under 18 or full-time students under
//! 23, independent of income: 16.03 / 20.04 / 24.05 / 28.06 МРП for 4 / 5 / 6 / 7 children, 4 МРП
//! per child from 8. Paid to the head of the family (the mother in a couple).

use super::*;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::LargeFamily;
    let r = &c.r.large_family;
    let residents = &c.s.household.residents;
    let children = c.children_by_age();
    let co_resident: Vec<&MemberSnapshot> = children
        .iter()
        .copied()
        .filter(|m| residents.contains(m.iin()))
        .collect();
    let n = co_resident.len();
    // Only families with children are considered at all.
    if children.is_empty() {
        return Ok(vec![]);
    }
    let amount = if n >= 8 {
        c.times(c.year.mrp * n as i64, r.mrp_per_child_from_8)
    } else if n >= r.min_children {
        c.times(c.year.mrp, r.mrp_by_children[(n - 4).min(3)])
    } else {
        0
    };
    let formula = if n >= 8 {
        format!(
            "{n} × {} МРП × {} = {}",
            r.mrp_per_child_from_8,
            tenge(c.year.mrp),
            tenge(amount)
        )
    } else if n >= r.min_children {
        format!(
            "{n} children: {} МРП × {} = {}",
            r.mrp_by_children[(n - 4).min(3)],
            tenge(c.year.mrp),
            tenge(amount)
        )
    } else {
        "—".into()
    };
    let listed: Vec<String> = children
        .iter()
        .map(|m| {
            format!(
                "{} aged {} ({:?}){}",
                m.iin(),
                m.age_on(c.d),
                m.role,
                if residents.contains(m.iin()) {
                    ""
                } else {
                    " — not registered with the family, not counted"
                }
            )
            .to_lowercase()
        })
        .collect();
    // The family became large when the n-th counted child was born (stable across dates).
    let since = co_resident
        .get(r.min_children.saturating_sub(1))
        .map(|m| m.facts.person.birth_date)
        .unwrap_or(c.d);
    let head = c.head();
    Ok(vec![c.entitlement(
        k,
        vec![
            c.reason(
                k,
                &format!(
                    "at least {} co-residing children under 18 or full-time students under 23",
                    r.min_children
                ),
                n >= r.min_children,
                format!(
                    "{n} counted at {}: {}",
                    c.s.household
                        .address_id
                        .as_deref()
                        .unwrap_or("no registration"),
                    listed.join("; ")
                ),
            ),
            c.reason(k, "amount", true, formula),
            c.citizenship_reason(k, head),
        ],
        Some(amount),
        Payment::Monthly,
        Some(Period {
            from: since,
            to: None,
        }),
        Some(c.recipient(head)),
        None,
    )])
}
