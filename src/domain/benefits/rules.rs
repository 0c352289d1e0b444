//! The benefit rules file (`rules/benefits/*.toml`): coefficients and formulas as data.

use super::BenefitKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The rules shipped with this build.
pub const BUNDLED_BENEFIT_RULES: &str = include_str!("../../../rules/benefits/2026-01-01.toml");

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
