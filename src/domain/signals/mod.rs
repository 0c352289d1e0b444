//! Fraud signals (DOMAIN §7: shared-address cluster, fictitious divorce, hidden earner, dead
//! recipients, assets on relatives, registration mismatch, double counting, rings) as pure functions over a loaded link slice, one module per signal,
//! with their thresholds and weights as data (`rules/signals/*.toml`, one file per period of
//! force). Each hit carries its evidence (the nodes and edges it rests on), its facts, the rule
//! version and thresholds applied, the benefits it matters for, and a score (the rule's weight).
//! A hit is a lead for an investigator, never a decision.

pub mod assets_on_relatives;
pub mod dead_recipient;
pub mod double_counting;
pub mod fictitious_divorce;
pub mod hidden_earner;
pub mod registration_mismatch;
pub mod rings;
pub mod shared_address;

use super::benefits::BenefitKind;
use super::ids::Iin;
use super::links::{Edge, Slice};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetsOnRelativesRule {
    pub weight: u32,
    /// Civil links (marriage, parenthood) from the applicant to the relative, at most.
    pub max_links: usize,
    /// Assets in force on the date held by the relatives together, at least.
    pub min_assets: usize,
    /// `vehicle`, `agricultural_machinery`, `real_estate`, `land`.
    pub asset_kinds: Vec<String>,
    pub adult_age: i32,
    pub benefits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationMismatchRule {
    pub weight: u32,
    /// Children under this age count.
    pub child_age: i32,
    /// Education levels that count (`kindergarten`, `school`, …); polyclinics always count.
    pub education_levels: Vec<String>,
    pub benefits: Vec<String>,
    /// The region of each school, kindergarten and polyclinic, by the name the registries use
    /// (stand-in for the organisations registry); an organisation not listed is never a hit.
    pub organisations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleCountingRule {
    pub weight: u32,
    pub child_age: i32,
    /// Benefits that count the children of the recipient's family.
    pub child_benefits: Vec<String>,
    /// Pairs of benefits one person may not receive on the same day.
    pub exclusive: Vec<[String; 2]>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RingsRule {
    /// Score of a ring of `min_families` families.
    pub weight: u32,
    /// Added per family beyond `min_families` (the score is capped at 100).
    pub per_extra_family: u32,
    pub min_families: usize,
    /// Families of the ring receiving one of `benefits` on the date, at least.
    pub min_recipient_families: usize,
    /// Identifiers that link families: `account`, `phone`, `dwelling`.
    pub identifiers: Vec<String>,
    pub adult_age: i32,
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
    pub assets_on_relatives: AssetsOnRelativesRule,
    pub registration_mismatch: RegistrationMismatchRule,
    pub double_counting: DoubleCountingRule,
    pub rings: RingsRule,
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
            ("assets_on_relatives", self.assets_on_relatives.weight),
            ("registration_mismatch", self.registration_mismatch.weight),
            ("double_counting", self.double_counting.weight),
            ("rings", self.rings.weight),
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
            ("assets_on_relatives", &self.assets_on_relatives.benefits),
            (
                "registration_mismatch",
                &self.registration_mismatch.benefits,
            ),
            ("double_counting", &self.double_counting.child_benefits),
            ("rings", &self.rings.benefits),
        ] {
            for b in list {
                if BenefitKind::parse(b).is_none() {
                    return Err(format!("{name}.benefits: unknown benefit code {b:?}"));
                }
            }
        }
        for pair in &self.double_counting.exclusive {
            for b in pair {
                if BenefitKind::parse(b).is_none() {
                    return Err(format!(
                        "double_counting.exclusive: unknown benefit code {b:?}"
                    ));
                }
            }
            if pair[0] == pair[1] {
                return Err(format!(
                    "double_counting.exclusive: {:?} paired with itself",
                    pair[0]
                ));
            }
        }
        let a = &self.assets_on_relatives;
        if !(1..=3).contains(&a.max_links) {
            return Err("assets_on_relatives.max_links must be 1..=3".into());
        }
        if a.min_assets == 0 {
            return Err("assets_on_relatives.min_assets must be at least 1".into());
        }
        for k in &a.asset_kinds {
            if !assets_on_relatives::ASSET_KINDS.contains(&k.as_str()) {
                return Err(format!(
                    "assets_on_relatives.asset_kinds: unknown kind {k:?}"
                ));
            }
        }
        if a.benefits.is_empty() {
            return Err("assets_on_relatives.benefits must name at least one benefit".into());
        }
        for l in &self.registration_mismatch.education_levels {
            if !["kindergarten", "school", "college", "university"].contains(&l.as_str()) {
                return Err(format!(
                    "registration_mismatch.education_levels: unknown level {l:?}"
                ));
            }
        }
        for (org, region) in &self.registration_mismatch.organisations {
            if !crate::domain::regions::is_region(region) {
                return Err(format!(
                    "registration_mismatch.organisations: {org:?} has unknown region {region:?}"
                ));
            }
        }
        let r = &self.rings;
        if r.min_families < 2 {
            return Err("rings.min_families must be at least 2".into());
        }
        for i in &r.identifiers {
            if !rings::IDENTIFIERS.contains(&i.as_str()) {
                return Err(format!("rings.identifiers: unknown identifier {i:?}"));
            }
        }
        for (name, age) in [
            ("assets_on_relatives.adult_age", a.adult_age),
            (
                "registration_mismatch.child_age",
                self.registration_mismatch.child_age,
            ),
            ("double_counting.child_age", self.double_counting.child_age),
            ("rings.adult_age", r.adult_age),
        ] {
            if !(14..=21).contains(&age) {
                return Err(format!("{name} must be 14..=21"));
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
    AssetsOnRelatives,
    RegistrationMismatch,
    DoubleCounting,
    Ring,
}

impl SignalKind {
    pub fn code(self) -> &'static str {
        match self {
            SignalKind::SharedAddressCluster => "shared_address_cluster",
            SignalKind::FictitiousDivorce => "fictitious_divorce",
            SignalKind::HiddenEarner => "hidden_earner",
            SignalKind::DeadRecipient => "dead_recipient",
            SignalKind::AssetsOnRelatives => "assets_on_relatives",
            SignalKind::RegistrationMismatch => "registration_mismatch",
            SignalKind::DoubleCounting => "double_counting",
            SignalKind::Ring => "ring",
        }
    }

    pub const ALL: [SignalKind; 8] = [
        SignalKind::SharedAddressCluster,
        SignalKind::FictitiousDivorce,
        SignalKind::HiddenEarner,
        SignalKind::DeadRecipient,
        SignalKind::AssetsOnRelatives,
        SignalKind::RegistrationMismatch,
        SignalKind::DoubleCounting,
        SignalKind::Ring,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
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

impl Hit {
    /// The stable key of a hit found on `as_of`: the signal, the date and its subjects, each
    /// subject keyed like a family id (no IIN can be recovered from it). The same hit found
    /// from any of its subjects, in any run, has the same key.
    pub fn key(&self, as_of: NaiveDate) -> String {
        use sha2::{Digest, Sha256};
        let mut subjects: Vec<String> = self
            .subjects
            .iter()
            .map(|i| super::family::FamilyId::for_anchor(i).0)
            .collect();
        subjects.sort();
        let mut h = Sha256::new();
        h.update(self.signal.code().as_bytes());
        h.update(b"/");
        h.update(as_of.to_string().as_bytes());
        for s in subjects {
            h.update(b"/");
            h.update(s.as_bytes());
        }
        let hex: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("SIG-{hex}")
    }
}

pub(crate) fn pair(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// The children (parent links) and wards (guardianships) of `focus` on `as_of`, from its own record.
pub(crate) fn children_and_wards(
    me: &super::links::LinkRecord,
    focus: &Iin,
    as_of: NaiveDate,
) -> std::collections::BTreeSet<Iin> {
    use super::registry::covers;
    let mut children: std::collections::BTreeSet<Iin> = me
        .parent_links
        .iter()
        .filter(|l| &l.parent_iin == focus && covers(l.since, l.until, as_of))
        .map(|l| l.child_iin.clone())
        .collect();
    children.extend(
        me.guardianships
            .iter()
            .filter(|g| &g.guardian_iin == focus && covers(Some(g.from), g.to, as_of))
            .map(|g| g.ward_iin.clone()),
    );
    children
}

/// Every signal around `focus` in the slice on `as_of`, by score (highest first).
pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let mut hits = vec![];
    hits.extend(shared_address::evaluate(slice, focus, as_of, rules));
    hits.extend(fictitious_divorce::evaluate(slice, focus, as_of, rules));
    hits.extend(hidden_earner::evaluate(slice, focus, as_of, rules));
    hits.extend(dead_recipient::evaluate(slice, as_of, rules));
    hits.extend(assets_on_relatives::evaluate(slice, focus, as_of, rules));
    hits.extend(registration_mismatch::evaluate(slice, focus, as_of, rules));
    hits.extend(double_counting::evaluate(slice, focus, as_of, rules));
    hits.extend(rings::evaluate(slice, focus, as_of, rules));
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

/// Union-find over IINs (small: the persons of one slice); roots are deterministic (the
/// smaller IIN of two joined groups).
#[derive(Debug, Default)]
pub(crate) struct Groups {
    parent: BTreeMap<Iin, Iin>,
}

impl Groups {
    pub(crate) fn find(&mut self, i: &Iin) -> Iin {
        let p = self.parent.get(i).cloned().unwrap_or_else(|| i.clone());
        if &p == i {
            return p;
        }
        let root = self.find(&p);
        self.parent.insert(i.clone(), root.clone());
        root
    }
    pub(crate) fn join(&mut self, a: &Iin, b: &Iin) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
        }
    }
}

/// Whether the person receives one of `benefits` on `d` (by their receipts in the slice).
pub(crate) fn receives(slice: &Slice, who: &Iin, benefits: &[String], d: NaiveDate) -> Vec<String> {
    slice
        .records
        .get(who)
        .map(|r| {
            r.benefits
                .iter()
                .filter(|b| {
                    benefits.contains(&b.benefit)
                        && crate::domain::registry::covers(Some(b.from), b.to, d)
                })
                .map(|b| format!("{} {} ₸ from {}", b.benefit, b.amount_kzt, b.from))
                .collect()
        })
        .unwrap_or_default()
}

/// The spouse of `who` in a marriage in force on `d`, by the records of the slice.
pub(crate) fn spouse_on(slice: &Slice, who: &Iin, d: NaiveDate) -> Option<Iin> {
    let r = slice.records.get(who)?;
    r.marriages
        .iter()
        .find(|m| crate::domain::registry::covers(Some(m.registered_on), m.dissolved_on, d))
        .map(|m| {
            if &m.spouse_a == who {
                m.spouse_b.clone()
            } else {
                m.spouse_a.clone()
            }
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::ids::{make_iin, Sex};
    use crate::domain::links::tests::{d, run};
    use crate::domain::links::{Explorer, LinkFilter, LinkRecord, MAX_NODES};
    use crate::domain::registry::{BenefitReceipt, ParentKind, ParentLink};

    /// A child born on 2015-01-01 (serial `n`).
    pub(crate) fn child(n: u32) -> Iin {
        (0..)
            .find_map(|k| make_iin(d("2015-01-01"), Sex::Female, n * 10 + k))
            .unwrap()
    }

    /// A record whose birth date is the one its IIN encodes.
    pub(crate) fn rec(i: &Iin) -> LinkRecord {
        let mut r = crate::domain::links::tests::rec(i);
        r.person.birth_date = i.birth_date();
        r
    }

    /// Adds a birth link to both records.
    pub(crate) fn parent_of(all: &mut BTreeMap<Iin, LinkRecord>, p: &Iin, c: &Iin) {
        let l = ParentLink {
            parent_iin: p.clone(),
            child_iin: c.clone(),
            kind: ParentKind::Birth,
            since: None,
            until: None,
        };
        for i in [p, c] {
            all.get_mut(i).unwrap().parent_links.push(l.clone());
        }
    }

    pub(crate) fn receives_benefit(r: &mut LinkRecord, code: &str) {
        r.benefits.push(BenefitReceipt {
            iin: r.person.iin.clone(),
            benefit: code.into(),
            amount_kzt: 40000,
            from: d("2026-01-01"),
            to: None,
        });
    }

    /// The signals around `focus` on 2026-06-15 over a `hops`-hop slice.
    pub(crate) fn hits_of(all: &BTreeMap<Iin, LinkRecord>, focus: &Iin, hops: usize) -> Vec<Hit> {
        let mut ex = Explorer::new(focus.clone(), LinkFilter::all(None), hops, MAX_NODES, None);
        run(&mut ex, all);
        let on = d("2026-06-15");
        let rules = SignalCatalog::bundled().in_force(on).unwrap().clone();
        evaluate(&ex.slice(), focus, on, &rules)
    }

    pub(crate) fn of_kind(h: &[Hit], k: SignalKind) -> Vec<&Hit> {
        h.iter().filter(|x| x.signal == k).collect()
    }

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
