//! A deterministic, country-shaped synthetic registry in the ingest format (`fixtures/README.md`):
//! `family-card generate --persons N --seed S --out DIR`.
//!
//! Households are generated one at a time and written as they are made (constant memory apart from
//! a per-birth-date serial counter): a dwelling in a region weighted by population with the
//! region's urban share; a married couple with 0–6 children, a single parent, a single adult or
//! elderly pensioners; some divorces and remarriages, deaths, guardianships, adoptions; monthly
//! wages (log-normal-ish) with pension and social contributions for 12 months, pensions for the
//! elderly, vehicles, dwellings owned, loans with some arrears, disabilities (~3.5 %), students and
//! pupils attached to schools and universities, polyclinic attachment, bank accounts and phones.
//! The same seed gives byte-identical output.
//!
//! After the households, the investigators' fraud patterns are planted (`plant`): for every
//! signal of `rules/signals/` a known number of small families that must hit and as many
//! look-alikes that must not, listed in `planted.tsv` (pattern, expectation, the IIN to ask
//! about) so a run on N persons can be checked for recall and false positives. Planting comes
//! after every household, so the households of a seed are the same with or without it.

use crate::domain::ids::{iin_check_digit, make_iin, Bin, Iban, Iin, Sex};
use crate::domain::registry::*;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub persons: u64,
    pub seed: u64,
    /// The registry's "today": ages, income months and periods are relative to it.
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GenerateSummary {
    pub persons: u64,
    pub households: u64,
    /// Records written per file.
    pub records: std::collections::BTreeMap<String, u64>,
    /// Planted fraud patterns: `pattern/hit` and `pattern/look_alike` → families.
    pub planted: std::collections::BTreeMap<String, u64>,
}

impl GenerateSummary {
    pub fn total_records(&self) -> u64 {
        self.records.values().sum()
    }
}

/// splitmix64: small, fast, good enough for synthetic data, and fully deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    /// Index by weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
    /// Approximately normal (sum of uniforms).
    fn normal(&mut self) -> f64 {
        (0..6).map(|_| self.f()).sum::<f64>() - 3.0
    }
}

/// Region code, population (thousands, approx. 2024), urban share, main settlement.
const REGIONS: &[(&str, f64, f64, &str)] = &[
    ("ALMATY_CITY", 2260.0, 1.0, "Алматы"),
    ("ASTANA", 1420.0, 1.0, "Астана"),
    ("SHYMKENT", 1230.0, 1.0, "Шымкент"),
    ("TURKESTAN", 2110.0, 0.2, "Туркестан"),
    ("ALMATY", 1520.0, 0.25, "Қонаев"),
    ("ZHETISU", 700.0, 0.4, "Талдықорған"),
    ("KARAGANDA", 1130.0, 0.8, "Караганда"),
    ("ULYTAU", 220.0, 0.8, "Жезказган"),
    ("EAST_KAZAKHSTAN", 730.0, 0.65, "Усть-Каменогорск"),
    ("ABAI", 610.0, 0.5, "Семей"),
    ("ZHAMBYL", 1220.0, 0.4, "Тараз"),
    ("AKTOBE", 930.0, 0.65, "Актобе"),
    ("ATYRAU", 690.0, 0.55, "Атырау"),
    ("MANGYSTAU", 770.0, 0.45, "Актау"),
    ("WEST_KAZAKHSTAN", 690.0, 0.5, "Уральск"),
    ("KOSTANAY", 830.0, 0.55, "Костанай"),
    ("PAVLODAR", 750.0, 0.7, "Павлодар"),
    ("NORTH_KAZAKHSTAN", 530.0, 0.45, "Петропавловск"),
    ("AKMOLA", 790.0, 0.5, "Кокшетау"),
    ("KYZYLORDA", 830.0, 0.45, "Кызылорда"),
];

const SURNAMES: &[(&str, &str)] = &[
    ("Ахметов", "Ахметова"),
    ("Сапаров", "Сапарова"),
    ("Жумабаев", "Жумабаева"),
    ("Нурланов", "Нурланова"),
    ("Искаков", "Искакова"),
    ("Касымов", "Касымова"),
    ("Бекенов", "Бекенова"),
    ("Омаров", "Омарова"),
    ("Иванов", "Иванова"),
    ("Ким", "Ким"),
    ("Тулегенов", "Тулегенова"),
    ("Мухамедов", "Мухамедова"),
];
const MALE_NAMES: &[&str] = &[
    "Нурлан",
    "Ерлан",
    "Арман",
    "Данияр",
    "Алихан",
    "Тимур",
    "Руслан",
    "Асет",
    "Санжар",
    "Максим",
];
const FEMALE_NAMES: &[&str] = &[
    "Айгуль",
    "Динара",
    "Жанар",
    "Асель",
    "Алия",
    "Гульнара",
    "Мадина",
    "Камила",
    "Аяулым",
    "Анна",
];
const BANKS: &[(&str, &str)] = &[
    ("601", "Halyk Bank"),
    ("722", "Kaspi Bank"),
    ("998", "Jusan Bank"),
    ("914", "Forte Bank"),
    ("965", "Bank CenterCredit"),
];

const FILES: &[&str] = &[
    "addresses.ndjson",
    "persons.ndjson",
    "registrations.ndjson",
    "marriages.ndjson",
    "parent_links.ndjson",
    "guardianships.ndjson",
    "real_estate.ndjson",
    "vehicles.ndjson",
    "land_plots.ndjson",
    "farms.ndjson",
    "incomes.ndjson",
    "contributions.ndjson",
    "loans.ndjson",
    "employments.ndjson",
    "disabilities.ndjson",
    "health_attachments.ndjson",
    "education.ndjson",
    "bank_accounts.ndjson",
    "benefits.ndjson",
    "businesses.ndjson",
];

/// The planted patterns (the signal codes of `domain::signals`), in planting order.
pub const PLANTED_PATTERNS: [&str; 8] = [
    "shared_address_cluster",
    "fictitious_divorce",
    "hidden_earner",
    "dead_recipient",
    "assets_on_relatives",
    "registration_mismatch",
    "double_counting",
    "ring",
];

