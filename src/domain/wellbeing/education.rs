//! Education: pre-school children without a kindergarten, school-age children without a school.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{Ctx, Measured};
use super::methodology::{Indicator, Measure};
use crate::domain::registry::covers;

pub(super) fn children_not_attached(c: &Ctx, ind: &Indicator) -> Measured {
    let d = c.d;
    let param = |k: &str, default: i64| ind.params.get(k).copied().unwrap_or(default);
    let (lo, hi) = (param("from_age", 3) as i32, param("to_age", 6) as i32);
    let want = if ind.measure == Measure::PreschoolChildrenNotInKindergarten {
        crate::domain::registry::EducationLevel::Kindergarten
    } else {
        crate::domain::registry::EducationLevel::School
    };
    c.count_members(
        "education",
        |m| {
            let age = m.age_on(d);
            (m.role.is_child()
                && age >= lo
                && age < hi
                && !m
                    .facts
                    .education
                    .iter()
                    .any(|e| e.level == want && covers(Some(e.from), e.to, d)))
            .then(|| format!("aged {age}, not attached ({want:?})").to_lowercase())
        },
        "child(ren) not attached",
    )
}
