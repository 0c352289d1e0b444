//! Fraud signals (DOMAIN §7: shared-address cluster, fictitious divorce, hidden earner, dead
//! recipients) as pure functions over a loaded link slice, one module per signal,
//! with their thresholds and weights as data (`rules/signals/*.toml`, one file per period of
//! force). Each hit carries its evidence (the nodes and edges it rests on), its facts, the rule
//! version and thresholds applied, the benefits it matters for, and a score (the rule's weight).
//! A hit is a lead for an investigator, never a decision.

pub mod dead_recipient;
pub mod fictitious_divorce;
pub mod hidden_earner;
pub mod shared_address;

use super::benefits::BenefitKind;
use super::ids::Iin;
use super::links::{Edge, Slice};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The rules files bundled into the binary.
pub const BUNDLED: &[(&str, &str)] = &[(
    "rules/signals/2026-01-01.toml",
    include_str!("../../../rules/signals/2026-01-01.toml"),
)];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedAddressRule {
    pub weight: u32,
    pub min_households: usize,
    pub adult_age: i32,
    pub benefits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FictitiousDivorceRule {
    pub weight: u32,
    pub benefit_within_days: i64,
    pub benefits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenEarnerRule {
    pub weight: u32,
    pub adult_age: i32,
    pub benefits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadRecipientRule {
    pub weight: u32,
    pub grace_days: i64,
    pub benefits: Vec<String>,
}

/// One version of the signal rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalRules {
    pub version: String,
    pub effective_from: NaiveDate,
    pub shared_address_cluster: SharedAddressRule,
    pub fictitious_divorce: FictitiousDivorceRule,
    pub hidden_earner: HiddenEarnerRule,
    pub dead_recipient: DeadRecipientRule,
}

impl SignalRules {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let r: SignalRules = toml::from_str(text).map_err(|e| e.to_string())?;
        r.validate()?;
        Ok(r)
    }

    fn validate(&self) -> Result<(), String> {
        let weights = [
            ("shared_address_cluster", self.shared_address_cluster.weight),
            ("fictitious_divorce", self.fictitious_divorce.weight),
            ("hidden_earner", self.hidden_earner.weight),
            ("dead_recipient", self.dead_recipient.weight),
        ];
        for (name, w) in weights {
            if w > 100 {
                return Err(format!("{name}.weight must be 0..=100, got {w}"));
            }
        }
        if self.shared_address_cluster.min_households < 2 {
            return Err("shared_address_cluster.min_households must be at least 2".into());
        }
        if !(14..=21).contains(&self.shared_address_cluster.adult_age) {
            return Err("shared_address_cluster.adult_age must be 14..=21".into());
        }
        if self.fictitious_divorce.benefit_within_days <= 0 {
            return Err("fictitious_divorce.benefit_within_days must be positive".into());
        }
        if self.fictitious_divorce.benefits.is_empty() {
            return Err("fictitious_divorce.benefits must name at least one benefit".into());
        }
        if !(14..=21).contains(&self.hidden_earner.adult_age) {
            return Err("hidden_earner.adult_age must be 14..=21".into());
        }
        if self.hidden_earner.benefits.is_empty() {
            return Err("hidden_earner.benefits must name at least one benefit".into());
        }
        if self.dead_recipient.grace_days < 0 {
            return Err("dead_recipient.grace_days must not be negative".into());
        }
        for (name, list) in [
            (
                "shared_address_cluster",
                &self.shared_address_cluster.benefits,
            ),
            ("fictitious_divorce", &self.fictitious_divorce.benefits),
            ("hidden_earner", &self.hidden_earner.benefits),
            ("dead_recipient", &self.dead_recipient.benefits),
        ] {
            for b in list {
                if BenefitKind::parse(b).is_none() {
                    return Err(format!("{name}.benefits: unknown benefit code {b:?}"));
                }
            }
        }
        Ok(())
    }
}

/// Every version of the signal rules; each evaluation uses the one in force on its date.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalCatalog {
    versions: Vec<SignalRules>,
}