/// Families planted per pattern (and as many look-alikes): one per 10 000 persons, at least one.
pub fn planted_per_pattern(persons: u64) -> u64 {
    (persons / 10_000).max(1)
}

struct Out {
    files: HashMap<&'static str, BufWriter<File>>,
    summary: GenerateSummary,
    /// `planted.tsv`: pattern, `hit` / `look_alike`, the IIN to ask about.
    planted: BufWriter<File>,
}

impl Out {
    fn write<T: Serialize>(&mut self, file: &'static str, rec: &T) -> std::io::Result<()> {
        let w = self.files.get_mut(file).expect("known file");
        serde_json::to_writer(&mut *w, rec)?;
        w.write_all(b"\n")?;
        *self.summary.records.entry(file.to_string()).or_default() += 1;
        Ok(())
    }

    fn planted(&mut self, pattern: &str, hit: bool, focus: &Iin) -> std::io::Result<()> {
        let expect = if hit { "hit" } else { "look_alike" };
        writeln!(self.planted, "{pattern}\t{expect}\t{}", focus.as_str())?;
        *self
            .summary
            .planted
            .entry(format!("{pattern}/{expect}"))
            .or_default() += 1;
        Ok(())
    }
}

/// Days before the registry's today.
fn ago(as_of: NaiveDate, days: i64) -> NaiveDate {
    as_of - Duration::days(days)
}

struct Gen {
    rng: Rng,
    as_of: NaiveDate,
    /// Next serial per (birth date, sex): IINs stay unique and below the tests' range (7000).
    serials: HashMap<(NaiveDate, Sex), u32>,
    employers: Vec<Bin>,
    ids: u64,
}

/// A person being generated, with what later facts need.
struct P {
    iin: Iin,
    birth: NaiveDate,
    sex: Sex,
}

impl Gen {
    fn id(&mut self, prefix: &str) -> String {
        self.ids += 1;
        format!("{prefix}{:09}", self.ids)
    }

    fn iin(&mut self, birth: NaiveDate, sex: Sex) -> Option<Iin> {
        loop {
            let s = self.serials.entry((birth, sex)).or_insert(1);
            if *s >= 7000 {
                return None;
            }
            let serial = *s;
            *s += 1;
            if let Some(i) = make_iin(birth, sex, serial) {
                return Some(i);
            }
        }
    }

    fn birth_at_age(&mut self, age: i64) -> NaiveDate {
        self.as_of - Duration::days(age * 365 + self.rng.range(0, 364))
    }

    fn person(
        &mut self,
        out: &mut Out,
        age: i64,
        sex: Sex,
        surname: (&str, &str),
        adult: bool,
    ) -> std::io::Result<Option<P>> {
        // Try a few birth dates in case one date's serials run out (only at huge N).
        for _ in 0..8 {
            let birth = self.birth_at_age(age);
            if let Some(iin) = self.iin(birth, sex) {
                let first = match sex {
                    Sex::Male => *self.rng.pick(MALE_NAMES),
                    Sex::Female => *self.rng.pick(FEMALE_NAMES),
                };
                let phone = (adult && self.rng.chance(0.9))
                    .then(|| format!("+77{:09}", self.rng.next() % 1_000_000_000));
                out.write(
                    "persons.ndjson",
                    &serde_json::json!({
                        "iin": iin.as_str(),
                        "surname": if sex == Sex::Male { surname.0 } else { surname.1 },
                        "first_name": first,
                        "citizenship": if self.rng.chance(0.02) { "kandas" } else { "citizen" },
                        "phone": phone,
                    }),
                )?;
                out.summary.persons += 1;
                return Ok(Some(P { iin, birth, sex }));
            }
        }
        Ok(None)
    }

    fn months_back(&self, n: i32) -> Vec<YearMonth> {
        let last = YearMonth::of(self.as_of).minus(1);
        (0..n).rev().map(|k| last.minus(k)).collect()
    }

    /// Employment, 12 months of wages and contributions.
    fn worker(&mut self, out: &mut Out, p: &P, median: f64) -> std::io::Result<()> {
        let employer = self.rng.pick(&self.employers).clone();
        let since = self.as_of - Duration::days(self.rng.range(200, 4000));
        out.write(
            "employments.ndjson",
            &Employment {
                iin: p.iin.clone(),
                employer_bin: employer.clone(),
                employer_name: None,
                position: None,
                from: since.max(p.birth + Duration::days(18 * 366)),
                to: None,
            },
        )?;
        let wage = (median * (0.55 * self.rng.normal()).exp()).clamp(85_000.0, 5_000_000.0) as i64;
        for m in self.months_back(12) {
            out.write(
                "incomes.ndjson",
                &Income {
                    iin: p.iin.clone(),
                    month: m,
                    source: IncomeSource::Wage,
                    amount_kzt: wage,
                    payer_bin: Some(employer.clone()),
                    benefit: None,
                },
            )?;
            out.write(
                "contributions.ndjson",
                &Contribution {
                    iin: p.iin.clone(),
                    month: m,
                    insured_income_kzt: wage.min(85_000 * 7),
                    pension_kzt: wage / 10,
                    social_kzt: (wage - wage / 10).min(85_000 * 7) * 5 / 100,
                    payer_bin: Some(employer.clone()),
                },
            )?;
        }
        Ok(())
    }

    fn pensioner(&mut self, out: &mut Out, p: &P) -> std::io::Result<()> {
        let pension = self.rng.range(70_000, 180_000);
        for m in self.months_back(12) {
            out.write(
                "incomes.ndjson",
                &Income {
                    iin: p.iin.clone(),
                    month: m,
                    source: IncomeSource::Pension,
                    amount_kzt: pension,
                    payer_bin: None,
                    benefit: None,
                },
            )?;
        }
        Ok(())
    }

