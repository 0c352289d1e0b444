//! The well-being level A–E (DOMAIN §1): a points methodology read from a versioned file
//! (`rules/wellbeing/*.toml`) and evaluated over a [`FamilySnapshot`] with an explanation per
//! indicator — the facts used (which member, which property, which income months), the band
//! matched and the points.
//!
//! The file chooses, per indicator, one of a closed set of **measures** implemented here (each
//! turns the snapshot into an integer), plus the bands mapping that integer to points; so a new
//! methodology version can re-weight, re-band, add or drop indicators without code changes. The
//! file is validated when loaded: unknown measures, duplicate codes, bands that overlap, leave a
//! gap, or do not start at the measure's minimum, and cut-offs that do not cover every total are
//! errors naming the direction, indicator and band.
//!
//! Layout: [`methodology`] is the file format and its validation (and the catalog of versions);
//! [`assessment`] evaluates a methodology over a snapshot (the shared context, the dispatch from a
//! measure to its code, the explained result); one module per direction holds that direction's
//! measures. Money is formatted by [`crate::domain::money`], shared with the benefit rules.

mod agriculture;
mod assessment;
mod education;
mod employment;
mod health;
mod housing;
mod income_credit;
mod methodology;
mod movable_property;
mod social_protection;
#[cfg(test)]
mod tests;

pub use assessment::{
    level_transitions, DirectionScore, FactUsed, IndicatorScore, WellbeingAssessment,
};
pub use methodology::{
    Band, Direction, Indicator, LevelCutOff, Measure, Methodology, MethodologyCatalog,
    MethodologyError, WellbeingError, WellbeingLevel, BUNDLED_METHODOLOGY,
};
