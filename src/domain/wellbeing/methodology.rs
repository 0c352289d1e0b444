//! The methodology file (`rules/wellbeing/*.toml`): levels and their cut-offs, directions,
//! indicators with the measure each one uses and the bands mapping the measured integer to points;
//! its validation when loaded (every error names the file, direction, indicator and band); and the
//! catalog of versions, the one in force on a date being the latest `effective_from` on or before
//! it. Nothing here looks at a family: that is [`super::assessment`] and the direction modules.

use super::super::parameters::ParameterError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The methodology shipped with this build.
pub const BUNDLED_METHODOLOGY: &str = include_str!("../../../rules/wellbeing/2023-06-29.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WellbeingLevel {
    A,
    B,
    C,
    D,
    E,
}

impl WellbeingLevel {
    pub const ALL: [WellbeingLevel; 5] = [
        WellbeingLevel::A,
        WellbeingLevel::B,
        WellbeingLevel::C,
        WellbeingLevel::D,
        WellbeingLevel::E,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WellbeingLevel::A => "A",
            WellbeingLevel::B => "B",
            WellbeingLevel::C => "C",
            WellbeingLevel::D => "D",
            WellbeingLevel::E => "E",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
    /// DOMAIN §1.2.
    pub fn description(self) -> &'static str {
        match self {
            WellbeingLevel::A => "благополучный: as a rule does not need support",
            WellbeingLevel::B => "удовлетворительный: satisfactory",
            WellbeingLevel::C => "неудовлетворительный: shows signs of need",
            WellbeingLevel::D => "кризисный: crisis",
            WellbeingLevel::E => "экстренный: emergency, state bodies must intervene quickly",
        }
    }
}

impl fmt::Display for WellbeingLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The measures an indicator can use. Each yields an integer (counts, codes, tenge, basis points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Average monthly per-capita income over the income window, in basis points of the ПМ
    /// (10 000 = 1 ПМ); any income above zero is at least 1.
    PerCapitaIncomePmBasisPoints,
    /// Loans open on the date.
    OpenLoans,
    /// 0 none, 1 some adults, 2 every adult with arrears over `min_days` and `min_amount_kzt`.
    AdultsWithArrears,
    PassengerCars,
    CommercialVehicles,
    /// Distinct machinery types among agricultural vehicles.
    AgriculturalMachineryTypes,
    /// Members aged 18 to pension age without disability of group 1–2.
    AbleBodiedMembers,
    WorkingMembers,
    /// 0 none, 1 sole proprietor, 2 founder, 3 both.
    BusinessKind,
    /// Members with a child role (under 18, students under 23, wards).
    DependentChildren,
    /// 0 none, 1 group 3, 2 group 1–2 (the most severe adult disability).
    WorstAdultDisability,
    ChildrenOrSinceChildhoodDisabled,
    MembersNotAttachedToClinic,
    /// 1 when no member is insured in ОСМС on the date.
    NobodyInsured,
    MembersWithChronicDisease,
    MembersOnDispensaryRegister,
    /// Children aged `from_age` ≤ age < `to_age` not attached to a kindergarten.
    PreschoolChildrenNotInKindergarten,
    /// Children aged `from_age` ≤ age < `to_age` not attached to a school.
    SchoolChildrenNotInSchool,
    /// Owned residential m² per member, rounded down; −1 when no member owns housing.
    ResidentialM2PerMember,
    ResidentialProperties,
    CommercialProperties,
    /// 0 not registered, 1 rural settlement, 2 rural okrug, 3 district town, 4 oblast city,
    /// 5 capital or city of republican significance.
    SettlementType,
    /// Value of personal subsidiary farms in the latest year on or before the date.
    FarmValueKzt,
    LandPlots,
}