    fn adult_facts(&mut self, out: &mut Out, p: &P, age: i64, median: f64) -> std::io::Result<()> {
        if age >= 63 || (age >= 61 && p.sex == Sex::Female) {
            self.pensioner(out, p)?;
        } else if self.rng.chance(if p.sex == Sex::Male { 0.72 } else { 0.6 }) {
            self.worker(out, p, median)?;
        }
        if self.rng.chance(0.75) {
            let (code, bank) = *self.rng.pick(BANKS);
            let acct = format!("{:013}", self.rng.next() % 10_000_000_000_000);
            if let Ok(iban) = Iban::from_parts(code, &acct) {
                out.write(
                    "bank_accounts.ndjson",
                    &BankAccount {
                        iban,
                        iin: p.iin.clone(),
                        bank: bank.into(),
                        opened_on: (p.birth + Duration::days(18 * 366))
                            .max(self.as_of - Duration::days(self.rng.range(30, 3000))),
                        closed_on: None,
                    },
                )?;
            }
        }
        if self.rng.chance(0.25) {
            let overdue = self.rng.chance(0.12);
            let amount = self.rng.range(200_000, 8_000_000);
            out.write(
                "loans.ndjson",
                &Loan {
                    loan_id: self.id("L"),
                    iin: p.iin.clone(),
                    lender: self.rng.pick(BANKS).1.into(),
                    amount_kzt: amount,
                    opened_on: (p.birth + Duration::days(18 * 366))
                        .max(self.as_of - Duration::days(self.rng.range(60, 1500))),
                    closed_on: None,
                    overdue_days: if overdue {
                        self.rng.range(1, 400) as u32
                    } else {
                        0
                    },
                    overdue_kzt: if overdue { amount / 20 } else { 0 },
                    reported_on: self.as_of - Duration::days(self.rng.range(1, 30)),
                },
            )?;
        }
        if self.rng.chance(0.3) {
            let kind = if self.rng.chance(0.9) {
                VehicleKind::Passenger
            } else {
                VehicleKind::Commercial
            };
            out.write(
                "vehicles.ndjson",
                &Vehicle {
                    vehicle_id: self.id("V"),
                    owner_iin: p.iin.clone(),
                    kind,
                    machinery_type: None,
                    model: None,
                    from: (p.birth + Duration::days(18 * 366))
                        .max(self.as_of - Duration::days(self.rng.range(30, 5000))),
                    to: None,
                },
            )?;
        }
        Ok(())
    }

    fn common_facts(
        &mut self,
        out: &mut Out,
        p: &P,
        age: i64,
        clinic: &str,
    ) -> std::io::Result<()> {
        out.write(
            "health_attachments.ndjson",
            &HealthAttachment {
                iin: p.iin.clone(),
                organisation: clinic.into(),
                from: p
                    .birth
                    .max(self.as_of - Duration::days(self.rng.range(30, 3000))),
                to: None,
            },
        )?;
        if self.rng.chance(if age < 18 { 0.012 } else { 0.04 }) {
            out.write(
                "disabilities.ndjson",
                &Disability {
                    iin: p.iin.clone(),
                    group: if age < 16 {
                        None
                    } else {
                        Some(self.rng.range(1, 3) as u8)
                    },
                    cause: if age < 18 || self.rng.chance(0.2) {
                        DisabilityCause::SinceChildhood
                    } else {
                        DisabilityCause::GeneralIllness
                    },
                    from: p
                        .birth
                        .max(self.as_of - Duration::days(self.rng.range(30, 3000))),
                    to: None,
                },
            )?;
        }
        let level = match age {
            1..=5 => Some((EducationLevel::Kindergarten, 0.7)),
            6..=17 => Some((EducationLevel::School, 0.99)),
            18..=22 => Some((EducationLevel::University, 0.45)),
            _ => None,
        };
        if let Some((level, p_enrolled)) = level {
            if self.rng.chance(p_enrolled) {
                let from = NaiveDate::from_ymd_opt(self.as_of.year() - 1, 9, 1)
                    .expect("valid")
                    .max(p.birth + Duration::days(365));
                out.write(
                    "education.ndjson",
                    &EducationAttachment {
                        iin: p.iin.clone(),
                        organisation: format!("{level:?}-{}", self.rng.range(1, 400)),
                        level,
                        full_time: level != EducationLevel::University || self.rng.chance(0.85),
                        from,
                        to: None,
                    },
                )?;
            }
        }
        Ok(())
    }

    fn register(
        &mut self,
        out: &mut Out,
        p: &P,
        address: &str,
        since: NaiveDate,
    ) -> std::io::Result<()> {
        out.write(
            "registrations.ndjson",
            &Registration {
                iin: p.iin.clone(),
                address_id: address.into(),
                kind: RegistrationKind::Permanent,
                from: since.max(p.birth),
                to: None,
            },
        )
    }

