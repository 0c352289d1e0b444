//! Registry facts: what state registries tell us about a person, as plain data.
//!
//! These are the records of the ingest format (`fixtures/README.md`) after parsing, and the
//! facts a [`crate::domain::snapshot::FamilySnapshot`] carries. Every fact with a validity period
//! has `from` and an optional `to` (exclusive end; `None` means still valid), so rules can ask
//! "as of date D" without the store knowing about dates.

use super::ids::{Bin, Iban, Iin, Sex};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }
    pub fn of(d: NaiveDate) -> Self {
        YearMonth {
            year: d.year(),
            month: d.month(),
        }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
    /// The month `n` months before this one (n may be negative for later months).
    pub fn minus(self, n: i32) -> Self {
        let idx = self.year * 12 + self.month as i32 - 1 - n;
        YearMonth {
            year: idx.div_euclid(12),
            month: (idx.rem_euclid(12) + 1) as u32,
        }
    }
    /// Quarter 1-4.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }
}

impl TryFrom<String> for YearMonth {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let (y, m) = s
            .split_once('-')
            .ok_or_else(|| format!("month must be YYYY-MM, got {s:?}"))?;
        let year: i32 = y.parse().map_err(|_| format!("bad year in {s:?}"))?;
        let month: u32 = m.parse().map_err(|_| format!("bad month in {s:?}"))?;
        // Digits only: `i32::from_str` would also take "+999" or "-001".
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || m.len() != 2 || !digits(y) || !digits(m) {
            return Err(format!("month must be YYYY-MM, got {s:?}"));
        }
        YearMonth::new(year, month).ok_or_else(|| format!("month out of range in {s:?}"))
    }
}
impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}
impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Whether a `[from, to)` period covers `d`.
pub fn covers(from: Option<NaiveDate>, to: Option<NaiveDate>, d: NaiveDate) -> bool {
    from.is_none_or(|f| f <= d) && to.is_none_or(|t| d < t)
}

/// Whole years between `birth` and `on` (age on a date).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Citizenship {
    /// Citizen of Kazakhstan.
    Citizen,
    /// Ethnic-Kazakh repatriate with kandas status.
    Kandas,
    /// Foreigner with a residence permit (permanently resident).
    ResidentForeigner,
    Refugee,
    Stateless,
    /// Foreigner without permanent residence.
    Foreigner,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub iin: Iin,
    pub surname: String,
    pub first_name: String,
    #[serde(default)]
    pub patronymic: Option<String>,
    /// Taken from the IIN when absent; when present it must agree with the IIN.
    pub birth_date: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub death_date: Option<NaiveDate>,
    pub citizenship: Citizenship,
    /// Mobile number in E.164 form (+7…), for proactive SMS.
    #[serde(default)]
    pub phone: Option<String>,
}

impl Person {
    pub fn full_name(&self) -> String {
        match &self.patronymic {
            Some(p) => format!("{} {} {}", self.surname, self.first_name, p),
            None => format!("{} {}", self.surname, self.first_name),
        }
    }
    pub fn alive_on(&self, d: NaiveDate) -> bool {
        self.death_date.is_none_or(|dd| d < dd) && self.birth_date <= d
    }
    pub fn age_on(&self, d: NaiveDate) -> i32 {
        age_on(self.birth_date, d)
    }
}

/// Settlement type as the methodology scores it (DOMAIN §1.3, direction 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementType {
    /// Astana, Almaty, Shymkent (capital or city of republican significance).
    RepublicanCity,
    OblastCity,
    DistrictTown,
    RuralOkrug,
    RuralSettlement,
}

/// A dwelling (the finest stable address grain: a flat or a house).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dwelling {
    pub address_id: String,
    /// Region code: oblast or city of republican significance (e.g. `ASTANA`, `AKTOBE`).
    pub region: String,
    pub settlement: String,
    pub settlement_type: SettlementType,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub house: Option<String>,
    #[serde(default)]
    pub flat: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    Permanent,
    Temporary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub iin: Iin,
    pub address_id: String,
    pub kind: RegistrationKind,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// A registered marriage; `dissolved_on` is the divorce date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marriage {
    pub marriage_id: String,
    pub spouse_a: Iin,
    pub spouse_b: Iin,
    pub registered_on: NaiveDate,
    #[serde(default)]
    pub dissolved_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentKind {
    /// From the birth act.
    Birth,
    /// From a court adoption decision.
    Adoption,
}

