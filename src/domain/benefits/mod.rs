//! Eligibility and amounts of the proactive benefits (DOMAIN §3), as of any date, with reasons.
//!
//! One module per benefit; each is a pure function of a [`FamilySnapshot`] (whose date is the
//! as-of date), the legal parameters of that year and the benefit rules file
//! (`rules/benefits/*.toml`). Each returns one [`Entitlement`] per person or child it considered —
//! eligible or not — with the amount (integer tenge, rounded once, half up), the period, the
//! recipient and their bank account, and the reasons: every condition checked, met or not, the
//! facts used and the legal basis, with `[Inf]` on rules that are inferences.
//!
//! Rules come from a [`BenefitCatalog`]: the file in force on the as-of date, whose version every
//! entitlement names. A benefit that cannot be evaluated on the date (no parameters for a year it
//! needs, no rules file in force) yields an entitlement carrying its own `error`; the other
//! benefits are still evaluated, so one missing figure never hides the whole list. An amount that
//! rests on an assumed figure (the national default poverty line where no regional line is loaded)
//! says so in `assumed`, and detection can be told not to offer it
//! (`offer_with_assumed_parameters`).
//!
//! Periods are half-open everywhere: `from` is the first day covered, `to` the first day no longer
//! covered (exclusive), as for every registry period (`registry::covers`).
//!
//! Interactions handled here: the state child-care allowance and the insurance child-care payment
//! exclude each other per child; a child is counted in one family only (the composition decides);
//! disability of a child yields both the child's benefit and the carer's benefit (paid on top);
//! the ASP counts every member's income in the previous quarter.

mod asp;
mod birth_allowance;
mod breadwinner;
mod child_care;
mod disability;
mod disabled_child_carer;
mod job_loss;
mod large_family;
mod mother_award;
mod pension_notification;
mod pregnancy;
mod rules;

pub use rules::{
    BenefitCatalog, BenefitRules, Coef, RulesError, BUNDLED_BENEFIT_RULES,
    BUNDLED_BENEFIT_RULE_FILES,
};

use super::ids::{Iban, Iin};
use super::parameters::{LegalParameters, ParameterError, YearParameters};
use super::registry::{covers, PersonFacts, YearMonth};
use super::snapshot::{FamilySnapshot, MemberSnapshot};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitKind {
    PregnancyChildbirth,
    ChildCareInsurance,
    ChildCareAllowance,
    JobLoss,
    BreadwinnerLoss,
    DisabledChildCarer,
    Disability,
    LargeFamily,
    MotherAward,
    Asp,
    BirthAllowance,
    PensionAgeNotification,
}

impl BenefitKind {
    pub const ALL: [BenefitKind; 12] = [
        BenefitKind::PregnancyChildbirth,
        BenefitKind::ChildCareInsurance,
        BenefitKind::ChildCareAllowance,
        BenefitKind::JobLoss,
        BenefitKind::BreadwinnerLoss,
        BenefitKind::DisabledChildCarer,
        BenefitKind::Disability,
        BenefitKind::LargeFamily,
        BenefitKind::MotherAward,
        BenefitKind::Asp,
        BenefitKind::BirthAllowance,
        BenefitKind::PensionAgeNotification,
    ];

    /// Stable code (graph records, GraphQL, entitlement keys).
    pub fn code(self) -> &'static str {
        match self {
            BenefitKind::PregnancyChildbirth => "pregnancy_childbirth",
            BenefitKind::ChildCareInsurance => "child_care_insurance",
            BenefitKind::ChildCareAllowance => "child_care_allowance",
            BenefitKind::JobLoss => "job_loss",
            BenefitKind::BreadwinnerLoss => "breadwinner_loss",
            BenefitKind::DisabledChildCarer => "disabled_child_carer",
            BenefitKind::Disability => "disability",
            BenefitKind::LargeFamily => "large_family",
            BenefitKind::MotherAward => "mother_award",
            BenefitKind::Asp => "asp",
            BenefitKind::BirthAllowance => "birth_allowance",
            BenefitKind::PensionAgeNotification => "pension_age_notification",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            BenefitKind::PregnancyChildbirth => "социальная выплата по беременности и родам",
            BenefitKind::ChildCareInsurance => "социальная выплата по уходу за ребёнком до 1,5 лет",
            BenefitKind::ChildCareAllowance => "пособие по уходу за ребёнком до 1,5 лет",
            BenefitKind::JobLoss => "социальная выплата по потере работы",
            BenefitKind::BreadwinnerLoss => "пособие по случаю потери кормильца",
            BenefitKind::DisabledChildCarer => {
                "пособие родителю, воспитывающему ребёнка с инвалидностью"
            }
            BenefitKind::Disability => "пособие по инвалидности",
            BenefitKind::LargeFamily => "пособие многодетной семье",
            BenefitKind::MotherAward => "пособие матери, награждённой «Алтын алқа» / «Күміс алқа»",
            BenefitKind::Asp => "адресная социальная помощь",
            BenefitKind::BirthAllowance => "единовременное пособие на рождение ребёнка",
            BenefitKind::PensionAgeNotification => "уведомление о пенсионном возрасте",
        }
    }

    /// The legal basis as configured in the rules file.
    pub fn legal_basis(self, r: &BenefitRules) -> String {
        r.legal_basis(self).to_string()
    }

    /// How the benefit is paid.
    pub fn payment(self) -> Payment {
        match self {
            BenefitKind::PregnancyChildbirth | BenefitKind::BirthAllowance => Payment::OneOff,
            BenefitKind::PensionAgeNotification => Payment::Notification,
            _ => Payment::Monthly,
        }
    }

    /// Offered proactively by SMS (DOMAIN §3.0); the notification is sent, not offered.
    pub fn proactive(self) -> bool {
        self != BenefitKind::PensionAgeNotification
    }
}