    fn household(&mut self, out: &mut Out) -> std::io::Result<()> {
        let r = self
            .rng
            .weighted(&REGIONS.iter().map(|r| r.1).collect::<Vec<_>>());
        let (region, _, urban, city) = REGIONS[r];
        let is_urban = self.rng.chance(urban);
        let settlement_type = match (is_urban, region) {
            (true, "ALMATY_CITY" | "ASTANA" | "SHYMKENT") => SettlementType::RepublicanCity,
            (true, _) => {
                if self.rng.chance(0.7) {
                    SettlementType::OblastCity
                } else {
                    SettlementType::DistrictTown
                }
            }
            (false, _) => {
                if self.rng.chance(0.5) {
                    SettlementType::RuralOkrug
                } else {
                    SettlementType::RuralSettlement
                }
            }
        };
        let median = if is_urban { 330_000.0 } else { 210_000.0 };
        let address = self.id("G");
        out.write(
            "addresses.ndjson",
            &Dwelling {
                address_id: address.clone(),
                region: region.into(),
                settlement: if is_urban {
                    city.into()
                } else {
                    format!("село {}", self.rng.range(1, 900))
                },
                settlement_type,
                street: Some(format!("улица {}", self.rng.range(1, 300))),
                house: Some(self.rng.range(1, 200).to_string()),
                flat: is_urban.then(|| self.rng.range(1, 150).to_string()),
            },
        )?;
        out.summary.households += 1;
        let clinic = format!("Поликлиника {region} №{}", self.rng.range(1, 40));
        let surname = *self.rng.pick(SURNAMES);
        let kind = self.rng.weighted(&[0.55, 0.1, 0.15, 0.12, 0.08]);
        let mut adults: Vec<(P, i64)> = vec![];
        match kind {
            // A married couple (with children below), or a couple without children (4).
            0 | 4 => {
                let wife_age = self.rng.range(21, 55);
                let husband_age = (wife_age + self.rng.range(-2, 6)).max(20);
                if let (Some(w), Some(h)) = (
                    self.person(out, wife_age, Sex::Female, surname, true)?,
                    self.person(out, husband_age, Sex::Male, surname, true)?,
                ) {
                    let married = (w.birth.max(h.birth) + Duration::days(20 * 366))
                        .min(self.as_of - Duration::days(30));
                    let divorced = self.rng.chance(0.08);
                    out.write(
                        "marriages.ndjson",
                        &Marriage {
                            marriage_id: self.id("M"),
                            spouse_a: h.iin.clone(),
                            spouse_b: w.iin.clone(),
                            registered_on: married,
                            dissolved_on: (divorced && married < self.as_of - Duration::days(60))
                                .then(|| {
                                    let span = (self.as_of - married).num_days() - 30;
                                    married + Duration::days(self.rng.range(30, span))
                                }),
                        },
                    )?;
                    adults.push((w, wife_age));
                    adults.push((h, husband_age));
                }
            }
            // A single parent, a single adult.
            1 | 2 => {
                let sex = if kind == 1 || self.rng.chance(0.5) {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let age = self.rng.range(20, 60);
                if let Some(p) = self.person(out, age, sex, surname, true)? {
                    adults.push((p, age));
                }
            }
            // Elderly pensioners.
            _ => {
                let age = self.rng.range(63, 88);
                if let Some(w) = self.person(out, age - 2, Sex::Female, surname, true)? {
                    if self.rng.chance(0.55) {
                        if let Some(h) = self.person(out, age, Sex::Male, surname, true)? {
                            out.write(
                                "marriages.ndjson",
                                &Marriage {
                                    marriage_id: self.id("M"),
                                    spouse_a: h.iin.clone(),
                                    spouse_b: w.iin.clone(),
                                    registered_on: w.birth + Duration::days(22 * 366),
                                    dissolved_on: None,
                                },
                            )?;
                            adults.push((h, age));
                        }
                    }
                    adults.push((w, age - 2));
                }
            }
        }
        let since = self.as_of - Duration::days(self.rng.range(100, 7000));
        for (p, age) in &adults {
            self.register(out, p, &address, since)?;
            self.adult_facts(out, p, *age, median)?;
            self.common_facts(out, p, *age, &clinic)?;
        }
        if adults.iter().all(|(_, a)| *a < 60) && self.rng.chance(0.65) {
            out.write(
                "real_estate.ndjson",
                &RealEstate {
                    property_id: self.id("R"),
                    owner_iin: adults[0].0.iin.clone(),
                    address_id: Some(address.clone()),
                    area_m2: self.rng.range(28, 160) as f64,
                    commercial: false,
                    from: (adults[0].0.birth + Duration::days(18 * 366)).max(since),
                    to: None,
                },
            )?;
        }
        if !is_urban && self.rng.chance(0.35) {
            if let Some((owner, _)) = adults.first() {
                let year = self.as_of.year() - 1;
                let farm = Farm {
                    farm_id: self.id("F"),
                    owner_iin: owner.iin.clone(),
                    year,
                    value_kzt: self.rng.range(100_000, 6_000_000),
                    cattle: self.rng.range(0, 12) as u32,
                    small_stock: self.rng.range(0, 40) as u32,
                    horses: self.rng.range(0, 5) as u32,
                    poultry: self.rng.range(0, 30) as u32,
                };
                // The farm's land, sized by the farm's value (no random draw: the rest of the
                // registry stays the same for a seed).
                let land = LandPlot {
                    cadastral_number: format!("LP-{}", &farm.farm_id[1..]),
                    owner_iin: owner.iin.clone(),
                    area_ha: (farm.value_kzt / 100_000) as f64 / 2.0,
                    purpose: Some("сельхозназначение".into()),
                    from: (owner.birth + Duration::days(18 * 366)).max(since),
                    to: None,
                };
                out.write("farms.ndjson", &farm)?;
                out.write("land_plots.ndjson", &land)?;
            }
        }
        // Children of couples and single parents.
        if kind <= 1 && !adults.is_empty() {
            let mother_age = adults[0].1;
            let max_children = ((mother_age - 19).max(0) / 3).min(6);
            let n = if max_children == 0 {
                0
            } else {
                (self
                    .rng
                    .weighted(&[0.15, 0.25, 0.3, 0.17, 0.08, 0.03, 0.02]) as i64)
                    .min(max_children)
            };
            for k in 0..n {
                let age = (mother_age - 20 - k * 3 - self.rng.range(0, 2)).clamp(0, 24);
                let sex = if self.rng.chance(0.51) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let Some(c) = self.person(out, age, sex, surname, age >= 18)? else {
                    continue;
                };
                let adopted = self.rng.chance(0.01);
                for (parent, _) in &adults {
                    out.write(
                        "parent_links.ndjson",
                        &ParentLink {
                            parent_iin: parent.iin.clone(),
                            child_iin: c.iin.clone(),
                            kind: if adopted {
                                ParentKind::Adoption
                            } else {
                                ParentKind::Birth
                            },
                            since: adopted.then(|| c.birth + Duration::days(200)),
                            until: None,
                        },
                    )?;
                }
                self.register(out, &c, &address, c.birth.max(since))?;
                self.common_facts(out, &c, age, &clinic)?;
                if age >= 18 {
                    self.adult_facts(out, &c, age, median * 0.6)?;
                }
            }
            // Now and then a ward under guardianship of the first adult.
            if self.rng.chance(0.004) {
                let age = self.rng.range(2, 16);
                if let Some(w) = self.person(out, age, Sex::Female, surname, false)? {
                    out.write(
                        "guardianships.ndjson",
                        &Guardianship {
                            guardian_iin: adults[0].0.iin.clone(),
                            ward_iin: w.iin.clone(),
                            from: w
                                .birth
                                .max(self.as_of - Duration::days(self.rng.range(30, 1500))),
                            to: None,
                        },
                    )?;
                    self.register(out, &w, &address, w.birth.max(since))?;
                    self.common_facts(out, &w, age, &clinic)?;
                }
            }
        }
        Ok(())
    }

    /// A dwelling of its own in `region` for a planted family.
    fn plant_address(&mut self, out: &mut Out, region: &str) -> std::io::Result<String> {
        let address = self.id("G");
        out.write(
            "addresses.ndjson",
            &Dwelling {
                address_id: address.clone(),
                region: region.into(),
                settlement: format!("город {region}"),
                settlement_type: SettlementType::OblastCity,
                street: Some(format!("улица {}", self.rng.range(1, 300))),
                house: Some(self.rng.range(1, 200).to_string()),
                flat: Some(self.rng.range(1, 150).to_string()),
            },
        )?;
        Ok(address)
    }

    /// A planted person registered at `address` for years (`None` when serials ran out).
    fn plant_person(
        &mut self,
        out: &mut Out,
        age: i64,
        sex: Sex,
        address: &str,
    ) -> std::io::Result<Option<P>> {
        let surname = *self.rng.pick(SURNAMES);
        let Some(p) = self.person(out, age, sex, surname, age >= 18)? else {
            return Ok(None);
        };
        let since = ago(self.as_of, 3000);
        self.register(out, &p, address, since)?;
        Ok(Some(p))
    }

    fn plant_benefit(
        &mut self,
        out: &mut Out,
        p: &P,
        benefit: &str,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> std::io::Result<()> {
        out.write(
            "benefits.ndjson",
            &BenefitReceipt {
                iin: p.iin.clone(),
                benefit: benefit.into(),
                amount_kzt: self.rng.range(20_000, 90_000),
                from,
                to,
            },
        )
    }

    fn plant_marriage(
        &mut self,
        out: &mut Out,
        h: &P,
        w: &P,
        on: NaiveDate,
        off: Option<NaiveDate>,
    ) -> std::io::Result<()> {
        out.write(
            "marriages.ndjson",
            &Marriage {
                marriage_id: self.id("M"),
                spouse_a: h.iin.clone(),
                spouse_b: w.iin.clone(),
                registered_on: on,
                dissolved_on: off,
            },
        )
    }

    fn plant_child(&mut self, out: &mut Out, parents: &[&P], c: &P) -> std::io::Result<()> {
        for p in parents {
            out.write(
                "parent_links.ndjson",
                &ParentLink {
                    parent_iin: p.iin.clone(),
                    child_iin: c.iin.clone(),
                    kind: ParentKind::Birth,
                    since: None,
                    until: None,
                },
            )?;
        }
        Ok(())
    }

    fn plant_account(&mut self, out: &mut Out, holders: &[&P]) -> std::io::Result<()> {
        let (code, bank) = *self.rng.pick(BANKS);
        let n = self.rng.next() % 10_000_000_000_000;
        let iban = Iban::from_parts(code, &format!("{n:013}"))
            .expect("a 13-digit account is a valid IBAN");
        for h in holders {
            out.write(
                "bank_accounts.ndjson",
                &BankAccount {
                    iban: iban.clone(),
                    iin: h.iin.clone(),
                    bank: bank.into(),
                    opened_on: ago(self.as_of, 900),
                    closed_on: None,
                },
            )?;
        }
        Ok(())
    }

    /// One planted family of `pattern`: `hit` the pattern, or its look-alike that must not hit.
    /// Returns `false` when a person could not be made (serials ran out).
    fn plant(&mut self, out: &mut Out, pattern: &str, hit: bool) -> std::io::Result<bool> {
        let d = self.as_of;
        let recent = ago(d, 120);
        macro_rules! person {
            ($age:expr, $sex:expr, $addr:expr) => {
                match self.plant_person(out, $age, $sex, $addr)? {
                    Some(p) => p,
                    None => return Ok(false),
                }
            };
        }
        let focus = match pattern {
            // Unrelated adults at one flat: 5 households (the rule's minimum is 4), or 3.
            "shared_address_cluster" => {
                let a = self.plant_address(out, "TURKESTAN")?;
                let mut first = None;
                for _ in 0..if hit { 5 } else { 3 } {
                    let age = self.rng.range(25, 50);
                    let p = person!(age, Sex::Male, &a);
                    self.plant_benefit(out, &p, "asp", recent, None)?;
                    first.get_or_insert(p);
                }
                first.expect("at least one")
            }
            // Divorced 300 days ago, ASP to the wife 200 days ago; the look-alike's husband
            // moved out on the day of the divorce.
            "fictitious_divorce" => {
                let a = self.plant_address(out, "SHYMKENT")?;
                let w = person!(32, Sex::Female, &a);
                let divorced = ago(d, 300);
                let h = if hit {
                    person!(34, Sex::Male, &a)
                } else {
                    let surname = *self.rng.pick(SURNAMES);
                    let Some(h) = self.person(out, 34, Sex::Male, surname, true)? else {
                        return Ok(false);
                    };
                    let b = self.plant_address(out, "SHYMKENT")?;
                    out.write(
                        "registrations.ndjson",
                        &Registration {
                            iin: h.iin.clone(),
                            address_id: a.clone(),
                            kind: RegistrationKind::Permanent,
                            from: ago(d, 3000),
                            to: Some(divorced),
                        },
                    )?;
                    self.register(out, &h, &b, divorced)?;
                    h
                };
                self.plant_marriage(out, &h, &w, ago(d, 3500), Some(divorced))?;
                self.plant_benefit(out, &w, "asp", ago(d, 200), None)?;
                w
            }
            // ASP to the wife while the husband works (the look-alike's job ended a year ago).
            "hidden_earner" => {
                let a = self.plant_address(out, "ZHAMBYL")?;
                let w = person!(30, Sex::Female, &a);
                let h = person!(33, Sex::Male, &a);
                self.plant_marriage(out, &h, &w, ago(d, 3000), None)?;
                let employer_bin = self.rng.pick(&self.employers).clone();
                out.write(
                    "employments.ndjson",
                    &Employment {
                        iin: h.iin.clone(),
                        employer_bin,
                        employer_name: Some("ТОО «Планта»".into()),
                        position: None,
                        from: ago(d, 1500),
                        to: (!hit).then(|| ago(d, 365)),
                    },
                )?;
                self.plant_benefit(out, &w, "asp", recent, None)?;
                w
            }
            // Died 200 days ago with a receipt still open (the look-alike's ended at death).
            "dead_recipient" => {
                let a = self.plant_address(out, "AKMOLA")?;
                let birth = self.birth_at_age(70);
                let Some(iin) = self.iin(birth, Sex::Male) else {
                    return Ok(false);
                };
                let died = ago(d, 200);
                out.write(
                    "persons.ndjson",
                    &serde_json::json!({
                        "iin": iin.as_str(), "surname": "Плантов", "first_name": "Ерлан",
                        "citizenship": "citizen", "death_date": died,
                    }),
                )?;
                out.summary.persons += 1;
                let p = P {
                    iin,
                    birth,
                    sex: Sex::Male,
                };
                self.register(out, &p, &a, ago(d, 3000))?;
                self.plant_benefit(out, &p, "disability", ago(d, 2000), (!hit).then_some(died))?;
                p
            }
            // An ASP family without assets; the husband's father owns a car (the look-alike's
            // was sold two years ago).
            "assets_on_relatives" => {
                let a = self.plant_address(out, "TURKESTAN")?;
                let b = self.plant_address(out, "TURKESTAN")?;
                let w = person!(30, Sex::Female, &a);
                let h = person!(32, Sex::Male, &a);
                let c = person!(7, Sex::Male, &a);
                let gf = person!(60, Sex::Male, &b);
                self.plant_marriage(out, &h, &w, ago(d, 3000), None)?;
                self.plant_child(out, &[&h, &w], &c)?;
                self.plant_child(out, &[&gf], &h)?;
                let vehicle_id = self.id("V");
                out.write(
                    "vehicles.ndjson",
                    &Vehicle {
                        vehicle_id,
                        owner_iin: gf.iin.clone(),
                        kind: VehicleKind::Passenger,
                        machinery_type: None,
                        model: Some("Toyota Land Cruiser".into()),
                        from: ago(d, 1500),
                        to: (!hit).then(|| ago(d, 730)),
                    },
                )?;
                self.plant_benefit(out, &w, "asp", recent, None)?;
                w
            }
            // An Almaty large family whose children go to school in a Turkestan village (the
            // look-alike's to an Almaty school).
            "registration_mismatch" => {
                let a = self.plant_address(out, "ALMATY_CITY")?;
                let w = person!(36, Sex::Female, &a);
                let h = person!(38, Sex::Male, &a);
                self.plant_marriage(out, &h, &w, ago(d, 6000), None)?;
                let school = if hit {
                    "Сельская школа аула Шаян"
                } else {
                    "Школа №50 Алматы"
                };
                for age in [8, 11, 14, 16] {
                    let c = person!(age, Sex::Female, &a);
                    self.plant_child(out, &[&h, &w], &c)?;
                    out.write(
                        "education.ndjson",
                        &EducationAttachment {
                            iin: c.iin.clone(),
                            organisation: school.into(),
                            level: EducationLevel::School,
                            full_time: true,
                            from: ago(d, 280),
                            to: None,
                        },
                    )?;
                }
                self.plant_benefit(out, &w, "large_family", ago(d, 400), None)?;
                w
            }
            // A child of parents divorced years ago, both households on ASP (the look-alike's
            // father claims nothing).
            "double_counting" => {
                let a = self.plant_address(out, "SHYMKENT")?;
                let b = self.plant_address(out, "SHYMKENT")?;
                let m = person!(34, Sex::Female, &a);
                let f = person!(36, Sex::Male, &b);
                let c = person!(9, Sex::Male, &a);
                self.plant_marriage(out, &f, &m, ago(d, 4000), Some(ago(d, 2000)))?;
                self.plant_child(out, &[&f, &m], &c)?;
                self.plant_benefit(out, &m, "asp", recent, None)?;
                if hit {
                    self.plant_benefit(out, &f, "asp", recent, None)?;
                }
                m
            }
            // Single mothers on ASP chained by shared accounts: 3 families (the look-alike: 2).
            "ring" => {
                let mut mothers: Vec<P> = vec![];
                for _ in 0..if hit { 3 } else { 2 } {
                    let a = self.plant_address(out, "ZHAMBYL")?;
                    let m = person!(31, Sex::Female, &a);
                    let c = person!(6, Sex::Female, &a);
                    self.plant_child(out, &[&m], &c)?;
                    self.plant_benefit(out, &m, "asp", recent, None)?;
                    mothers.push(m);
                }
                for w in mothers.windows(2) {
                    self.plant_account(out, &[&w[0], &w[1]])?;
                }
                mothers.swap_remove(0)
            }
            _ => unreachable!("unknown pattern {pattern}"),
        };
        out.planted(pattern, hit, &focus.iin)?;
        Ok(true)
    }
}

/// Writes the synthetic registry into `dir` (created if missing; existing files overwritten).
pub fn generate(opts: &GenerateOptions, dir: &Path) -> std::io::Result<GenerateSummary> {
    std::fs::create_dir_all(dir)?;
    let mut files = HashMap::new();
    for f in FILES {
        files.insert(
            *f,
            BufWriter::with_capacity(1 << 20, File::create(dir.join(f))?),
        );
    }
    let mut out = Out {
        files,
        summary: GenerateSummary::default(),
        planted: BufWriter::new(File::create(dir.join("planted.tsv"))?),
    };
    let mut rng = Rng(opts.seed ^ 0x5DEE_CE66_D1CE_F00D);
    // Employers: BINs registered 2000–2020 (YYMM + type 4 + 0 + serial + check digit).
    let mut employers = vec![];
    while employers.len() < 3_000 {
        let s = format!(
            "{:02}{:02}40{:05}",
            rng.range(0, 20),
            rng.range(1, 12),
            rng.range(0, 99_999)
        );
        let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        let d: [u8; 11] = d.try_into().expect("11 digits");
        if let Some(k) = iin_check_digit(&d) {
            if let Ok(b) = Bin::parse(&format!("{s}{k}")) {
                employers.push(b);
            }
        }
    }
    let mut g = Gen {
        rng,
        as_of: opts.as_of,
        serials: HashMap::new(),
        employers,
        ids: 0,
    };
    while out.summary.persons < opts.persons {
        g.household(&mut out)?;
    }
    writeln!(out.planted, "pattern\texpect\tiin")?;
    for _ in 0..planted_per_pattern(opts.persons) {
        for pattern in PLANTED_PATTERNS {
            for hit in [true, false] {
                g.plant(&mut out, pattern, hit)?;
            }
        }
    }
    for w in out.files.values_mut() {
        w.flush()?;
    }
    out.planted.flush()?;
    Ok(out.summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn opts(n: u64, seed: u64) -> GenerateOptions {
        GenerateOptions {
            persons: n,
            seed,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 15).unwrap(),
        }
    }

    fn read_all(dir: &Path) -> Vec<(String, String)> {
        let mut v = vec![];
        for f in FILES {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            v.push((f.to_string(), text));
        }
        v
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate(&opts(500, 7), a.path()).unwrap();
        generate(&opts(500, 7), b.path()).unwrap();
        generate(&opts(500, 8), c.path()).unwrap();
        assert_eq!(read_all(a.path()), read_all(b.path()));
        assert_ne!(read_all(a.path()), read_all(c.path()));
    }

    #[test]
    fn every_record_passes_the_ingest_validators_and_references_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&opts(3_000, 1), dir.path()).unwrap();
        assert!(s.persons >= 3_000);
        let mut iins = HashSet::new();
        let mut addresses = HashSet::new();
        for (file, text) in read_all(dir.path()) {
            for (i, line) in text.lines().enumerate() {
                let r = crate::ingest::validate_record(&file, line).expect("known file");
                assert!(r.is_ok(), "{file}:{} {:?}: {line}", i + 1, r);
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                match file.as_str() {
                    "persons.ndjson" => {
                        assert!(
                            iins.insert(v["iin"].as_str().unwrap().to_string()),
                            "duplicate IIN"
                        );
                    }
                    "addresses.ndjson" => {
                        addresses.insert(v["address_id"].as_str().unwrap().to_string());
                    }
                    _ => {}
                }
            }
        }
        // Every reference points at a generated person or address.
        for (file, text) in read_all(dir.path()) {
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                for k in [
                    "iin",
                    "owner_iin",
                    "parent_iin",
                    "child_iin",
                    "spouse_a",
                    "spouse_b",
                    "guardian_iin",
                    "ward_iin",
                ] {
                    if file != "persons.ndjson" {
                        if let Some(x) = v[k].as_str() {
                            assert!(iins.contains(x), "{file}: {k} {x} unknown");
                        }
                    }
                }
                if file == "registrations.ndjson" {
                    assert!(addresses.contains(v["address_id"].as_str().unwrap()));
                }
            }
        }
        // Country-shaped enough: children, pensioners, workers, some arrears, disability.
        let count = |f: &str| s.records.get(f).copied().unwrap_or(0);
        assert!(count("parent_links.ndjson") > 1_000);
        assert!(count("incomes.ndjson") > 10_000);
        assert!(count("disabilities.ndjson") > 30);
        assert!(count("loans.ndjson") > 200);
    }

    #[test]
    fn every_pattern_is_planted_with_its_look_alike_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&opts(25_000, 3), dir.path()).unwrap();
        let per = planted_per_pattern(25_000);
        assert_eq!(per, 2);
        for p in PLANTED_PATTERNS {
            for e in ["hit", "look_alike"] {
                assert_eq!(s.planted.get(&format!("{p}/{e}")), Some(&per), "{p}/{e}");
            }
        }
        let tsv = std::fs::read_to_string(dir.path().join("planted.tsv")).unwrap();
        let rows: Vec<&str> = tsv.lines().skip(1).collect();
        assert_eq!(rows.len() as u64, per * 16);
        // Every listed IIN is a generated person.
        let persons = std::fs::read_to_string(dir.path().join("persons.ndjson")).unwrap();
        for r in rows {
            let iin = r.split('\t').nth(2).unwrap();
            assert!(persons.contains(&format!("\"iin\":\"{iin}\"")), "{r}");
        }
    }

    /// The generated registry as link records in memory (what `cypher/links_persons.cypher`
    /// loads from the database), for the recall check below.
    fn link_records(
        dir: &Path,
    ) -> std::collections::BTreeMap<Iin, crate::domain::links::LinkRecord> {
        use crate::domain::family::CoRegistration;
        use crate::domain::links::{AccountHolder, LinkRecord};
        use serde::de::DeserializeOwned;
        use std::collections::BTreeMap;
        fn rows<T: DeserializeOwned>(dir: &Path, f: &str) -> Vec<T> {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        }
        let mut all: BTreeMap<Iin, LinkRecord> = BTreeMap::new();
        for v in rows::<serde_json::Value>(dir, "persons.ndjson") {
            let iin = Iin::parse(v["iin"].as_str().unwrap()).unwrap();
            let person = Person {
                iin: iin.clone(),
                surname: v["surname"].as_str().unwrap().into(),
                first_name: v["first_name"].as_str().unwrap().into(),
                patronymic: None,
                birth_date: iin.birth_date(),
                sex: iin.sex(),
                death_date: v["death_date"].as_str().map(|d| d.parse().unwrap()),
                citizenship: Citizenship::Citizen,
                phone: v["phone"].as_str().map(str::to_string),
            };
            let mut r = crate::domain::links::tests::rec(&iin);
            r.person = person;
            all.insert(iin, r);
        }
        let dwellings: BTreeMap<String, Dwelling> = rows::<Dwelling>(dir, "addresses.ndjson")
            .into_iter()
            .map(|d| (d.address_id.clone(), d))
            .collect();
        let regs: Vec<Registration> = rows(dir, "registrations.ndjson");
        let mut at: BTreeMap<String, Vec<Registration>> = BTreeMap::new();
        for r in &regs {
            at.entry(r.address_id.clone()).or_default().push(r.clone());
        }
        for r in &regs {
            let x = all.get_mut(&r.iin).unwrap();
            x.registrations.push(RegistrationAt {
                registration: r.clone(),
                dwelling: dwellings[&r.address_id].clone(),
            });
            for o in at[&r.address_id].iter().filter(|o| o.iin != r.iin) {
                x.co_registrations.push(CoRegistration {
                    iin: o.iin.clone(),
                    address_id: o.address_id.clone(),
                    kind: o.kind,
                    from: o.from,
                    to: o.to,
                });
            }
        }
        for m in rows::<Marriage>(dir, "marriages.ndjson") {
            for i in [&m.spouse_a, &m.spouse_b] {
                all.get_mut(i).unwrap().marriages.push(m.clone());
            }
        }
        for l in rows::<ParentLink>(dir, "parent_links.ndjson") {
            for i in [&l.parent_iin, &l.child_iin] {
                all.get_mut(i).unwrap().parent_links.push(l.clone());
            }
        }
        for g in rows::<Guardianship>(dir, "guardianships.ndjson") {
            for i in [&g.guardian_iin, &g.ward_iin] {
                all.get_mut(i).unwrap().guardianships.push(g.clone());
            }
        }
        for v in rows::<Vehicle>(dir, "vehicles.ndjson") {
            all.get_mut(&v.owner_iin.clone()).unwrap().vehicles.push(v);
        }
        for v in rows::<RealEstate>(dir, "real_estate.ndjson") {
            all.get_mut(&v.owner_iin.clone())
                .unwrap()
                .real_estate
                .push(v);
        }
        for v in rows::<LandPlot>(dir, "land_plots.ndjson") {
            all.get_mut(&v.owner_iin.clone())
                .unwrap()
                .land_plots
                .push(v);
        }
        for v in rows::<Business>(dir, "businesses.ndjson") {
            all.get_mut(&v.iin.clone()).unwrap().businesses.push(v);
        }
        for v in rows::<Employment>(dir, "employments.ndjson") {
            all.get_mut(&v.iin.clone()).unwrap().employments.push(v);
        }
        for v in rows::<BenefitReceipt>(dir, "benefits.ndjson") {
            all.get_mut(&v.iin.clone()).unwrap().benefits.push(v);
        }
        for v in rows::<EducationAttachment>(dir, "education.ndjson") {
            all.get_mut(&v.iin.clone()).unwrap().education.push(v);
        }
        for v in rows::<HealthAttachment>(dir, "health_attachments.ndjson") {
            all.get_mut(&v.iin.clone())
                .unwrap()
                .health_attachments
                .push(v);
        }
        let accounts: Vec<BankAccount> = rows(dir, "bank_accounts.ndjson");
        let mut by_iban: BTreeMap<String, Vec<BankAccount>> = BTreeMap::new();
        for a in &accounts {
            by_iban
                .entry(a.iban.as_str().to_string())
                .or_default()
                .push(a.clone());
        }
        for a in accounts {
            let others: Vec<AccountHolder> = by_iban[a.iban.as_str()]
                .iter()
                .filter(|o| o.iin != a.iin)
                .map(|o| AccountHolder {
                    iban: o.iban.clone(),
                    iin: o.iin.clone(),
                    opened_on: o.opened_on,
                    closed_on: o.closed_on,
                })
                .collect();
            let r = all.get_mut(&a.iin.clone()).unwrap();
            r.account_holders.extend(others);
            r.bank_accounts.push(a);
        }
        let mut by_phone: BTreeMap<String, Vec<Iin>> = BTreeMap::new();
        for r in all.values() {
            if let Some(p) = &r.person.phone {
                by_phone.entry(p.clone()).or_default().push(r.iin().clone());
            }
        }
        for r in all.values_mut() {
            if let Some(p) = r.person.phone.clone() {
                let me = r.iin().clone();
                r.phone_sharers = by_phone[&p].iter().filter(|i| **i != me).cloned().collect();
            }
        }
        all
    }

    /// Recall and false positives of the planted patterns, evaluated by the pure signals over
    /// the slices the service builds (`Store::signal_slice`: two hops of every kind, civil
    /// links as far as the assets rule reaches), on a registry of 10 000 persons.
    #[test]
    fn every_planted_pattern_is_found_and_no_look_alike_hits() {
        use crate::domain::links::{EdgeKind, Explorer, LinkFilter, MAX_NODES};
        use crate::domain::signals::{evaluate, SignalCatalog};
        let dir = tempfile::tempdir().unwrap();
        let o = opts(10_000, 5);
        generate(&o, dir.path()).unwrap();
        let all = link_records(dir.path());
        let rules = SignalCatalog::bundled().in_force(o.as_of).unwrap().clone();
        let tsv = std::fs::read_to_string(dir.path().join("planted.tsv")).unwrap();
        let mut misses = vec![];
        let mut checked = 0;
        for line in tsv.lines().skip(1) {
            checked += 1;
            let f: Vec<&str> = line.split('\t').collect();
            let iin = Iin::parse(f[2]).unwrap();
            let mut ex = Explorer::new(iin.clone(), LinkFilter::all(None), 2, MAX_NODES, None);
            crate::domain::links::tests::run(&mut ex, &all);
            let civil = LinkFilter {
                kinds: EdgeKind::CIVIL.into_iter().collect(),
                as_of: None,
            };
            let mut rel = Explorer::new(
                iin.clone(),
                civil,
                rules.assets_on_relatives.max_links,
                MAX_NODES,
                None,
            );
            crate::domain::links::tests::run(&mut rel, &all);
            let slice = ex.slice().merge(rel.slice());
            let found = evaluate(&slice, &iin, o.as_of, &rules)
                .iter()
                .any(|h| h.signal.code() == f[0]);
            if found != (f[1] == "hit") {
                misses.push(line.to_string());
            }
        }
        assert_eq!(checked, 16);
        assert!(misses.is_empty(), "{misses:#?}");
    }
}
