//! Health: attachment to a polyclinic, ОСМС insurance, chronic and dispensary registrations.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use super::methodology::{Indicator, Measure};
use crate::domain::registry::covers;
use crate::domain::snapshot::MemberSnapshot;

pub(super) fn members_not_attached_to_clinic(c: &Ctx) -> Measured {
    let d = c.d;
    c.count_members(
        "health",
        |m| {
            (!m.facts
                .health_attachments
                .iter()
                .any(|h| covers(Some(h.from), h.to, d)))
            .then(|| "no polyclinic attachment on the date".into())
        },
        "member(s) not attached",
    )
}

pub(super) fn nobody_insured(c: &Ctx) -> Measured {
    let d = c.d;
    let insured: Vec<&MemberSnapshot> = c
        .members()
        .filter(|m| {
            m.facts
                .health_insurance
                .iter()
                .any(|h| covers(Some(h.from), h.to, d))
        })
        .collect();
    Measured {
        value: insured.is_empty() as i64,
        shown: format!("{} member(s) insured in ОСМС", insured.len()),
        facts: insured
            .into_iter()
            .map(|m| fact(m, "insurance", "insured on the date".into()))
            .collect(),
    }
}

pub(super) fn members_with_disease(c: &Ctx, ind: &Indicator) -> Measured {
    let d = c.d;
    let chronic = ind.measure == Measure::MembersWithChronicDisease;
    c.count_members(
        "disease",
        |m| {
            m.facts
                .diseases
                .iter()
                .find(|x| {
                    covers(Some(x.from), x.to, d)
                        && if chronic {
                            x.kind == crate::domain::registry::DiseaseKind::ChronicDynamic
                        } else {
                            x.dispensary
                        }
                })
                .map(|x| format!("{} since {}", x.icd10, x.from))
        },
        "member(s)",
    )
}
