//! The rule set the service evaluates with: legal parameters, well-being methodologies and benefit
//! rules. Read from a rules directory at start (so a ministry's new parameter file or methodology
//! version takes effect without a rebuild), or the copies bundled into the binary.
//! This is the I/O edge of the pure `domain` rule types.

use crate::domain::benefits::BenefitRules;
use crate::domain::parameters::LegalParameters;
use crate::domain::wellbeing::MethodologyCatalog;
use anyhow::Context;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub legal: LegalParameters,
    pub wellbeing: MethodologyCatalog,
    pub benefits: BenefitRules,
    /// Where the rules came from (a directory, or "bundled").
    pub origin: String,
}

impl RuleSet {
    /// The rules compiled into the binary (`rules/` at build time).
    pub fn bundled() -> Self {
        RuleSet {
            legal: LegalParameters::bundled(),
            wellbeing: MethodologyCatalog::bundled(),
            benefits: BenefitRules::bundled(),
            origin: "bundled".into(),
        }
    }

    /// Reads `legal-parameters.toml`, `wellbeing/*.toml` and `benefits/*.toml` (the one with the
    /// latest `effective_from`) from `dir`, validating each; an invalid file is an error naming it.
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
        let mut benefits: Option<BenefitRules> = None;
        for p in toml_files(&dir.join("benefits"))? {
            let r =
                BenefitRules::from_toml(&read(&p)?).with_context(|| format!("{}", p.display()))?;
            if benefits
                .as_ref()
                .is_none_or(|b| r.effective_from > b.effective_from)
            {
                benefits = Some(r);
            }
        }
        let benefits = benefits.with_context(|| {
            format!("{}: no benefit rules file", dir.join("benefits").display())
        })?;
        Ok(RuleSet {
            legal,
            wellbeing,
            benefits,
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