impl fmt::Display for BenefitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    Monthly,
    OneOff,
    Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first day covered.
    pub from: NaiveDate,
    /// Exclusive end: the first day no longer covered (a quarter from 2026-04-01 ends with
    /// `to = 2026-07-01`); `None` = while the conditions hold.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub iin: Iin,
    /// The recipient's account open on the date, if the registry knows one.
    pub iban: Option<Iban>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub condition: String,
    pub met: bool,
    /// The facts used: member, amounts, months.
    pub detail: String,
    pub legal_basis: String,
    /// The condition is an inference, not a verified rule.
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entitlement {
    pub benefit: BenefitKind,
    pub eligible: bool,
    pub amount_kzt: Option<i64>,
    pub payment: Payment,
    pub period: Option<Period>,
    pub recipient: Option<Recipient>,
    /// The child or person the benefit is about, when not the recipient.
    pub subject_iin: Option<Iin>,
    /// The registry shows this benefit already being paid (no new offer needed).
    pub already_paid: bool,
    pub reasons: Vec<Reason>,
    /// The version of the benefit rules applied (empty when none was in force).
    pub rules_version: String,
    /// Why this benefit could not be evaluated on the date (then it is not eligible, has no
    /// amount and no reasons); the other benefits are unaffected.
    #[serde(default)]
    pub error: Option<String>,
    /// A figure the amount rests on that was assumed rather than published (e.g. the national
    /// default poverty line for a region with no line loaded), in words.
    #[serde(default)]
    pub assumed: Option<String>,
}

impl Entitlement {
    /// The entitlement of a benefit that could not be evaluated.
    pub fn failed(benefit: BenefitKind, rules_version: &str, error: String) -> Self {
        Entitlement {
            benefit,
            eligible: false,
            amount_kzt: None,
            payment: benefit.payment(),
            period: None,
            recipient: None,
            subject_iin: None,
            already_paid: false,
            reasons: vec![],
            rules_version: rules_version.to_string(),
            error: Some(error),
            assumed: None,
        }
    }

