//! The benefit rules files (`rules/benefits/*.toml`): coefficients and formulas as data, one file
//! per period of force. A [`BenefitCatalog`] holds every version; an evaluation on a date uses the
//! file whose `effective_from` is the latest on or before it and names its version, so an
//! evaluation in 2024 applies (and says it applied) the 2024 file. A date before the first file is
//! an error, never a guess.

use super::BenefitKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The rules shipped with this build, one file per period of force (name, text).
pub const BUNDLED_BENEFIT_RULE_FILES: [(&str, &str); 4] = [
    (
        "2023-07-01.toml",
        include_str!("../../../rules/benefits/2023-07-01.toml"),
    ),
    (
        "2024-01-01.toml",
        include_str!("../../../rules/benefits/2024-01-01.toml"),
    ),
    (
        "2025-01-01.toml",
        include_str!("../../../rules/benefits/2025-01-01.toml"),
    ),
    (
        "2026-01-01.toml",
        include_str!("../../../rules/benefits/2026-01-01.toml"),
    ),
];

/// The latest bundled file (tests edit it to check that data, not code, decides).
pub const BUNDLED_BENEFIT_RULES: &str = BUNDLED_BENEFIT_RULE_FILES[3].1;

/// A decimal coefficient with up to four places, held as an integer number of 1/10 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Coef(pub i64);