/// Parent → child from the civil registry (birth act or adoption decision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentLink {
    pub parent_iin: Iin,
    pub child_iin: Iin,
    pub kind: ParentKind,
    /// Birth date for birth links; the court decision date for adoptions.
    #[serde(default)]
    pub since: Option<NaiveDate>,
    /// Set when parental rights ended (renounced, deprived, adoption by others).
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

/// Guardianship or trusteeship (опека/попечительство) with its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guardianship {
    pub guardian_iin: Iin,
    pub ward_iin: Iin,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealEstate {
    pub property_id: String,
    pub owner_iin: Iin,
    #[serde(default)]
    pub address_id: Option<String>,
    pub area_m2: f64,
    #[serde(default)]
    pub commercial: bool,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    Passenger,
    /// Buses, trucks and other commercial transport.
    Commercial,
    /// Agricultural machinery (tractor, combine, …): `machinery_type` names the type.
    Agricultural,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub vehicle_id: String,
    pub owner_iin: Iin,
    pub kind: VehicleKind,
    #[serde(default)]
    pub machinery_type: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandPlot {
    pub cadastral_number: String,
    pub owner_iin: Iin,
    pub area_ha: f64,
    #[serde(default)]
    pub purpose: Option<String>,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// Personal subsidiary farm (ЛПХ): livestock and poultry, valued in tenge as of a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Farm {
    pub farm_id: String,
    pub owner_iin: Iin,
    pub year: i32,
    pub value_kzt: i64,
    #[serde(default)]
    pub cattle: u32,
    #[serde(default)]
    pub small_stock: u32,
    #[serde(default)]
    pub horses: u32,
    #[serde(default)]
    pub poultry: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeSource {
    Wage,
    Pension,
    /// A state benefit or social payment; `benefit` names it.
    Benefit,
    Business,
    Alimony,
    Scholarship,
    Other,
}

/// Income received in a month (tenge, before tax unless the source says otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Income {
    pub iin: Iin,
    pub month: YearMonth,
    pub source: IncomeSource,
    pub amount_kzt: i64,
    #[serde(default)]
    pub payer_bin: Option<Bin>,
    /// For `source = benefit`: the benefit code (see `domain::benefits`).
    #[serde(default)]
    pub benefit: Option<String>,
}

/// Monthly contributions: mandatory pension contribution (ОПВ) and social contribution (СО,
/// which makes the person a participant of compulsory social insurance for that month).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub iin: Iin,
    pub month: YearMonth,
    /// The income the contribution was computed on.
    pub insured_income_kzt: i64,
    #[serde(default)]
    pub pension_kzt: i64,
    #[serde(default)]
    pub social_kzt: i64,
    #[serde(default)]
    pub payer_bin: Option<Bin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loan {
    pub loan_id: String,
    pub iin: Iin,
    pub lender: String,
    pub amount_kzt: i64,
    pub opened_on: NaiveDate,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// Days past due as of `reported_on`.
    #[serde(default)]
    pub overdue_days: u32,
    #[serde(default)]
    pub overdue_kzt: i64,
    pub reported_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employment {
    pub iin: Iin,
    pub employer_bin: Bin,
    #[serde(default)]
    pub employer_name: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessRole {
    /// Sole proprietor (ИП), registered on the person's IIN.
    SoleProprietor,
    /// Founder of a company (ТОО/АО), identified by its BIN.
    Founder,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Business {
    pub iin: Iin,
    pub role: BusinessRole,
    /// The company's BIN for founders; absent for sole proprietors.
    #[serde(default)]
    pub bin: Option<Bin>,
    pub name: String,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabilityCause {
    GeneralIllness,
    /// Disabled since childhood.
    SinceChildhood,
    WorkInjury,
    Military,
    Other,
}

/// A disability finding. Children under 16 have `group = None` ("child with disability").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disability {
    pub iin: Iin,
    #[serde(default)]
    pub group: Option<u8>,
    pub cause: DisabilityCause,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// Attachment to a primary-care organisation (polyclinic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthAttachment {
    pub iin: Iin,
    pub organisation: String,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// A period of insured status in mandatory health insurance (ОСМС).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthInsurance {
    pub iin: Iin,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiseaseKind {
    /// Socially significant disease (tuberculosis, HIV, oncology, …).
    SociallySignificant,
    /// Chronic disease under dynamic observation.
    ChronicDynamic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiseaseRegistration {
    pub iin: Iin,
    pub kind: DiseaseKind,
    /// ICD-10 code.
    pub icd10: String,
    /// On dispensary registration (диспансерный учёт).
    #[serde(default)]
    pub dispensary: bool,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddictionKind {
    Alcohol,
    Drugs,
    Gambling,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddictionRegistration {
    pub iin: Iin,
    pub kind: AddictionKind,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    Kindergarten,
    School,
    College,
    University,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EducationAttachment {
    pub iin: Iin,
    pub organisation: String,
    pub level: EducationLevel,
    #[serde(default = "default_true")]
    pub full_time: bool,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conviction {
    pub iin: Iin,
    /// Criminal Code article.
    pub article: String,
    pub convicted_on: NaiveDate,
    /// Release from serving the sentence; `None` while serving.
    #[serde(default)]
    pub released_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccount {
    pub iban: Iban,
    pub iin: Iin,
    pub bank: String,
    pub opened_on: NaiveDate,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotherAwardKind {
    AltynAlqa,
    KumisAlqa,
    MotherHeroine,
    MaternalGlory1,
    MaternalGlory2,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MotherAward {
    pub iin: Iin,
    pub award: MotherAwardKind,
    pub awarded_on: NaiveDate,
}

/// A registered pregnancy with maternity leave (from the medical certificate of incapacity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pregnancy {
    pub iin: Iin,
    /// First day of maternity leave.
    pub leave_from: NaiveDate,
    pub expected_birth: NaiveDate,
    /// Complicated or multiple birth: 140 days instead of 126.
    #[serde(default)]
    pub complicated_or_multiple: bool,
}

/// Registration as unemployed (job seeker who got unemployed status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unemployment {
    pub iin: Iin,
    pub registered_on: NaiveDate,
    /// The date the job was lost.
    pub job_lost_on: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// A benefit or social payment the person already receives (assigned by a paying body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenefitReceipt {
    pub iin: Iin,
    /// Benefit code (see `domain::benefits`).
    pub benefit: String,
    pub amount_kzt: i64,
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// Everything the registry holds about one person (the `PersonFacts` a snapshot carries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFacts {
    pub person: Person,
    #[serde(default)]
    pub registrations: Vec<RegistrationAt>,
    #[serde(default)]
    pub real_estate: Vec<RealEstate>,
    #[serde(default)]
    pub vehicles: Vec<Vehicle>,
    #[serde(default)]
    pub land_plots: Vec<LandPlot>,
    #[serde(default)]
    pub farms: Vec<Farm>,
    #[serde(default)]
    pub incomes: Vec<Income>,
    #[serde(default)]
    pub contributions: Vec<Contribution>,
    #[serde(default)]
    pub loans: Vec<Loan>,
    #[serde(default)]
    pub employments: Vec<Employment>,
    #[serde(default)]
    pub businesses: Vec<Business>,
    #[serde(default)]
    pub disabilities: Vec<Disability>,
    #[serde(default)]
    pub health_attachments: Vec<HealthAttachment>,
    #[serde(default)]
    pub health_insurance: Vec<HealthInsurance>,
    #[serde(default)]
    pub diseases: Vec<DiseaseRegistration>,
    #[serde(default)]
    pub addictions: Vec<AddictionRegistration>,
    #[serde(default)]
    pub education: Vec<EducationAttachment>,
    #[serde(default)]
    pub convictions: Vec<Conviction>,
    #[serde(default)]
    pub bank_accounts: Vec<BankAccount>,
    #[serde(default)]
    pub awards: Vec<MotherAward>,
    #[serde(default)]
    pub pregnancies: Vec<Pregnancy>,
    #[serde(default)]
    pub unemployment: Vec<Unemployment>,
    #[serde(default)]
    pub benefits: Vec<BenefitReceipt>,
}

/// A registration together with the dwelling it points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationAt {
    pub registration: Registration,
    pub dwelling: Dwelling,
}

impl PersonFacts {
    pub fn new(person: Person) -> Self {
        PersonFacts {
            person,
            registrations: vec![],
            real_estate: vec![],
            vehicles: vec![],
            land_plots: vec![],
            farms: vec![],
            incomes: vec![],
            contributions: vec![],
            loans: vec![],
            employments: vec![],
            businesses: vec![],
            disabilities: vec![],
            health_attachments: vec![],
            health_insurance: vec![],
            diseases: vec![],
            addictions: vec![],
            education: vec![],
            convictions: vec![],
            bank_accounts: vec![],
            awards: vec![],
            pregnancies: vec![],
            unemployment: vec![],
            benefits: vec![],
        }
    }

    /// The registration in force on `d`, permanent preferred over temporary.
    pub fn registration_on(&self, d: NaiveDate) -> Option<&RegistrationAt> {
        let mut active: Vec<&RegistrationAt> = self
            .registrations
            .iter()
            .filter(|r| covers(Some(r.registration.from), r.registration.to, d))
            .collect();
        active.sort_by_key(|r| {
            (
                r.registration.kind != RegistrationKind::Permanent,
                std::cmp::Reverse(r.registration.from),
            )
        });
        active.first().copied()
    }

    /// Full-time education attachment in force on `d`, if any.
    pub fn full_time_study_on(&self, d: NaiveDate) -> Option<&EducationAttachment> {
        self.education
            .iter()
            .find(|e| e.full_time && covers(Some(e.from), e.to, d))
    }

    /// Disability in force on `d`, if any.
    pub fn disability_on(&self, d: NaiveDate) -> Option<&Disability> {
        self.disabilities
            .iter()
            .find(|x| covers(Some(x.from), x.to, d))
    }

    /// Employed (an employment in force) or running a business on `d`.
    pub fn working_on(&self, d: NaiveDate) -> bool {
        self.employments
            .iter()
            .any(|e| covers(Some(e.from), e.to, d))
            || self
                .businesses
                .iter()
                .any(|b| covers(Some(b.from), b.to, d))
    }

    /// Open bank accounts on `d`, newest first.
    pub fn accounts_on(&self, d: NaiveDate) -> Vec<&BankAccount> {
        let mut v: Vec<&BankAccount> = self
            .bank_accounts
            .iter()
            .filter(|a| covers(Some(a.opened_on), a.closed_on, d))
            .collect();
        v.sort_by_key(|a| std::cmp::Reverse(a.opened_on));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_parses_and_steps() {
        let m: YearMonth = serde_json::from_str("\"2025-03\"").unwrap();
        assert_eq!(m, YearMonth::new(2025, 3).unwrap());
        assert_eq!(m.minus(3).to_string(), "2024-12");
        assert_eq!(m.minus(-10).to_string(), "2026-01");
        assert_eq!(m.quarter(), 1);
        assert!(serde_json::from_str::<YearMonth>("\"2025-13\"").is_err());
        assert!(serde_json::from_str::<YearMonth>("\"2025-3\"").is_err());
        for bad in [
            "+999-03",
            "-001-03",
            "2025-+3",
            "2025-03-01",
            "２０２５-03",
            "2025-0٣",
        ] {
            assert!(YearMonth::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn age_counts_birthdays() {
        let b = NaiveDate::from_ymd_opt(2008, 3, 1).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()), 17);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()), 18);
    }

    #[test]
    fn periods_are_half_open() {
        let f = NaiveDate::from_ymd_opt(2024, 1, 1);
        let t = NaiveDate::from_ymd_opt(2025, 1, 1);
        assert!(covers(f, t, f.unwrap()));
        assert!(!covers(f, t, t.unwrap()));
        assert!(covers(f, None, t.unwrap()));
    }
}
