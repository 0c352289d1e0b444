//! The assessment of one family on one date: every indicator of the methodology measured over the
//! [`FamilySnapshot`], banded and explained, summed per direction and into the level. The measures
//! themselves live in one module per direction; this file holds what they share (the evaluation
//! context, a measured value with its facts) and the dispatch from a [`Measure`] to its module.

use super::methodology::{Indicator, Measure, Methodology, WellbeingError, WellbeingLevel};
use super::{
    agriculture, education, employment, health, housing, income_credit, movable_property,
    social_protection,
};
use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::parameters::LegalParameters;
use crate::domain::registry::{covers, IncomeSource, YearMonth};
use crate::domain::snapshot::{FamilySnapshot, MemberSnapshot};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

impl Methodology {
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

pub(super) fn fact(m: &MemberSnapshot, kind: &str, description: String) -> FactUsed {
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

/// A measured value: the integer the bands apply to, in words, and the facts it used.
pub(super) struct Measured {
    pub value: i64,
    pub shown: String,
    pub facts: Vec<FactUsed>,
}

/// What every measure needs: the snapshot, the methodology, the date and the year's figures.
pub(super) struct Ctx<'a> {
    pub s: &'a FamilySnapshot,
    pub m: &'a Methodology,
    pub d: NaiveDate,
    pub pm: i64,
    pub pension_men: i32,
    pub pension_women: i32,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
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

    pub(super) fn members(&self) -> impl Iterator<Item = &'a MemberSnapshot> {
        self.s.members.iter()
    }

    pub(super) fn adults(&self) -> Vec<&'a MemberSnapshot> {
        self.members().filter(|m| m.age_on(self.d) >= 18).collect()
    }

    pub(super) fn disability_group(&self, m: &MemberSnapshot) -> Option<Option<u8>> {
        m.facts
            .disabilities
            .iter()
            .filter(|x| covers(Some(x.from), x.to, self.d))
            .map(|x| x.group)
            .min_by_key(|g| g.unwrap_or(0))
    }

    pub(super) fn is_working(&self, m: &MemberSnapshot) -> Option<String> {
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

    pub(super) fn count_members(
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

    /// The measure an indicator names, computed by its direction's module.
    fn measure(&self, ind: &Indicator) -> Measured {
        match ind.measure {
            Measure::PerCapitaIncomePmBasisPoints => income_credit::per_capita_income(self),
            Measure::OpenLoans => income_credit::open_loans(self),
            Measure::AdultsWithArrears => income_credit::adults_with_arrears(self, ind),
            Measure::PassengerCars | Measure::CommercialVehicles => {
                movable_property::vehicles(self, ind)
            }
            Measure::AgriculturalMachineryTypes => {
                movable_property::agricultural_machinery_types(self)
            }
            Measure::AbleBodiedMembers => employment::able_bodied_members(self),
            Measure::WorkingMembers => employment::working_members(self),
            Measure::BusinessKind => employment::business_kind(self),
            Measure::DependentChildren => social_protection::dependent_children(self),
            Measure::WorstAdultDisability => social_protection::worst_adult_disability(self),
            Measure::ChildrenOrSinceChildhoodDisabled => {
                social_protection::children_or_since_childhood_disabled(self)
            }
            Measure::MembersNotAttachedToClinic => health::members_not_attached_to_clinic(self),
            Measure::NobodyInsured => health::nobody_insured(self),
            Measure::MembersWithChronicDisease | Measure::MembersOnDispensaryRegister => {
                health::members_with_disease(self, ind)
            }
            Measure::PreschoolChildrenNotInKindergarten | Measure::SchoolChildrenNotInSchool => {
                education::children_not_attached(self, ind)
            }
            Measure::ResidentialM2PerMember
            | Measure::ResidentialProperties
            | Measure::CommercialProperties => housing::properties(self, ind),
            Measure::SettlementType => housing::settlement_type(self),
            Measure::FarmValueKzt => agriculture::farm_value(self),
            Measure::LandPlots => agriculture::land_plots(self),
        }
    }
}