    /// Stable key for idempotent detection: benefit, recipient, subject and period start — not the
    /// as-of date, so detecting again on a later date finds the same entitlement.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.benefit.code(),
            self.recipient
                .as_ref()
                .map(|r| r.iin.as_str())
                .unwrap_or(""),
            self.subject_iin.as_ref().map(|i| i.as_str()).unwrap_or(""),
            self.period
                .as_ref()
                .map(|p| p.from.to_string())
                .unwrap_or_default()
        )
    }

    /// Whether the proactive flow should offer it: eligible and not already paid.
    pub fn to_offer(&self) -> bool {
        self.eligible && !self.already_paid
    }

    /// [`Self::to_offer`], and, unless the rules allow it, not resting on an assumed figure.
    pub fn to_offer_under(&self, r: &BenefitRules) -> bool {
        self.to_offer() && (self.assumed.is_none() || r.offer_with_assumed_parameters)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenefitError {
    #[error(transparent)]
    Parameters(#[from] ParameterError),
    #[error(transparent)]
    Rules(#[from] RulesError),
}

type Module = fn(&Ctx) -> Result<Vec<Entitlement>, BenefitError>;

/// The rule modules in evaluation order, with the benefits each one yields.
const MODULES: [(Module, &[BenefitKind]); 11] = [
    (pregnancy::evaluate, &[BenefitKind::PregnancyChildbirth]),
    (
        child_care::evaluate,
        &[
            BenefitKind::ChildCareInsurance,
            BenefitKind::ChildCareAllowance,
        ],
    ),
    (job_loss::evaluate, &[BenefitKind::JobLoss]),
    (breadwinner::evaluate, &[BenefitKind::BreadwinnerLoss]),
    (
        disabled_child_carer::evaluate,
        &[BenefitKind::DisabledChildCarer],
    ),
    (disability::evaluate, &[BenefitKind::Disability]),
    (large_family::evaluate, &[BenefitKind::LargeFamily]),
    (mother_award::evaluate, &[BenefitKind::MotherAward]),
    (asp::evaluate, &[BenefitKind::Asp]),
    (birth_allowance::evaluate, &[BenefitKind::BirthAllowance]),
    (
        pension_notification::evaluate,
        &[BenefitKind::PensionAgeNotification],
    ),
];

/// Evaluates every benefit for the family on its snapshot date, in a deterministic order, with
/// the rules version in force on that date. A benefit that cannot be evaluated yields one
/// entitlement per benefit kind of its module carrying the error; the others are still evaluated.
pub fn evaluate_family(
    s: &FamilySnapshot,
    p: &LegalParameters,
    catalog: &BenefitCatalog,
) -> Vec<Entitlement> {
    let rules = catalog.in_force(s.as_of());
    let version = rules.as_ref().map(|r| r.version.as_str()).unwrap_or("");
    let ctx = rules
        .map_err(|e| BenefitError::from(e.clone()))
        .and_then(|r| Ctx::new(s, p, r));
    let mut out = vec![];
    for (module, kinds) in MODULES {
        match ctx.as_ref().map_err(Clone::clone).and_then(module) {
            Ok(found) => out.extend(found),
            Err(e) => out.extend(
                kinds
                    .iter()
                    .map(|k| Entitlement::failed(*k, version, e.to_string())),
            ),
        }
    }
    out
}

/// What every rule module needs: the snapshot, the year's figures, the rules, helpers.
pub(crate) struct Ctx<'a> {
    pub s: &'a FamilySnapshot,
    pub p: &'a LegalParameters,
    pub r: &'a BenefitRules,
    pub d: NaiveDate,
    pub year: &'a YearParameters,
}

pub use super::money::{div_half_up, tenge};

/// The first day of the month `n` months after `d`'s month (or the same day `n` months later,
/// clamped to the month's end).
pub fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(n.max(0) as u32))
        .unwrap_or(d)
}

impl<'a> Ctx<'a> {
    pub fn new(
        s: &'a FamilySnapshot,
        p: &'a LegalParameters,
        r: &'a BenefitRules,
    ) -> Result<Self, BenefitError> {
        let d = s.as_of();
        Ok(Ctx {
            s,
            p,
            r,
            d,
            year: p.on(d)?,
        })
    }

    pub fn reason(&self, kind: BenefitKind, condition: &str, met: bool, detail: String) -> Reason {
        Reason {
            condition: condition.into(),
            met,
            detail,
            legal_basis: self.r.legal_basis(kind).into(),
            inferred: false,
        }
    }

    pub fn inferred(
        &self,
        kind: BenefitKind,
        condition: &str,
        met: bool,
        detail: String,
    ) -> Reason {
        Reason {
            inferred: true,
            condition: format!("{condition} [Inf]"),
            ..self.reason(kind, condition, met, detail)
        }
    }

    /// `coef × base`, rounded half up.
    pub fn times(&self, base: i64, c: Coef) -> i64 {
        div_half_up(base as i128 * c.0 as i128, 10_000)
    }

    pub fn recipient(&self, m: &MemberSnapshot) -> Recipient {
        let iban = m
            .facts
            .bank_accounts
            .iter()
            .find(|a| a.opened_on <= self.d && a.closed_on.is_none_or(|c| c > self.d))
            .map(|a| a.iban.clone());
        Recipient {
            iin: m.iin().clone(),
            iban,
        }
    }

    /// Residence condition on the recipient's citizenship.
    pub fn citizenship_reason(&self, kind: BenefitKind, m: &MemberSnapshot) -> Reason {
        let c = m.facts.person.citizenship;
        let code = serde_json::to_value(c)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let ok = self.r.eligible_citizenship.contains(&code);
        self.reason(
            kind,
            "citizen, kandas or permanently resident",
            ok,
            format!("{}: {code}", m.iin()),
        )
    }