impl TryFrom<f64> for Coef {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        let scaled = x * 10_000.0;
        if !(0.0..=1e9).contains(&scaled) || (scaled - scaled.round()).abs() > 1e-6 {
            return Err(format!(
                "coefficient {x} must be non-negative with at most 4 decimals"
            ));
        }
        Ok(Coef(scaled.round() as i64))
    }
}
impl From<Coef> for f64 {
    fn from(c: Coef) -> f64 {
        c.0 as f64 / 10_000.0
    }
}
impl std::fmt::Display for Coef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", f64::from(*self))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PregnancyRules {
    pub legal_basis: String,
    pub days_normal: i64,
    pub days_complicated_or_multiple: i64,
    pub average_months: u32,
    pub cap_mzp: i64,
    pub pension_contribution: Coef,
    pub min_contribution_months: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildCareRules {
    pub legal_basis_insurance: String,
    pub legal_basis_allowance: String,
    pub until_age_months: i32,
    pub replacement_rate: Coef,
    pub average_months: u32,
    pub cap_mzp: i64,
    pub min_contribution_months: u32,
    pub allowance_mrp_by_order: Vec<Coef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationStep {
    pub from: u32,
    pub months: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobLossRules {
    pub legal_basis: String,
    pub replacement_rate: Coef,
    pub average_months: u32,
    pub cap_mzp: i64,
    pub duration_by_contribution_months: Vec<DurationStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreadwinnerRules {
    pub legal_basis: String,
    pub pm_by_dependants: Vec<Coef>,
    pub spouse_caring_for_child_under: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarerRules {
    pub legal_basis: String,
    pub pm: Coef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityRules {
    pub legal_basis: String,
    pub adult_pm_by_group: Vec<Coef>,
    pub child_under_7_pm: Coef,
    pub child_or_since_childhood_pm_by_group: Vec<Coef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LargeFamilyRules {
    pub legal_basis: String,
    pub min_children: usize,
    pub mrp_by_children: Vec<Coef>,
    pub mrp_per_child_from_8: Coef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotherAwardRules {
    pub legal_basis: String,
    pub kumis_alqa_mrp: Coef,
    pub other_awards_mrp: Coef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AspRules {
    pub legal_basis: String,
    pub child_supplement_mrp: Coef,
    pub child_supplement_from_age: i32,
    pub child_supplement_to_age: i32,
    pub excluded_benefit_incomes: Vec<String>,
    pub refuse_with_second_home_or_car: bool,
    /// [Inf] Co-registered relatives within this many civil-registry links of a member belong to
    /// the ASP family (0 = the card's members only).
    pub family_relatives_within_links: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthAllowanceRules {
    pub legal_basis: String,
    pub first_to_third_mrp: Coef,
    pub fourth_and_later_mrp: Coef,
    pub offer_window_months: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionNotificationRules {
    pub legal_basis: String,
    pub days_before: i64,
    pub days_after: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitRules {
    pub version: String,
    pub effective_from: NaiveDate,
    pub source: String,
    /// Whether detection offers an entitlement whose amount rests on an assumed figure.
    pub offer_with_assumed_parameters: bool,
    pub eligible_citizenship: Vec<String>,
    pub pregnancy_childbirth: PregnancyRules,
    pub child_care: ChildCareRules,
    pub job_loss: JobLossRules,
    pub breadwinner: BreadwinnerRules,
    pub disabled_child_carer: CarerRules,
    pub disability: DisabilityRules,
    pub large_family: LargeFamilyRules,
    pub mother_award: MotherAwardRules,
    pub asp: AspRules,
    pub birth_allowance: BirthAllowanceRules,
    pub pension_notification: PensionNotificationRules,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("benefit rules: {0}")]
pub struct RulesError(pub String);

impl BenefitRules {
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_BENEFIT_RULES).expect("bundled benefit rules are valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let r: BenefitRules = toml::from_str(text).map_err(|e| RulesError(e.to_string()))?;
        let need = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(RulesError(what.to_string()))
            }
        };
        need(
            r.child_care.allowance_mrp_by_order.len() == 4,
            "child_care.allowance_mrp_by_order needs 4 values (1st, 2nd, 3rd, 4th and later)",
        )?;
        need(
            r.breadwinner.pm_by_dependants.len() == 6,
            "breadwinner.pm_by_dependants needs 6 values (1 to 6+ dependants)",
        )?;
        need(
            r.disability.adult_pm_by_group.len() == 3
                && r.disability.child_or_since_childhood_pm_by_group.len() == 3,
            "disability coefficients need 3 values (groups 1, 2, 3)",
        )?;
        need(
            r.large_family.mrp_by_children.len() == 4,
            "large_family.mrp_by_children needs 4 values (4, 5, 6, 7 children)",
        )?;
        need(
            r.job_loss
                .duration_by_contribution_months
                .windows(2)
                .all(|w| w[0].from < w[1].from),
            "job_loss.duration_by_contribution_months must be in increasing order",
        )?;
        need(
            r.pregnancy_childbirth.average_months > 0
                && r.child_care.average_months > 0
                && r.job_loss.average_months > 0,
            "averaging windows must be at least one month",
        )?;
        need(
            r.asp.family_relatives_within_links <= 3,
            "asp.family_relatives_within_links is at most 3 (the loaded neighbourhood)",
        )?;
        Ok(r)
    }

    pub fn legal_basis(&self, k: BenefitKind) -> &str {
        match k {
            BenefitKind::PregnancyChildbirth => &self.pregnancy_childbirth.legal_basis,
            BenefitKind::ChildCareInsurance => &self.child_care.legal_basis_insurance,
            BenefitKind::ChildCareAllowance => &self.child_care.legal_basis_allowance,
            BenefitKind::JobLoss => &self.job_loss.legal_basis,
            BenefitKind::BreadwinnerLoss => &self.breadwinner.legal_basis,
            BenefitKind::DisabledChildCarer => &self.disabled_child_carer.legal_basis,
            BenefitKind::Disability => &self.disability.legal_basis,
            BenefitKind::LargeFamily => &self.large_family.legal_basis,
            BenefitKind::MotherAward => &self.mother_award.legal_basis,
            BenefitKind::Asp => &self.asp.legal_basis,
            BenefitKind::BirthAllowance => &self.birth_allowance.legal_basis,
            BenefitKind::PensionAgeNotification => &self.pension_notification.legal_basis,
        }
    }
}

/// Every version of the benefit rules, ordered by `effective_from`.
#[derive(Debug, Clone, PartialEq)]
pub struct BenefitCatalog {
    versions: Vec<BenefitRules>,
    /// The versions loaded, oldest first, comma-separated (for logs).
    pub version: String,
}

impl BenefitCatalog {
    pub fn bundled() -> Self {
        let files: Vec<(String, String)> = BUNDLED_BENEFIT_RULE_FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Self::from_texts(&files).expect("bundled benefit rules are valid")
    }

    /// A catalog of one version (tests; a deployment with a single file).
    pub fn single(r: BenefitRules) -> Self {
        Self::from_versions(vec![r]).expect("one version is a valid catalog")
    }

    /// Parses and validates `(file name, text)` pairs; an invalid file is an error naming it.
    pub fn from_texts(files: &[(String, String)]) -> Result<Self, RulesError> {
        let versions = files
            .iter()
            .map(|(name, text)| {
                BenefitRules::from_toml(text).map_err(|e| RulesError(format!("{name}: {}", e.0)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_versions(versions)
    }

    pub fn from_versions(mut versions: Vec<BenefitRules>) -> Result<Self, RulesError> {
        if versions.is_empty() {
            return Err(RulesError("no benefit rules file".into()));
        }
        versions.sort_by_key(|r| r.effective_from);
        for w in versions.windows(2) {
            if w[0].effective_from == w[1].effective_from {
                return Err(RulesError(format!(
                    "versions {} and {} both take effect on {}",
                    w[0].version, w[1].version, w[0].effective_from
                )));
            }
            if w[0].version == w[1].version {
                return Err(RulesError(format!("version {} listed twice", w[0].version)));
            }
        }
        let version = versions
            .iter()
            .map(|r| r.version.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(BenefitCatalog { versions, version })
    }

    /// The version in force on `on`: the latest `effective_from` on or before it.
    pub fn in_force(&self, on: NaiveDate) -> Result<&BenefitRules, RulesError> {
        self.versions
            .iter()
            .rev()
            .find(|r| r.effective_from <= on)
            .ok_or_else(|| {
                RulesError(format!(
                    "no benefit rules in force on {on}: the first file takes effect on {}",
                    self.versions[0].effective_from
                ))
            })
    }

    /// The latest version (legal bases of the benefit list).
    pub fn latest(&self) -> &BenefitRules {
        self.versions.last().expect("non-empty")
    }

    pub fn versions(&self) -> &[BenefitRules] {
        &self.versions
    }
}
