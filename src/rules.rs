//! The rule set the service evaluates with: legal parameters, well-being methodologies and benefit
//! rules. Read from a rules directory at start (so a ministry's new parameter file or methodology
//! version takes effect without a rebuild), or the copies bundled into the binary.
//! This is the I/O edge of the pure `domain` rule types.

use crate::domain::benefits::BenefitCatalog;
use crate::domain::parameters::LegalParameters;
use crate::domain::signals::SignalCatalog;
use crate::domain::wellbeing::MethodologyCatalog;
use anyhow::Context;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub legal: LegalParameters,
    pub wellbeing: MethodologyCatalog,
    /// Every version of the benefit rules; each evaluation uses the one in force on its date.
    pub benefits: BenefitCatalog,
    /// Fraud-signal thresholds and weights (`signals/*.toml`, one file per period of force).
    pub signals: SignalCatalog,
    /// Where the rules came from (a directory, or "bundled").
    pub origin: String,
}

impl RuleSet {
    /// The rules compiled into the binary (`rules/` at build time).
    pub fn bundled() -> Self {
        RuleSet {
            legal: LegalParameters::bundled(),
            wellbeing: MethodologyCatalog::bundled(),
            benefits: BenefitCatalog::bundled(),
            signals: SignalCatalog::bundled(),
            origin: "bundled".into(),
        }
    }

    /// Reads `legal-parameters.toml`, `wellbeing/*.toml`, every `benefits/*.toml` and every
    /// `signals/*.toml` (one file per period of force) from `dir`, validating each; an invalid file is an error naming it.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let legal_path = dir.join("legal-parameters.toml");
        let legal = LegalParameters::from_toml(&read(&legal_path)?)
            .with_context(|| format!("{}", legal_path.display()))?;
        let texts = toml_files(&dir.join("wellbeing"))?
            .into_iter()
            .map(|p| Ok((p.display().to_string(), read(&p)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(
            !texts.is_empty(),
            "{}: no methodology file",
            dir.join("wellbeing").display()
        );
        let wellbeing = MethodologyCatalog::from_texts(&texts)
            .with_context(|| format!("{}", dir.join("wellbeing").display()))?;
        let benefit_texts = toml_files(&dir.join("benefits"))?
            .into_iter()
            .map(|p| Ok((p.display().to_string(), read(&p)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(
            !benefit_texts.is_empty(),
            "{}: no benefit rules file",
            dir.join("benefits").display()
        );
        let benefits = BenefitCatalog::from_texts(&benefit_texts)?;
        let signal_texts = toml_files(&dir.join("signals"))?
            .into_iter()
            .map(|p| Ok((p.display().to_string(), read(&p)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let signals = SignalCatalog::from_texts(&signal_texts)
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.join("signals").display()))?;
        Ok(RuleSet {
            legal,
            wellbeing,
            benefits,
            signals,
            origin: dir.display().to_string(),
        })
    }

    /// `dir` when given; else `./rules` when present (a checkout); else the bundled copies.
    pub fn from_option(dir: Option<&Path>) -> anyhow::Result<Self> {
        match dir {
            Some(d) => Self::load(d),
            None if Path::new("rules/legal-parameters.toml").exists() => {
                Self::load(Path::new("rules"))
            }
            None => Ok(Self::bundled()),
        }
    }
}

fn read(p: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
}

fn toml_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_rules() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        for sub in ["", "wellbeing", "benefits", "signals"] {
            std::fs::create_dir_all(t.path().join(sub)).unwrap();
            for p in std::fs::read_dir(src.join(sub)).unwrap().flatten() {
                if p.path().is_file() {
                    std::fs::copy(p.path(), t.path().join(sub).join(p.file_name())).unwrap();
                }
            }
        }
        t
    }

    #[test]
    fn the_rules_directory_equals_the_bundled_copies() {
        let d = RuleSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap();
        let b = RuleSet::bundled();
        assert_eq!(d.legal.version, b.legal.version);
        assert_eq!(d.benefits, b.benefits);
        assert_eq!(d.signals, b.signals);
    }

    #[test]
    fn a_second_methodology_version_is_picked_up_without_code_changes() {
        let t = copy_rules();
        let text = std::fs::read_to_string(t.path().join("wellbeing/2023-06-29.toml")).unwrap();
        let next = text
            .replacen("version = \"2023-06-29\"", "version = \"2027-01-01\"", 1)
            .replacen(
                "effective_from = \"2023-06-29\"",
                "effective_from = \"2027-01-01\"",
                1,
            );
        std::fs::write(t.path().join("wellbeing/2027-01-01.toml"), next).unwrap();
        let r = RuleSet::load(t.path()).unwrap();
        let on = |s: &str| {
            r.wellbeing
                .in_force(s.parse().unwrap())
                .unwrap()
                .version
                .clone()
        };
        assert_eq!(on("2026-12-31"), "2023-06-29");
        assert_eq!(on("2027-01-01"), "2027-01-01");
    }

    #[test]
    fn an_invalid_signal_rules_file_stops_the_load_naming_the_file() {
        let t = copy_rules();
        let p = t.path().join("signals/2026-01-01.toml");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replacen("weight = 40", "weight = 400", 1)).unwrap();
        let e = format!("{:#}", RuleSet::load(t.path()).unwrap_err());
        assert!(e.contains("2026-01-01.toml") && e.contains("weight"), "{e}");
    }

    #[test]
    fn an_invalid_rules_file_stops_the_load_naming_the_file() {
        let t = copy_rules();
        let p = t.path().join("legal-parameters.toml");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replacen("mrp = 4325", "mrp = \"many\"", 1)).unwrap();
        let e = format!("{:#}", RuleSet::load(t.path()).unwrap_err());
        assert!(e.contains("legal-parameters.toml"), "{e}");
    }
}
