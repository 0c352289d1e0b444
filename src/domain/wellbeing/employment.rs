//! Employment: able-bodied members, working members, business.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use crate::domain::ids::Sex;
use crate::domain::registry::covers;

pub(super) fn able_bodied_members(c: &Ctx) -> Measured {
    let d = c.d;
    c.count_members(
        "person",
        |m| {
            let age = m.age_on(d);
            let pension = match m.facts.person.sex {
                Sex::Male => c.pension_men,
                Sex::Female => c.pension_women,
            };
            let severe = matches!(c.disability_group(m), Some(Some(1 | 2)));
            (age >= 18 && age < pension && !severe)
                .then(|| format!("aged {age}, below pension age {pension}"))
        },
        "able-bodied member(s)",
    )
}

pub(super) fn working_members(c: &Ctx) -> Measured {
    c.count_members("employment", |m| c.is_working(m), "working member(s)")
}

pub(super) fn business_kind(c: &Ctx) -> Measured {
    let d = c.d;
    let mut sole = false;
    let mut founder = false;
    let mut facts = vec![];
    for m in c.members() {
        for b in m
            .facts
            .businesses
            .iter()
            .filter(|b| covers(Some(b.from), b.to, d))
        {
            match b.role {
                crate::domain::registry::BusinessRole::SoleProprietor => sole = true,
                crate::domain::registry::BusinessRole::Founder => founder = true,
            }
            facts.push(fact(
                m,
                "business",
                format!("{:?} of «{}» since {}", b.role, b.name, b.from),
            ));
        }
    }
    let value = sole as i64 + 2 * founder as i64;
    Measured {
        value,
        shown: match value {
            0 => "no business".into(),
            1 => "sole proprietor".into(),
            2 => "company founder".into(),
            _ => "sole proprietor and company founder".into(),
        },
        facts,
    }
}