impl Measure {
    /// The smallest value the measure yields (the first band must start there).
    pub fn minimum(self) -> i64 {
        match self {
            Measure::ResidentialM2PerMember => -1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub from: i64,
    #[serde(default)]
    pub to: Option<i64>,
    pub points: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub title: String,
    pub measure: Measure,
    #[serde(default)]
    pub params: BTreeMap<String, i64>,
    /// The rule is an inference, not a confirmed text (shown in explanations).
    #[serde(default)]
    pub inferred: bool,
    #[serde(default)]
    pub basis: Option<String>,
    pub bands: Vec<Band>,
}

impl Indicator {
    /// The band a measured value falls in (bands are validated to cover every value from the
    /// measure's minimum up).
    pub fn band_for(&self, value: i64) -> &Band {
        self.bands
            .iter()
            .find(|b| value >= b.from && b.to.is_none_or(|t| value < t))
            .unwrap_or(&self.bands[0])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Direction {
    pub code: String,
    pub title: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelCutOff {
    pub level: WellbeingLevel,
    /// Lowest total of this level (inclusive); absent on the last, lowest level.
    #[serde(default)]
    pub min: Option<i64>,
}

/// One methodology version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Methodology {
    pub version: String,
    pub effective_from: NaiveDate,
    pub source: String,
    pub income_window_months: u32,
    pub working_income_months: u32,
    pub levels: Vec<LevelCutOff>,
    pub directions: Vec<Direction>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MethodologyError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WellbeingError {
    #[error(transparent)]
    Parameters(#[from] ParameterError),
    #[error("no methodology in force on {0}")]
    NoMethodology(NaiveDate),
}

pub(super) fn invalid(file: &str, message: impl Into<String>) -> MethodologyError {
    MethodologyError::Invalid {
        file: file.into(),
        message: message.into(),
    }
}

impl Methodology {
    pub fn bundled() -> Methodology {
        Self::from_toml(BUNDLED_METHODOLOGY).expect("bundled methodology is valid")
    }

    pub fn from_toml(text: &str) -> Result<Methodology, MethodologyError> {
        Self::from_named_toml("methodology", text)
    }

    pub(super) fn from_named_toml(file: &str, text: &str) -> Result<Methodology, MethodologyError> {
        let m: Methodology = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
        m.validate(file)?;
        Ok(m)
    }

    fn validate(&self, file: &str) -> Result<(), MethodologyError> {
        if self.income_window_months == 0 || self.working_income_months == 0 {
            return Err(invalid(file, "income windows must be at least one month"));
        }
        // Cut-offs: strictly decreasing minimums, the last open-ended, each level once.
        let mut seen = BTreeSet::new();
        let mut previous: Option<i64> = None;
        for (i, c) in self.levels.iter().enumerate() {
            if !seen.insert(c.level) {
                return Err(invalid(file, format!("level {} listed twice", c.level)));
            }
            let last = i + 1 == self.levels.len();
            match (c.min, last) {
                (None, false) => {
                    return Err(invalid(
                        file,
                        format!("level {}: only the last level may omit `min`", c.level),
                    ))
                }
                (Some(_), true) => {
                    return Err(invalid(
                        file,
                        format!(
                        "level {}: the last level must omit `min` so that every total has a level",
                        c.level
                    ),
                    ))
                }
                (Some(m), false) => {
                    if previous.is_some_and(|p| m >= p) {
                        return Err(invalid(
                            file,
                            format!(
                                "level {}: `min` must be below the previous level's",
                                c.level
                            ),
                        ));
                    }
                    previous = Some(m);
                }
                (None, true) => {}
            }
        }
        if self.levels.is_empty() {
            return Err(invalid(file, "no levels"));
        }
        let mut codes = BTreeSet::new();
        for d in &self.directions {
            if !codes.insert(d.code.clone()) {
                return Err(invalid(file, format!("direction {} listed twice", d.code)));
            }
            for ind in &d.indicators {
                let at = format!("direction {}, indicator {}", d.code, ind.code);
                if !codes.insert(format!("{}/{}", d.code, ind.code)) {
                    return Err(invalid(file, format!("{at}: listed twice")));
                }
                let Some(first) = ind.bands.first() else {
                    return Err(invalid(file, format!("{at}: no bands")));
                };
                if first.from != ind.measure.minimum() {
                    return Err(invalid(
                        file,
                        format!(
                            "{at}: the first band must start at {} (the measure's minimum), not {}",
                            ind.measure.minimum(),
                            first.from
                        ),
                    ));
                }
                for (i, b) in ind.bands.iter().enumerate() {
                    let last = i + 1 == ind.bands.len();
                    match (b.to, last) {
                        (Some(to), _) if to <= b.from => {
                            return Err(invalid(
                                file,
                                format!("{at}, band {:?}: `to` must be above `from`", b.label),
                            ))
                        }
                        (None, false) => {
                            return Err(invalid(
                                file,
                                format!("{at}, band {:?}: only the last band may be open-ended", b.label),
                            ))
                        }
                        (Some(_), true) => {
                            return Err(invalid(
                                file,
                                format!(
                                    "{at}, band {:?}: the last band must be open-ended (no `to`), or values above it have no points",
                                    b.label
                                ),
                            ))
                        }
                        _ => {}
                    }
                    if let Some(next) = ind.bands.get(i + 1) {
                        let to = b.to.expect("checked");
                        if next.from > to {
                            return Err(invalid(
                                file,
                                format!(
                                    "{at}: gap between band {:?} (to {to}) and band {:?} (from {})",
                                    b.label, next.label, next.from
                                ),
                            ));
                        }
                        if next.from < to {
                            return Err(invalid(
                                file,
                                format!(
                                    "{at}: band {:?} (from {}) overlaps band {:?} (to {to})",
                                    next.label, next.from, b.label
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The level of a total.
    pub fn level_of(&self, total: i64) -> WellbeingLevel {
        self.levels
            .iter()
            .find(|c| c.min.is_none_or(|m| total >= m))
            .map(|c| c.level)
            .unwrap_or(WellbeingLevel::E)
    }
}

/// Several methodology versions; the one in force on a date is the latest `effective_from` on or
/// before it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodologyCatalog {
    versions: Vec<Methodology>,
}

impl MethodologyCatalog {
    pub fn bundled() -> Self {
        MethodologyCatalog {
            versions: vec![Methodology::bundled()],
        }
    }

    pub fn from_texts(files: &[(String, String)]) -> Result<Self, MethodologyError> {
        let mut versions = vec![];
        for (name, text) in files {
            versions.push(Methodology::from_named_toml(name, text)?);
        }
        versions.sort_by_key(|m| m.effective_from);
        for w in versions.windows(2) {
            if w[0].effective_from == w[1].effective_from || w[0].version == w[1].version {
                return Err(invalid(
                    "catalog",
                    format!(
                        "versions {} and {} clash (same version or same effective date)",
                        w[0].version, w[1].version
                    ),
                ));
            }
        }
        if versions.is_empty() {
            return Err(invalid("catalog", "no methodology file"));
        }
        Ok(MethodologyCatalog { versions })
    }

    pub fn in_force(&self, on: NaiveDate) -> Result<&Methodology, WellbeingError> {
        self.versions
            .iter()
            .rev()
            .find(|m| m.effective_from <= on)
            .ok_or(WellbeingError::NoMethodology(on))
    }

    pub fn by_version(&self, version: &str) -> Option<&Methodology> {
        self.versions.iter().find(|m| m.version == version)
    }

    pub fn versions(&self) -> &[Methodology] {
        &self.versions
    }
}