impl SignalCatalog {
    /// Parses and validates every file (`(name, text)`); an invalid one is an error naming it.
    pub fn from_texts(texts: &[(String, String)]) -> Result<Self, String> {
        let mut versions = vec![];
        for (name, text) in texts {
            versions.push(SignalRules::from_toml(text).map_err(|e| format!("{name}: {e}"))?);
        }
        if versions.is_empty() {
            return Err("no signal rules file".into());
        }
        versions.sort_by_key(|v| v.effective_from);
        for w in versions.windows(2) {
            if w[0].effective_from == w[1].effective_from {
                return Err(format!(
                    "two signal rules files take effect on {}",
                    w[0].effective_from
                ));
            }
        }
        Ok(SignalCatalog { versions })
    }

    pub fn bundled() -> Self {
        let texts: Vec<(String, String)> = BUNDLED
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Self::from_texts(&texts).expect("bundled signal rules are valid")
    }

    /// The version in force on `d`; `None` before the first one (no guess).
    pub fn in_force(&self, d: NaiveDate) -> Option<&SignalRules> {
        self.versions.iter().rev().find(|v| v.effective_from <= d)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    SharedAddressCluster,
    FictitiousDivorce,
    HiddenEarner,
    DeadRecipient,
}

impl SignalKind {
    pub fn code(self) -> &'static str {
        match self {
            SignalKind::SharedAddressCluster => "shared_address_cluster",
            SignalKind::FictitiousDivorce => "fictitious_divorce",
            SignalKind::HiddenEarner => "hidden_earner",
            SignalKind::DeadRecipient => "dead_recipient",
        }
    }
}

/// One hit of a signal with everything an investigator needs to check it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub signal: SignalKind,
    /// The persons the hit is about.
    pub subjects: Vec<Iin>,
    /// The rule's weight (0..100).
    pub score: u32,
    pub rule_version: String,
    /// The thresholds applied, as name/value pairs.
    pub thresholds: Vec<(String, String)>,
    /// What was found, as name/value pairs.
    pub facts: Vec<(String, String)>,
    /// The benefits the signal matters for.
    pub matters_for: Vec<String>,
    /// The nodes and edges the hit rests on.
    pub evidence: Slice,
}

pub(crate) fn pair(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// Every signal around `focus` in the slice on `as_of`, by score (highest first).
pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let mut hits = vec![];
    hits.extend(shared_address::evaluate(slice, focus, as_of, rules));
    hits.extend(fictitious_divorce::evaluate(slice, focus, as_of, rules));
    hits.extend(hidden_earner::evaluate(slice, focus, as_of, rules));
    hits.extend(dead_recipient::evaluate(slice, as_of, rules));
    hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.signal.cmp(&b.signal)));
    hits
}

/// The edges of the slice touching both `a` and `b` ids.
pub(crate) fn edges_between<'s>(slice: &'s Slice, a: &str, b: &str) -> Vec<&'s Edge> {
    slice
        .edges
        .iter()
        .filter(|e| (e.from == a && e.to == b) || (e.from == b && e.to == a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_rules_parse_and_have_no_date_before_them() {
        let c = SignalCatalog::bundled();
        assert!(c.in_force("2025-12-31".parse().unwrap()).is_none());
        let r = c.in_force("2026-06-15".parse().unwrap()).unwrap();
        assert_eq!(r.version, "2026-01-01");
    }

    #[test]
    fn an_unknown_benefit_or_a_bad_threshold_is_refused() {
        let text = BUNDLED[0].1;
        let bad = text.replacen("benefits = [\"asp\"]", "benefits = [\"aspx\"]", 1);
        assert!(SignalRules::from_toml(&bad).unwrap_err().contains("aspx"));
        let bad = text.replacen("min_households = 4", "min_households = 1", 1);
        assert!(SignalRules::from_toml(&bad)
            .unwrap_err()
            .contains("min_households"));
    }
}
