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

use super::family::FamilyId;
use super::ids::Iin;
use super::parameters::{LegalParameters, ParameterError};
use super::registry::{covers, IncomeSource, SettlementType, VehicleKind, YearMonth};
use super::snapshot::{FamilySnapshot, MemberSnapshot};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The methodology shipped with this build.
pub const BUNDLED_METHODOLOGY: &str = include_str!("../../rules/wellbeing/2023-06-29.toml");

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

fn invalid(file: &str, message: impl Into<String>) -> MethodologyError {
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

    fn from_named_toml(file: &str, text: &str) -> Result<Methodology, MethodologyError> {
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

    /// Evaluates a family.
    pub fn evaluate(
        &self,
        s: &FamilySnapshot,
        p: &LegalParameters,
    ) -> Result<WellbeingAssessment, WellbeingError> {
        let ctx = Ctx::new(s, p, self)?;
        let mut directions = vec![];
        for d in &self.directions {
            let mut indicators = vec![];
            for ind in &d.indicators {
                let m = ctx.measure(ind);
                let band = ind.band_for(m.value);
                let mut explanation = format!(
                    "{}: {} → «{}», {:+} points",
                    ind.title, m.shown, band.label, band.points
                );
                if ind.inferred {
                    explanation.push_str(&format!(
                        " [Inf: {}]",
                        ind.basis.as_deref().unwrap_or("inferred rule")
                    ));
                }
                indicators.push(IndicatorScore {
                    code: ind.code.clone(),
                    title: ind.title.clone(),
                    measured: m.shown,
                    value: m.value,
                    band: band.label.clone(),
                    points: band.points,
                    inferred: ind.inferred,
                    explanation,
                    facts: m.facts,
                });
            }
            directions.push(DirectionScore {
                code: d.code.clone(),
                title: d.title.clone(),
                points: indicators.iter().map(|i| i.points).sum(),
                indicators,
            });
        }
        let total = directions.iter().map(|d| d.points).sum();
        Ok(WellbeingAssessment {
            family_id: s.composition.family_id.clone(),
            as_of: s.as_of(),
            methodology_version: self.version.clone(),
            level: self.level_of(total),
            total,
            directions,
        })
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

/// The result for one family on one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WellbeingAssessment {
    pub family_id: FamilyId,
    pub as_of: NaiveDate,
    pub methodology_version: String,
    pub level: WellbeingLevel,
    pub total: i64,
    pub directions: Vec<DirectionScore>,
}

impl WellbeingAssessment {
    /// A hash of what the result depends on (version, every indicator's value, band and facts),
    /// not of the date: an unchanged family gets the same hash later.
    pub fn inputs_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.methodology_version.as_bytes());
        for d in &self.directions {
            for i in &d.indicators {
                h.update(
                    format!(
                        "\u{1e}{}/{}={}|{}|{}",
                        d.code, i.code, i.value, i.band, i.points
                    )
                    .as_bytes(),
                );
                for f in &i.facts {
                    h.update(
                        format!(
                            "\u{1f}{}:{}:{}",
                            f.member_iin.as_ref().map(|x| x.as_str()).unwrap_or(""),
                            f.kind,
                            f.description
                        )
                        .as_bytes(),
                    );
                }
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionScore {
    pub code: String,
    pub title: String,
    pub points: i64,
    pub indicators: Vec<IndicatorScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub code: String,
    pub title: String,
    /// The measured value in words ("2 passenger cars", "0.63 ПМ per person").
    pub measured: String,
    /// The measured integer the bands were applied to.
    pub value: i64,
    pub band: String,
    pub points: i64,
    pub inferred: bool,
    /// One sentence a social worker can read.
    pub explanation: String,
    pub facts: Vec<FactUsed>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactUsed {
    pub member_iin: Option<Iin>,
    pub kind: String,
    pub description: String,
}

fn fact(m: &MemberSnapshot, kind: &str, description: String) -> FactUsed {
    FactUsed {
        member_iin: Some(m.iin().clone()),
        kind: kind.into(),
        description,
    }
}

/// Level changes between two evaluations (what-if): `(from, to) → families`.
pub fn level_transitions(
    pairs: impl IntoIterator<Item = (WellbeingLevel, WellbeingLevel)>,
) -> BTreeMap<(WellbeingLevel, WellbeingLevel), u64> {
    let mut out = BTreeMap::new();
    for p in pairs {
        *out.entry(p).or_insert(0) += 1;
    }
    out
}

struct Measured {
    value: i64,
    shown: String,
    facts: Vec<FactUsed>,
}

struct Ctx<'a> {
    s: &'a FamilySnapshot,
    m: &'a Methodology,
    d: NaiveDate,
    pm: i64,
    pension_men: i32,
    pension_women: i32,
}

fn tenge(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    format!("{}{} ₸", if n < 0 { "−" } else { "" }, out)
}

impl<'a> Ctx<'a> {
    fn new(
        s: &'a FamilySnapshot,
        p: &'a LegalParameters,
        m: &'a Methodology,
    ) -> Result<Self, WellbeingError> {
        let d = s.as_of();
        Ok(Ctx {
            s,
            m,
            d,
            pm: p.on(d)?.pm,
            pension_men: p.pension_age.men,
            pension_women: p.pension_age.women,
        })
    }

    fn members(&self) -> impl Iterator<Item = &'a MemberSnapshot> {
        self.s.members.iter()
    }

    fn adults(&self) -> Vec<&'a MemberSnapshot> {
        self.members().filter(|m| m.age_on(self.d) >= 18).collect()
    }

    fn disability_group(&self, m: &MemberSnapshot) -> Option<Option<u8>> {
        m.facts
            .disabilities
            .iter()
            .filter(|x| covers(Some(x.from), x.to, self.d))
            .map(|x| x.group)
            .min_by_key(|g| g.unwrap_or(0))
    }

    fn is_working(&self, m: &MemberSnapshot) -> Option<String> {
        if let Some(e) = m
            .facts
            .employments
            .iter()
            .find(|e| covers(Some(e.from), e.to, self.d))
        {
            return Some(format!(
                "employed by BIN {} since {}",
                e.employer_bin, e.from
            ));
        }
        if let Some(b) = m
            .facts
            .businesses
            .iter()
            .find(|b| covers(Some(b.from), b.to, self.d))
        {
            return Some(format!("business «{}» since {}", b.name, b.from));
        }
        let last = YearMonth::of(self.d).minus(1);
        let first = last.minus(self.m.working_income_months as i32 - 1);
        m.facts
            .incomes
            .iter()
            .find(|i| {
                matches!(i.source, IncomeSource::Wage | IncomeSource::Business)
                    && i.month >= first
                    && i.month <= last
            })
            .map(|i| format!("{:?} income in {}", i.source, i.month).to_lowercase())
    }

    fn count_members(
        &self,
        kind: &str,
        pred: impl Fn(&MemberSnapshot) -> Option<String>,
        noun: &str,
    ) -> Measured {
        let mut facts = vec![];
        for m in self.members() {
            if let Some(why) = pred(m) {
                facts.push(fact(m, kind, why));
            }
        }
        Measured {
            value: facts.len() as i64,
            shown: format!("{} {noun}", facts.len()),
            facts,
        }
    }

    fn measure(&self, ind: &Indicator) -> Measured {
        let d = self.d;
        let param = |k: &str, default: i64| ind.params.get(k).copied().unwrap_or(default);
        match ind.measure {
            Measure::PerCapitaIncomePmBasisPoints => {
                let n = self.m.income_window_months as i32;
                let last = YearMonth::of(d).minus(1);
                let first = last.minus(n - 1);
                let mut facts = vec![];
                let mut total: i64 = 0;
                for m in self.members() {
                    let mut by_source: BTreeMap<String, (i64, u32)> = BTreeMap::new();
                    for i in m
                        .facts
                        .incomes
                        .iter()
                        .filter(|i| i.month >= first && i.month <= last)
                    {
                        let e = by_source
                            .entry(format!("{:?}", i.source).to_lowercase())
                            .or_default();
                        e.0 += i.amount_kzt;
                        e.1 += 1;
                        total += i.amount_kzt;
                    }
                    for (src, (sum, months)) in by_source {
                        facts.push(fact(
                            m,
                            "income",
                            format!(
                                "{src} {first}..{last}: {} over {months} month(s)",
                                tenge(sum)
                            ),
                        ));
                    }
                }
                let size = self.s.members.len().max(1) as i64;
                // Per capita per month, in basis points of the ПМ, exact integer arithmetic:
                // total / (n * size) / pm * 10_000, rounded down, at least 1 when income > 0.
                let denom = n as i64 * size * self.pm;
                let mut bp = total * 10_000 / denom;
                if total > 0 && bp == 0 {
                    bp = 1;
                }
                let per_capita = total / (n as i64 * size);
                Measured {
                    value: bp,
                    shown: format!(
                        "{} per person per month = {}.{:02} ПМ (ПМ {} = {}; {} member(s), months {first}..{last})",
                        tenge(per_capita),
                        bp / 10_000,
                        (bp % 10_000) / 100,
                        d.format("%Y"),
                        tenge(self.pm),
                        size
                    ),
                    facts,
                }
            }
            Measure::OpenLoans => self.open_loans(),
            Measure::AdultsWithArrears => {
                let (min_days, min_amount) = (param("min_days", 90), param("min_amount_kzt", 1000));
                let adults = self.adults();
                let mut facts = vec![];
                let mut with = 0;
                for a in &adults {
                    let bad: Vec<_> = a
                        .facts
                        .loans
                        .iter()
                        .filter(|l| {
                            l.reported_on <= d
                                && l.opened_on <= d
                                && l.closed_on.is_none_or(|c| c > d)
                                && l.overdue_days as i64 > min_days
                                && l.overdue_kzt > min_amount
                        })
                        .collect();
                    if !bad.is_empty() {
                        with += 1;
                    }
                    for l in bad {
                        facts.push(fact(
                            a,
                            "loan",
                            format!(
                                "loan {} ({}): {} days overdue, {} (reported {})",
                                l.loan_id,
                                l.lender,
                                l.overdue_days,
                                tenge(l.overdue_kzt),
                                l.reported_on
                            ),
                        ));
                    }
                }
                let value = if with == 0 {
                    0
                } else if with == adults.len() {
                    2
                } else {
                    1
                };
                Measured {
                    value,
                    shown: format!("{with} of {} adult(s) with arrears", adults.len()),
                    facts,
                }
            }
            Measure::PassengerCars | Measure::CommercialVehicles => {
                let want = if ind.measure == Measure::PassengerCars {
                    VehicleKind::Passenger
                } else {
                    VehicleKind::Commercial
                };
                let mut facts = vec![];
                for m in self.members() {
                    for v in m
                        .facts
                        .vehicles
                        .iter()
                        .filter(|v| v.kind == want && covers(Some(v.from), v.to, d))
                    {
                        facts.push(fact(
                            m,
                            "vehicle",
                            format!(
                                "{} {}{} since {}",
                                format!("{:?}", v.kind).to_lowercase(),
                                v.vehicle_id,
                                v.model
                                    .as_deref()
                                    .map(|x| format!(" ({x})"))
                                    .unwrap_or_default(),
                                v.from
                            ),
                        ));
                    }
                }
                Measured {
                    value: facts.len() as i64,
                    shown: format!("{} vehicle(s)", facts.len()),
                    facts,
                }
            }
            Measure::AgriculturalMachineryTypes => {
                let mut types = BTreeSet::new();
                let mut facts = vec![];
                for m in self.members() {
                    for v in m.facts.vehicles.iter().filter(|v| {
                        v.kind == VehicleKind::Agricultural && covers(Some(v.from), v.to, d)
                    }) {
                        let t = v
                            .machinery_type
                            .clone()
                            .unwrap_or_else(|| "unspecified".into());
                        facts.push(fact(
                            m,
                            "vehicle",
                            format!("agricultural {} ({t})", v.vehicle_id),
                        ));
                        types.insert(t);
                    }
                }
                Measured {
                    value: types.len() as i64,
                    shown: format!("{} type(s) of machinery", types.len()),
                    facts,
                }
            }
            Measure::AbleBodiedMembers => self.count_members(
                "person",
                |m| {
                    let age = m.age_on(d);
                    let pension = match m.facts.person.sex {
                        super::ids::Sex::Male => self.pension_men,
                        super::ids::Sex::Female => self.pension_women,
                    };
                    let severe = matches!(self.disability_group(m), Some(Some(1 | 2)));
                    (age >= 18 && age < pension && !severe)
                        .then(|| format!("aged {age}, below pension age {pension}"))
                },
                "able-bodied member(s)",
            ),
            Measure::WorkingMembers => {
                self.count_members("employment", |m| self.is_working(m), "working member(s)")
            }
            Measure::BusinessKind => {
                let mut sole = false;
                let mut founder = false;
                let mut facts = vec![];
                for m in self.members() {
                    for b in m
                        .facts
                        .businesses
                        .iter()
                        .filter(|b| covers(Some(b.from), b.to, d))
                    {
                        match b.role {
                            super::registry::BusinessRole::SoleProprietor => sole = true,
                            super::registry::BusinessRole::Founder => founder = true,
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
            Measure::DependentChildren => self.count_members(
                "person",
                |m| {
                    m.role
                        .is_child()
                        .then(|| format!("{:?}, aged {}", m.role, m.age_on(d)).to_lowercase())
                },
                "child(ren) and student(s)",
            ),
            Measure::WorstAdultDisability => {
                let mut worst = 0;
                let mut facts = vec![];
                for m in self.adults() {
                    if let Some(g) = self.disability_group(m) {
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
            Measure::ChildrenOrSinceChildhoodDisabled => self.count_members(
                "disability",
                |m| {
                    m.facts
                        .disabilities
                        .iter()
                        .find(|x| {
                            covers(Some(x.from), x.to, d)
                                && (m.age_on(d) < 18
                                    || x.cause == super::registry::DisabilityCause::SinceChildhood)
                        })
                        .map(|x| format!("{:?} since {}", x.cause, x.from).to_lowercase())
                },
                "member(s)",
            ),
            Measure::MembersNotAttachedToClinic => self.count_members(
                "health",
                |m| {
                    (!m.facts
                        .health_attachments
                        .iter()
                        .any(|h| covers(Some(h.from), h.to, d)))
                    .then(|| "no polyclinic attachment on the date".into())
                },
                "member(s) not attached",
            ),
            Measure::NobodyInsured => {
                let insured: Vec<&MemberSnapshot> = self
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
            Measure::MembersWithChronicDisease | Measure::MembersOnDispensaryRegister => {
                let chronic = ind.measure == Measure::MembersWithChronicDisease;
                self.count_members(
                    "disease",
                    |m| {
                        m.facts
                            .diseases
                            .iter()
                            .find(|x| {
                                covers(Some(x.from), x.to, d)
                                    && if chronic {
                                        x.kind == super::registry::DiseaseKind::ChronicDynamic
                                    } else {
                                        x.dispensary
                                    }
                            })
                            .map(|x| format!("{} since {}", x.icd10, x.from))
                    },
                    "member(s)",
                )
            }
            Measure::PreschoolChildrenNotInKindergarten | Measure::SchoolChildrenNotInSchool => {
                let (lo, hi) = (param("from_age", 3) as i32, param("to_age", 6) as i32);
                let want = if ind.measure == Measure::PreschoolChildrenNotInKindergarten {
                    super::registry::EducationLevel::Kindergarten
                } else {
                    super::registry::EducationLevel::School
                };
                self.count_members(
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
            Measure::ResidentialM2PerMember
            | Measure::ResidentialProperties
            | Measure::CommercialProperties => {
                let commercial = ind.measure == Measure::CommercialProperties;
                let mut area = 0.0;
                let mut facts = vec![];
                for m in self.members() {
                    for r in m
                        .facts
                        .real_estate
                        .iter()
                        .filter(|r| r.commercial == commercial && covers(Some(r.from), r.to, d))
                    {
                        area += r.area_m2;
                        facts.push(fact(
                            m,
                            "real_estate",
                            format!(
                                "{} {}: {} m²",
                                if r.commercial {
                                    "commercial"
                                } else {
                                    "residential"
                                },
                                r.property_id,
                                r.area_m2
                            ),
                        ));
                    }
                }
                let size = self.s.members.len().max(1);
                match ind.measure {
                    Measure::ResidentialM2PerMember if facts.is_empty() => Measured {
                        value: -1,
                        shown: "no housing owned by a member".into(),
                        facts,
                    },
                    Measure::ResidentialM2PerMember => {
                        let per = (area / size as f64).floor() as i64;
                        Measured {
                            value: per,
                            shown: format!("{area} m² for {size} member(s) = {per} m² per person"),
                            facts,
                        }
                    }
                    _ => Measured {
                        value: facts.len() as i64,
                        shown: format!("{} propert(y/ies)", facts.len()),
                        facts,
                    },
                }
            }
            Measure::SettlementType => match &self.s.dwelling {
                None => Measured {
                    value: 0,
                    shown: "no registration on the date".into(),
                    facts: vec![],
                },
                Some(dw) => {
                    let value = match dw.settlement_type {
                        SettlementType::RuralSettlement => 1,
                        SettlementType::RuralOkrug => 2,
                        SettlementType::DistrictTown => 3,
                        SettlementType::OblastCity => 4,
                        SettlementType::RepublicanCity => 5,
                    };
                    Measured {
                        value,
                        shown: format!(
                            "{} ({}, {:?})",
                            dw.settlement, dw.region, dw.settlement_type
                        ),
                        facts: vec![FactUsed {
                            member_iin: Some(self.s.composition.anchor.clone()),
                            kind: "registration".into(),
                            description: format!("registered at {}", dw.address_id),
                        }],
                    }
                }
            },
            Measure::FarmValueKzt => {
                let mut value = 0;
                let mut facts = vec![];
                for m in self.members() {
                    let latest = m
                        .facts
                        .farms
                        .iter()
                        .filter(|f| f.year <= d.year())
                        .map(|f| f.year)
                        .max();
                    for f in m.facts.farms.iter().filter(|f| Some(f.year) == latest) {
                        value += f.value_kzt;
                        facts.push(fact(
                            m,
                            "farm",
                            format!(
                                "farm {} in {}: {} (cattle {}, small stock {}, horses {}, poultry {})",
                                f.farm_id,
                                f.year,
                                tenge(f.value_kzt),
                                f.cattle,
                                f.small_stock,
                                f.horses,
                                f.poultry
                            ),
                        ));
                    }
                }
                Measured {
                    value,
                    shown: if value == 0 {
                        "no subsidiary farm".into()
                    } else {
                        tenge(value)
                    },
                    facts,
                }
            }
            Measure::LandPlots => {
                let mut facts = vec![];
                for m in self.members() {
                    for l in m
                        .facts
                        .land_plots
                        .iter()
                        .filter(|l| covers(Some(l.from), l.to, d))
                    {
                        facts.push(fact(
                            m,
                            "land",
                            format!("plot {}: {} ha", l.cadastral_number, l.area_ha),
                        ));
                    }
                }
                Measured {
                    value: facts.len() as i64,
                    shown: format!("{} land plot(s)", facts.len()),
                    facts,
                }
            }
        }
    }
}

impl Ctx<'_> {
    /// Open loans of every member (the `OpenLoans` measure).
    fn open_loans(&self) -> Measured {
        let d = self.d;
        let mut facts = vec![];
        for m in self.members() {
            for l in m
                .facts
                .loans
                .iter()
                .filter(|l| l.opened_on <= d && l.closed_on.is_none_or(|c| c > d))
            {
                facts.push(fact(
                    m,
                    "loan",
                    format!(
                        "loan {} ({}): {} opened {}",
                        l.loan_id,
                        l.lender,
                        tenge(l.amount_kzt),
                        l.opened_on
                    ),
                ));
            }
        }
        Measured {
            value: facts.len() as i64,
            shown: format!("{} open loan(s)", facts.len()),
            facts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::Sex;
    use crate::domain::registry::*;
    use crate::domain::testkit::{d, World};

    fn params() -> LegalParameters {
        LegalParameters::bundled()
    }

    fn score<'a>(a: &'a WellbeingAssessment, code: &str) -> &'a IndicatorScore {
        a.directions
            .iter()
            .flat_map(|d| d.indicators.iter())
            .find(|i| i.code == code)
            .unwrap()
    }

    #[test]
    fn the_bundled_methodology_has_eight_directions_and_five_levels() {
        let m = Methodology::bundled();
        assert_eq!(m.directions.len(), 8);
        assert_eq!(m.levels.len(), 5);
        assert_eq!(m.version, "2023-06-29");
    }

    #[test]
    fn every_band_edge_of_every_indicator() {
        let m = Methodology::bundled();
        for dir in &m.directions {
            for ind in &dir.indicators {
                for (i, b) in ind.bands.iter().enumerate() {
                    // At the lower edge: this band; just below: the previous band.
                    assert_eq!(ind.band_for(b.from), b, "{}: at {}", ind.code, b.from);
                    if i > 0 {
                        assert_eq!(
                            ind.band_for(b.from - 1),
                            &ind.bands[i - 1],
                            "{}: below {}",
                            ind.code,
                            b.from
                        );
                    }
                    // Just below the upper edge: still this band; at it: the next band.
                    if let Some(t) = b.to {
                        assert_eq!(ind.band_for(t - 1), b, "{}: below {t}", ind.code);
                        assert_eq!(ind.band_for(t), &ind.bands[i + 1], "{}: at {t}", ind.code);
                    } else {
                        assert_eq!(ind.band_for(b.from + 1_000_000), b);
                    }
                }
            }
        }
    }

    #[test]
    fn level_cut_offs_at_their_edges() {
        let m = Methodology::bundled();
        let cases = [
            (1800, WellbeingLevel::A),
            (1799, WellbeingLevel::B),
            (730, WellbeingLevel::B),
            (729, WellbeingLevel::C),
            (-30, WellbeingLevel::C),
            (-31, WellbeingLevel::D),
            (-458, WellbeingLevel::D),
            (-459, WellbeingLevel::E),
            (-5000, WellbeingLevel::E),
        ];
        for (total, level) in cases {
            assert_eq!(m.level_of(total), level, "total {total}");
        }
    }

    /// A single adult in Astana earning `monthly` for the 12 months before 2026-06-15.
    fn earner(monthly: i64) -> (World, Iin) {
        let mut w = World::default();
        let a = w.person("1985-02-02", Sex::Female);
        w.live(&a, "X1", SettlementType::RepublicanCity, "ASTANA");
        if monthly > 0 {
            w.income(&a, IncomeSource::Wage, monthly, "2025-06", "2026-05");
        }
        (w, a)
    }

    #[test]
    fn per_capita_income_is_compared_with_the_pm_of_the_year_at_the_band_edges() {
        let pm_2026 = 50_851;
        let m = Methodology::bundled();
        let p = params();
        for (monthly, points) in [
            (0, 0),
            (1, 40),
            (pm_2026 - 1, 100),
            (pm_2026, 170),
            (2 * pm_2026 - 1, 170),
            (2 * pm_2026, 280),
            (4 * pm_2026, 620),
        ] {
            let (w, a) = earner(monthly);
            let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
            let s = score(&r, "per_capita_income");
            assert_eq!(s.points, points, "monthly {monthly}: {}", s.measured);
        }
        // The facts name the member, the source, the months and the total.
        let (w, a) = earner(300_000);
        let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
        let f = &score(&r, "per_capita_income").facts[0];
        assert_eq!(f.member_iin.as_ref(), Some(&a));
        assert_eq!(
            f.description,
            "wage 2025-06..2026-05: 3 600 000 ₸ over 12 month(s)"
        );
        // 2024 uses the 2024 ПМ (43 407): 50 000 is above 1 ПМ then.
        let mut w = World::default();
        let b = w.person("1985-02-02", Sex::Female);
        w.income(&b, IncomeSource::Wage, 50_000, "2023-06", "2024-05");
        let r = m.evaluate(&w.snapshot(&b, "2024-06-15"), &p).unwrap();
        assert_eq!(score(&r, "per_capita_income").points, 170);
    }

    #[test]
    fn a_family_of_two_shares_one_income() {
        let m = Methodology::bundled();
        let mut w = World::default();
        let wife = w.person("1990-01-01", Sex::Female);
        let husband = w.person("1989-01-01", Sex::Male);
        w.marry(&husband, &wife, "2015-01-01");
        // 2 ПМ a month for two people = exactly 1 ПМ per person.
        w.income(
            &husband,
            IncomeSource::Wage,
            2 * 50_851,
            "2025-06",
            "2026-05",
        );
        let r = m
            .evaluate(&w.snapshot(&wife, "2026-06-15"), &params())
            .unwrap();
        assert_eq!(score(&r, "per_capita_income").points, 170);
        w.facts(&husband).incomes[0].amount_kzt -= 12; // 12 tenge less over the year
        let r = m
            .evaluate(&w.snapshot(&wife, "2026-06-15"), &params())
            .unwrap();
        assert_eq!(score(&r, "per_capita_income").points, 100);
    }

    /// A poor rural family with a disabled adult, arrears and an unschooled child vs a rich
    /// urban one: each gets the level its facts imply, with explanations.
    #[test]
    fn a_crisis_family_and_a_prosperous_family() {
        let m = Methodology::bundled();
        let p = params();
        let mut w = World::default();
        let mum = w.person("1988-03-03", Sex::Female);
        let dad = w.person("1986-03-03", Sex::Male);
        let kid = w.person("2017-03-03", Sex::Male);
        w.marry(&dad, &mum, "2010-01-01");
        w.child_of(&[&mum, &dad], &kid);
        for x in [&mum, &dad, &kid] {
            w.live(x, "V1", SettlementType::RuralSettlement, "TURKESTAN");
        }
        w.facts(&dad).disabilities.push(Disability {
            iin: dad.clone(),
            group: Some(1),
            cause: DisabilityCause::GeneralIllness,
            from: d("2020-01-01"),
            to: None,
        });
        for who in [&mum, &dad] {
            let iin = who.clone();
            w.facts(who).loans.push(Loan {
                loan_id: format!("L-{iin}"),
                iin,
                lender: "МФО".into(),
                amount_kzt: 300_000,
                opened_on: d("2024-01-01"),
                closed_on: None,
                overdue_days: 120,
                overdue_kzt: 50_000,
                reported_on: d("2026-06-01"),
            });
        }
        w.income(&mum, IncomeSource::Benefit, 20_000, "2025-06", "2026-05");
        let r = m.evaluate(&w.snapshot(&mum, "2026-06-15"), &p).unwrap();
        // income 20 000/3 ≈ 0.13 ПМ +40; credit +50; arrears of all adults −500; no car −50;
        // able-bodied mum 0; working 0; child +50; adult disability group 1 −250; nobody attached −20;
        // nobody insured −20; school-age child not at school −100; no housing −200; rural −70.
        assert_eq!(score(&r, "arrears").points, -500);
        assert_eq!(score(&r, "adult_disability").points, -250);
        assert_eq!(score(&r, "school").points, -100);
        assert_eq!(score(&r, "living_space").points, -200);
        assert_eq!(score(&r, "settlement").points, -70);
        assert_eq!(
            r.total,
            40 + 50 - 500 - 50 + 50 - 250 - 20 - 20 - 100 - 200 - 70
        );
        assert_eq!(r.level, WellbeingLevel::E);
        assert!(score(&r, "arrears").facts.len() == 2);
        assert!(score(&r, "adult_disability").explanation.contains("[Inf"));

        let mut w = World::default();
        let a = w.person("1980-01-01", Sex::Female);
        let b = w.person("1979-01-01", Sex::Male);
        w.marry(&b, &a, "2005-01-01");
        for x in [&a, &b] {
            w.live(x, "U1", SettlementType::RepublicanCity, "ALMATY_CITY");
            w.income(x, IncomeSource::Wage, 900_000, "2025-06", "2026-05");
            let iin = x.clone();
            w.facts(x).employments.push(Employment {
                iin: iin.clone(),
                employer_bin: crate::domain::ids::Bin::parse("000140000070").unwrap_or_else(|_| {
                    // any valid BIN
                    let mut digits = [0u8; 11];
                    for (i, c) in "00014000007".bytes().enumerate() {
                        digits[i] = c - b'0';
                    }
                    let k = crate::domain::ids::iin_check_digit(&digits).unwrap();
                    crate::domain::ids::Bin::parse(&format!("00014000007{k}")).unwrap()
                }),
                employer_name: None,
                position: None,
                from: d("2015-01-01"),
                to: None,
            });
            w.facts(x).health_attachments.push(HealthAttachment {
                iin: iin.clone(),
                organisation: "ГП 1".into(),
                from: d("2010-01-01"),
                to: None,
            });
            for k in 0..2 {
                w.facts(x).vehicles.push(Vehicle {
                    vehicle_id: format!("V-{iin}-{k}"),
                    owner_iin: iin.clone(),
                    kind: VehicleKind::Passenger,
                    machinery_type: None,
                    model: None,
                    from: d("2020-01-01"),
                    to: None,
                });
            }
            for k in 0..2 {
                w.facts(x).real_estate.push(RealEstate {
                    property_id: format!("R-{iin}-{k}"),
                    owner_iin: iin.clone(),
                    address_id: None,
                    area_m2: 120.0,
                    commercial: false,
                    from: d("2015-01-01"),
                    to: None,
                });
            }
        }
        let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
        // 900 000 ≈ 17.7 ПМ +620; cars 4 +100; working 2 +300; housing 240 m²/person +50 and
        // 4 properties +400; republican city +70; nobody insured −20.
        assert_eq!(score(&r, "per_capita_income").points, 620);
        assert_eq!(score(&r, "properties").points, 400);
        assert_eq!(r.total, 620 + 100 + 300 + 50 + 400 + 70 - 20);
        assert_eq!(r.level, WellbeingLevel::B);
        assert!(r.directions.iter().all(|d| !d.indicators.is_empty()));
    }

    #[test]
    fn the_hash_ignores_the_date_but_not_the_facts() {
        let m = Methodology::bundled();
        let (mut w, a) = earner(200_000);
        let h1 = m
            .evaluate(&w.snapshot(&a, "2026-06-15"), &params())
            .unwrap()
            .inputs_hash();
        let h2 = m
            .evaluate(&w.snapshot(&a, "2026-06-20"), &params())
            .unwrap()
            .inputs_hash();
        assert_eq!(h1, h2);
        let iin = a.clone();
        w.facts(&a).vehicles.push(Vehicle {
            vehicle_id: "V9".into(),
            owner_iin: iin,
            kind: VehicleKind::Passenger,
            machinery_type: None,
            model: None,
            from: d("2026-01-01"),
            to: None,
        });
        let h3 = m
            .evaluate(&w.snapshot(&a, "2026-06-20"), &params())
            .unwrap()
            .inputs_hash();
        assert_ne!(h1, h3);
    }

    #[test]
    fn a_year_without_parameters_is_an_error() {
        let (w, a) = earner(100_000);
        let e = Methodology::bundled()
            .evaluate(&w.snapshot(&a, "2031-01-01"), &params())
            .unwrap_err();
        assert!(e.to_string().contains("2031"), "{e}");
    }

    fn edited(from: &str, to: &str) -> Result<Methodology, MethodologyError> {
        assert!(BUNDLED_METHODOLOGY.contains(from), "{from}");
        Methodology::from_toml(&BUNDLED_METHODOLOGY.replacen(from, to, 1))
    }

    #[test]
    fn invalid_files_are_refused_naming_the_place() {
        let overlap = edited(
            "{ from = 2500, to = 10000, points = 100",
            "{ from = 2400, to = 10000, points = 100",
        )
        .unwrap_err();
        assert!(
            overlap.to_string().contains("per_capita_income")
                && overlap.to_string().contains("overlaps"),
            "{overlap}"
        );
        let gap = edited(
            "{ from = 2500, to = 10000, points = 100",
            "{ from = 2600, to = 10000, points = 100",
        )
        .unwrap_err();
        assert!(gap.to_string().contains("gap"), "{gap}");
        let unknown = edited("measure = \"open_loans\"", "measure = \"horoscope\"").unwrap_err();
        assert!(unknown.to_string().contains("horoscope"), "{unknown}");
        let closed = edited(
            "{ from = 40000, points = 620,",
            "{ from = 40000, to = 90000, points = 620,",
        )
        .unwrap_err();
        assert!(closed.to_string().contains("open-ended"), "{closed}");
        let start = edited(
            "{ from = 0, to = 1, points = 0, label = \"нет дохода\" }",
            "{ from = 1, to = 1, points = 0, label = \"нет дохода\" }",
        )
        .unwrap_err();
        assert!(start.to_string().contains("first band"), "{start}");
        let levels = edited("min = 730", "min = 1900").unwrap_err();
        assert!(levels.to_string().contains("level B"), "{levels}");
        let dup = edited("code = \"credit\"", "code = \"per_capita_income\"").unwrap_err();
        assert!(dup.to_string().contains("twice"), "{dup}");
    }

    #[test]
    fn a_second_version_takes_over_from_its_date_without_code_changes() {
        let v2 = BUNDLED_METHODOLOGY
            .replacen("version = \"2023-06-29\"", "version = \"2026-06-17\"", 1)
            .replacen(
                "effective_from = \"2023-06-29\"",
                "effective_from = \"2026-06-17\"",
                1,
            )
            .replacen(
                "{ from = 0, to = 1, points = -50, label = \"нет\" }",
                "{ from = 0, to = 1, points = -90, label = \"нет\" }",
                1,
            );
        let c = MethodologyCatalog::from_texts(&[
            ("2023-06-29.toml".into(), BUNDLED_METHODOLOGY.into()),
            ("2026-06-17.toml".into(), v2),
        ])
        .unwrap();
        assert_eq!(c.in_force(d("2026-06-16")).unwrap().version, "2023-06-29");
        assert_eq!(c.in_force(d("2026-06-17")).unwrap().version, "2026-06-17");
        assert!(c.in_force(d("2020-01-01")).is_err());
        let (w, a) = earner(100_000);
        let s = w.snapshot(&a, "2026-07-01");
        let old = c
            .by_version("2023-06-29")
            .unwrap()
            .evaluate(&s, &params())
            .unwrap();
        let new = c
            .in_force(d("2026-07-01"))
            .unwrap()
            .evaluate(&s, &params())
            .unwrap();
        assert_eq!(new.methodology_version, "2026-06-17");
        assert_eq!(old.total - new.total, 40);
        assert_eq!(
            level_transitions([(old.level, new.level), (old.level, new.level)])
                .values()
                .sum::<u64>(),
            2
        );
    }
}
