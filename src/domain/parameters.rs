//! Legal parameters as data: МРП, МЗП, ПМ by year; the ASP poverty line by region and quarter;
//! pension ages. Loaded from `rules/legal-parameters.toml` (versioned in git). A date outside the
//! covered range is an error, never a guess.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parameters in force for one calendar year (tenge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearParameters {
    pub year: i32,
    /// Monthly calculation index (МРП).
    pub mrp: i64,
    /// Minimum wage (МЗП).
    pub mzp: i64,
    /// Subsistence minimum for basic social payments (ПМ).
    pub pm: i64,
    pub min_pension: i64,
    pub min_base_pension: i64,
    /// Where the figures come from.
    pub source: String,
}

/// ASP poverty line for a region and quarter (tenge per person per month).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PovertyLine {
    /// Region code, or `*` for the national default used where no regional figure is loaded.
    pub region: String,
    pub year: i32,
    pub quarter: u32,
    pub amount: i64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PensionAge {
    pub men: i32,
    pub women: i32,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalParametersFile {
    pub version: String,
    pub years: Vec<YearParameters>,
    pub poverty_lines: Vec<PovertyLine>,
    pub pension_age: PensionAge,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    #[error("legal parameters cover {first}–{last}; no figures for {year}")]
    YearNotCovered { year: i32, first: i32, last: i32 },
    #[error("no poverty line for region {region} (nor a national default) in {year} Q{quarter}")]
    PovertyLineNotCovered {
        region: String,
        year: i32,
        quarter: u32,
    },
    #[error("legal parameters file is invalid: {0}")]
    Invalid(String),
}

/// The loaded, validated parameters.
#[derive(Debug, Clone)]
pub struct LegalParameters {
    pub version: String,
    years: BTreeMap<i32, YearParameters>,
    poverty: BTreeMap<(String, i32, u32), PovertyLine>,
    pub pension_age: PensionAge,
}

/// The parameters shipped with this build (`rules/legal-parameters.toml`).
pub const BUNDLED_LEGAL_PARAMETERS: &str = include_str!("../../rules/legal-parameters.toml");

impl LegalParameters {
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_LEGAL_PARAMETERS).expect("bundled legal parameters are valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, ParameterError> {
        let f: LegalParametersFile =
            toml::from_str(text).map_err(|e| ParameterError::Invalid(e.to_string()))?;
        let mut years = BTreeMap::new();
        for y in f.years {
            if y.mrp <= 0 || y.mzp <= 0 || y.pm <= 0 {
                return Err(ParameterError::Invalid(format!(
                    "year {}: МРП, МЗП and ПМ must be positive",
                    y.year
                )));
            }
            if years.insert(y.year, y.clone()).is_some() {
                return Err(ParameterError::Invalid(format!(
                    "year {} listed twice",
                    y.year
                )));
            }
        }
        if let (Some(first), Some(last)) = (years.keys().next(), years.keys().last()) {
            if (last - first + 1) as usize != years.len() {
                return Err(ParameterError::Invalid("years must be contiguous".into()));
            }
        } else {
            return Err(ParameterError::Invalid("no years".into()));
        }
        let mut poverty = BTreeMap::new();
        for p in f.poverty_lines {
            if !(1..=4).contains(&p.quarter) || p.amount <= 0 {
                return Err(ParameterError::Invalid(format!(
                    "poverty line {} {} Q{}: quarter must be 1–4 and amount positive",
                    p.region, p.year, p.quarter
                )));
            }
            let key = (p.region.clone(), p.year, p.quarter);
            if poverty.insert(key, p.clone()).is_some() {
                return Err(ParameterError::Invalid(format!(
                    "poverty line {} {} Q{} listed twice",
                    p.region, p.year, p.quarter
                )));
            }
        }
        Ok(LegalParameters {
            version: f.version,
            years,
            poverty,
            pension_age: f.pension_age,
        })
    }

    pub fn for_year(&self, year: i32) -> Result<&YearParameters, ParameterError> {
        self.years
            .get(&year)
            .ok_or_else(|| ParameterError::YearNotCovered {
                year,
                first: *self.years.keys().next().expect("non-empty"),
                last: *self.years.keys().last().expect("non-empty"),
            })
    }

    pub fn on(&self, d: NaiveDate) -> Result<&YearParameters, ParameterError> {
        self.for_year(d.year())
    }

    /// The poverty line of a region for a quarter; falls back to the national default (`*`).
    pub fn poverty_line(
        &self,
        region: &str,
        year: i32,
        quarter: u32,
    ) -> Result<&PovertyLine, ParameterError> {
        self.poverty
            .get(&(region.to_string(), year, quarter))
            .or_else(|| self.poverty.get(&("*".to_string(), year, quarter)))
            .ok_or_else(|| ParameterError::PovertyLineNotCovered {
                region: region.to_string(),
                year,
                quarter,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_parameters_cover_2023_to_2026() {
        let p = LegalParameters::bundled();
        assert_eq!(p.for_year(2024).unwrap().mrp, 3692);
        assert_eq!(p.for_year(2025).unwrap().pm, 46228);
        assert_eq!(p.for_year(2026).unwrap().mrp, 4325);
        assert_eq!(p.for_year(2023).unwrap().mzp, 70000);
        assert!(matches!(
            p.for_year(2031),
            Err(ParameterError::YearNotCovered { year: 2031, .. })
        ));
        assert_eq!(p.poverty_line("AKTOBE", 2026, 1).unwrap().amount, 37060);
        assert!(p.poverty_line("ASTANA", 2026, 1).is_ok());
        assert!(p.poverty_line("ASTANA", 2019, 1).is_err());
    }

    #[test]
    fn duplicate_year_is_rejected() {
        let t = r#"
version = "x"
pension_age = { men = 63, women = 61, source = "s" }
poverty_lines = []
[[years]]
year = 2024
mrp = 1
mzp = 1
pm = 1
min_pension = 1
min_base_pension = 1
source = "s"
[[years]]
year = 2024
mrp = 1
mzp = 1
pm = 1
min_pension = 1
min_base_pension = 1
source = "s"
"#;
        assert!(matches!(
            LegalParameters::from_toml(t),
            Err(ParameterError::Invalid(_))
        ));
    }
}
