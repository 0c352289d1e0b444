//! Social protection: dependent children, adult disability, child disability.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use crate::domain::registry::covers;

pub(super) fn dependent_children(c: &Ctx) -> Measured {
    let d = c.d;
    c.count_members(
        "person",
        |m| {
            m.role
                .is_child()
                .then(|| format!("{:?}, aged {}", m.role, m.age_on(d)).to_lowercase())
        },
        "child(ren) and student(s)",
    )
}

pub(super) fn worst_adult_disability(c: &Ctx) -> Measured {
    let mut worst = 0;
    let mut facts = vec![];
    for m in c.adults() {
        if let Some(g) = c.disability_group(m) {
            let code = match g {
                Some(1 | 2) => 2,
                Some(_) => 1,
                None => 0,
            };
            if code > 0 {
                facts.push(fact(m, "disability", format!("group {}", g.unwrap_or(0))));
            }
            worst = worst.max(code);
        }
    }
    Measured {
        value: worst,
        shown: match worst {
            0 => "no adult with disability".into(),
            1 => "adult with disability of group 3".into(),
            _ => "adult with disability of group 1–2".into(),
        },
        facts,
    }
}

pub(super) fn children_or_since_childhood_disabled(c: &Ctx) -> Measured {
    let d = c.d;
    c.count_members(
        "disability",
        |m| {
            m.facts
                .disabilities
                .iter()
                .find(|x| {
                    covers(Some(x.from), x.to, d)
                        && (m.age_on(d) < 18
                            || x.cause == crate::domain::registry::DisabilityCause::SinceChildhood)
                })
                .map(|x| format!("{:?} since {}", x.cause, x.from).to_lowercase())
        },
        "member(s)",
    )
}