    /// The member who receives family benefits: the head (the mother in a couple).
    pub fn head(&self) -> &'a MemberSnapshot {
        self.s.head()
    }

    /// Members with a child role in birth order (oldest first).
    pub fn children_by_age(&self) -> Vec<&'a MemberSnapshot> {
        let mut c: Vec<&MemberSnapshot> = self.s.children().collect();
        c.sort_by_key(|m| (m.facts.person.birth_date, m.iin().clone()));
        c
    }

    /// Birth order (1-based) of a child among every live-born child of the mother on the birth
    /// acts — adult children and children no longer in the family included — with the count in
    /// words. Without a birth act naming the mother (a ward, an adopted child) the order among the
    /// family's children is used [Inf].
    pub fn birth_order(&self, child: &MemberSnapshot) -> (usize, String) {
        if let Some(mother) = self.s.birth_mother(child.iin()) {
            let births = self.s.births_of(mother);
            if let Some(i) = births.iter().position(|b| &b.child == child.iin()) {
                let dates: Vec<String> = births.iter().map(|b| b.born.to_string()).collect();
                return (
                    i + 1,
                    format!(
                        "child no. {} of {} live birth(s) of the mother {mother} on the birth acts ({})",
                        i + 1,
                        births.len(),
                        dates.join(", ")
                    ),
                );
            }
        }
        let order = self
            .children_by_age()
            .iter()
            .position(|c| c.iin() == child.iin())
            .map(|i| i + 1)
            .unwrap_or(1);
        (
            order,
            format!(
                "child no. {order} among the family's children (no birth act naming the mother) [Inf]"
            ),
        )
    }

    /// Sum of monthly insured income (each month capped at `cap_mzp` × that year's МЗП) over
    /// `months` months ending with `last`, and the number of months with contributions.
    pub fn insured_income(
        &self,
        m: &MemberSnapshot,
        last: YearMonth,
        months: u32,
        cap_mzp: i64,
    ) -> Result<(i64, u32, String), BenefitError> {
        let first = last.minus(months as i32 - 1);
        let mut sum = 0i64;
        let mut n = 0u32;
        for c in m
            .facts
            .contributions
            .iter()
            .filter(|c| c.month >= first && c.month <= last)
        {
            let cap = cap_mzp * self.p.for_year(c.month.year)?.mzp;
            sum += c.insured_income_kzt.min(cap);
            n += 1;
        }
        Ok((
            sum,
            n,
            format!(
                "{}: insured income {first}..{last}: {} in {n} month(s) with contributions (each month capped at {cap_mzp} МЗП)",
                m.iin(),
                tenge(sum)
            ),
        ))
    }

    /// Whether the registry shows `benefit` already being paid to `iin` on the date.
    pub fn already_paid(&self, iin: &Iin, kind: BenefitKind) -> Option<String> {
        self.s
            .members
            .iter()
            .filter(|m| m.iin() == iin)
            .flat_map(|m| m.facts.benefits.iter())
            .find(|b| b.benefit == kind.code() && covers(Some(b.from), b.to, self.d))
            .map(|b| format!("already paid since {}: {}", b.from, tenge(b.amount_kzt)))
    }

    pub fn pension_age(&self, m: &MemberSnapshot) -> i32 {
        self.pension_age_of(&m.facts)
    }

    pub fn pension_age_of(&self, f: &PersonFacts) -> i32 {
        match f.person.sex {
            super::ids::Sex::Male => self.p.pension_age.men,
            super::ids::Sex::Female => self.p.pension_age.women,
        }
    }

    /// Able-bodied: aged 18 to pension age, without disability of group 1–2.
    pub fn able_bodied(&self, f: &PersonFacts) -> bool {
        let age = f.person.age_on(self.d);
        let severe = f
            .disabilities
            .iter()
            .any(|x| covers(Some(x.from), x.to, self.d) && matches!(x.group, Some(1 | 2)));
        age >= 18 && age < self.pension_age_of(f) && !severe
    }

    /// Builds an entitlement with the common fields.
    #[allow(clippy::too_many_arguments)]
    pub fn entitlement(
        &self,
        benefit: BenefitKind,
        reasons: Vec<Reason>,
        amount_kzt: Option<i64>,
        payment: Payment,
        period: Option<Period>,
        recipient: Option<Recipient>,
        subject_iin: Option<Iin>,
    ) -> Entitlement {
        let eligible = reasons.iter().all(|r| r.met);
        let already_paid = recipient
            .as_ref()
            .and_then(|r| self.already_paid(&r.iin, benefit))
            .is_some();
        let mut reasons = reasons;
        if let Some(paid) = recipient
            .as_ref()
            .and_then(|r| self.already_paid(&r.iin, benefit))
        {
            reasons.push(Reason {
                condition: "not yet being paid (otherwise no new offer)".into(),
                met: true,
                detail: paid,
                legal_basis: self.r.legal_basis(benefit).into(),
                inferred: false,
            });
        }
        Entitlement {
            benefit,
            eligible,
            amount_kzt: if eligible { amount_kzt } else { None },
            payment,
            period,
            recipient,
            subject_iin,
            already_paid,
            reasons,
            rules_version: self.r.version.clone(),
            error: None,
            assumed: None,
        }
    }
}

#[cfg(test)]
mod tests;
