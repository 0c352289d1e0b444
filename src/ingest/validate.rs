//! Validation, the second step of the pipeline: one line of one record kind → a Cypher row, or a
//! reject naming file, line and field (format: `fixtures/README.md`).
//!
//! Every line is parsed into its domain record and checked (identifiers, dates, regions, text
//! limits, conflicting duplicate persons within a source) before anything is written; a bad line
//! becomes a reject and never blocks the valid ones. References (a person, an address) are left
//! to the write step: only the database knows them.

use super::source::read_line_bounded;
use super::Reject;
use crate::domain::ids::{quote, Iin};
use crate::domain::regions;
use crate::domain::registry::*;
use crate::store::cypher;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A validated line ready to write: the Cypher row and what to say if its reference is unknown.
pub(crate) struct Row {
    pub(crate) line: usize,
    pub(crate) raw: String,
    pub(crate) value: Value,
    pub(crate) reference_field: &'static str,
}

type Validated = Result<(Value, &'static str), (String, String)>;

/// A record type: its file, its write statement and its validation.
pub struct Kind {
    pub(crate) file: &'static str,
    pub(crate) statement: &'static str,
    validate: fn(&str, &Context) -> Validated,
}

impl Kind {
    /// The file name of the kind in an extract (`persons.ndjson`).
    pub fn file(&self) -> &'static str {
        self.file
    }
    /// The kind's name: its file name without `.ndjson` (`persons`).
    pub fn name(&self) -> &'static str {
        self.file.strip_suffix(".ndjson").unwrap_or(self.file)
    }
    /// The kind of a file name (`persons.ndjson`) or of a kind name (`persons`).
    pub fn find(name: &str) -> Option<&'static Kind> {
        KINDS.iter().find(|k| k.file == name || k.name() == name)
    }
    /// Every kind, in load order.
    pub fn all() -> &'static [Kind] {
        KINDS
    }
}

/// What validation needs to know beyond the line itself.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The load's reference date: a person born (or dead) after it is rejected.
    pub today: NaiveDate,
}

impl Context {
    pub fn on(today: NaiveDate) -> Self {
        Context { today }
    }
}

/// Today in Kazakhstan (one time zone, UTC+5, since 2024-03-01), whatever the server's zone.
pub fn kazakhstan_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive()
}

/// Longest accepted line, in bytes. A valid record is under 16 KiB even with every text field
/// at its limit and every character `\u`-escaped; a longer line is rejected after reading only
/// this much of it, so one runaway line (a file without newlines) cannot exhaust memory.
pub const LINE_MAX_BYTES: usize = 64 * 1024;
/// Longest person name part (`surname`, `first_name`, `patronymic`), in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest identifier or code (`*_id`, `cadastral_number`, `icd10`, `benefit`), in characters.
pub const ID_MAX_CHARS: usize = 64;
/// Longest other text (settlement, street, organisation, lender, …), in characters.
pub const TEXT_MAX_CHARS: usize = 200;

/// The length limit of a text field, by its name (one vocabulary from NDJSON to graph).
fn text_limit(field: &str) -> usize {
    match field {
        "surname" | "first_name" | "patronymic" => NAME_MAX_CHARS,
        "cadastral_number" | "icd10" | "benefit" => ID_MAX_CHARS,
        f if f.ends_with("_id") => ID_MAX_CHARS,
        _ => TEXT_MAX_CHARS,
    }
}

/// Every text field of a record: within its length limit, no control characters (a tab or
/// newline in a name would break the TSV and Markdown reports; NUL and escapes have no place in
/// a registry).
fn text_field(field: &str, s: &str) -> Result<(), (String, String)> {
    let max = text_limit(field);
    let n = s.chars().count();
    if n > max {
        return Err(bad(field, format!("{n} characters; at most {max} allowed")));
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(bad(
            field,
            format!("contains the control character U+{:04X}", c as u32),
        ));
    }
    Ok(())
}

/// The date fields of the ingest format (one vocabulary: the same names in every record type).
const DATE_FIELDS: &[&str] = &[
    "from",
    "to",
    "birth_date",
    "death_date",
    "registered_on",
    "dissolved_on",
    "since",
    "until",
    "opened_on",
    "closed_on",
    "reported_on",
    "convicted_on",
    "released_on",
    "awarded_on",
    "leave_from",
    "expected_birth",
    "job_lost_on",
];
/// Dates are plain `YYYY-MM-DD` in these years: the IIN's centuries, and two more for period
/// ends. (chrono reads `+12345-01-01` too; such a date would sort wrongly as text in the graph
/// and overflow the date arithmetic of the rules.)
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;
/// Largest amount of money in any `*_kzt` field: a trillion tenge. No registry amount comes
/// near it, and sums of many such amounts stay far from overflowing.
pub const MAX_KZT: i64 = 1_000_000_000_000;
/// Largest other whole number (head counts, days overdue, a year).
pub const MAX_COUNT: i64 = 1_000_000;

/// Every field of a row's `props` (the record's own fields): text within its limits, dates in
/// [`DATE_YEARS`], whole numbers within [`MAX_KZT`] or [`MAX_COUNT`].
fn sane_fields(row: &Value) -> Result<(), (String, String)> {
    let Some(Value::Object(m)) = row.get("props") else {
        return Ok(());
    };
    for (k, v) in m {
        match v {
            Value::String(s) => {
                text_field(k, s)?;
                if DATE_FIELDS.contains(&k.as_str()) {
                    let year = (s.len() == 10)
                        .then(|| s[..4].parse::<i32>().ok())
                        .flatten()
                        .filter(|_| s.as_bytes()[..4].iter().all(u8::is_ascii_digit));
                    if !year.is_some_and(|y| DATE_YEARS.contains(&y)) {
                        return Err(bad(
                            k,
                            format!(
                                "{:?} is not a YYYY-MM-DD date in {}–{}",
                                quote(s),
                                DATE_YEARS.start(),
                                DATE_YEARS.end()
                            ),
                        ));
                    }
                }
            }
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                let max = if k.ends_with("_kzt") {
                    MAX_KZT
                } else {
                    MAX_COUNT
                };
                let ok = n.as_i64().is_some_and(|x| x.unsigned_abs() <= max as u64);
                if !ok {
                    return Err(bad(k, format!("{n} is out of range (at most {max})")));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One line through its kind's validation and the field limits.
fn check_record(kind: &Kind, raw: &str, ctx: &Context) -> Validated {
    let (row, reference_field) = (kind.validate)(raw, ctx)?;
    sane_fields(&row)?;
    Ok((row, reference_field))
}

fn parse<T: DeserializeOwned>(raw: &str) -> Result<T, (String, String)> {
    // serde reads a struct from a JSON array too (fields by position): a record is an object.
    if !raw.trim_start().starts_with('{') {
        return Err(bad("$", "a record must be a JSON object ({…})"));
    }
    let de = &mut serde_json::Deserializer::from_str(raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if e.inner().is_syntax() || e.inner().is_eof() {
            return ("$".to_string(), format!("malformed JSON: {}", e.inner()));
        }
        let field = if path == "." || path == "?" || path.is_empty() {
            "$".to_string()
        } else {
            path
        };
        // serde_json appends " at line 1 column N" to its messages; the column helps nobody here.
        let msg = e.inner().to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let field = if field == "$" {
            msg.strip_prefix("missing field `")
                .and_then(|s| s.split('`').next())
                .map(str::to_string)
                .unwrap_or(field)
        } else {
            field
        };
        (field, msg)
    })
}

fn bad(field: &str, msg: impl Into<String>) -> (String, String) {
    (field.to_string(), msg.into())
}

fn period(field_to: &str, from: NaiveDate, to: Option<NaiveDate>) -> Result<(), (String, String)> {
    match to {
        Some(t) if t <= from => Err(bad(
            field_to,
            format!("period ends ({t}) on or before it starts ({from})"),
        )),
        _ => Ok(()),
    }
}

fn props<T: Serialize>(rec: &T, drop: &[&str]) -> Value {
    let mut v = serde_json::to_value(rec).expect("records serialize");
    if let Value::Object(m) = &mut v {
        for d in drop {
            m.remove(*d);
        }
    }
    v
}

fn hash_key(label: &str, parts: &[&str]) -> String {
    let h = Sha256::digest(parts.join("\u{1f}").as_bytes());
    let hex: String = h[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{label}:{hex}")
}

fn fact_row<T: Serialize>(rec: &T, owner: &Iin, owner_field: &str, key: String) -> Value {
    json!({"owner": owner.as_str(), "key": key, "props": props(rec, &[owner_field])})
}

/// The person record of the ingest format: birth date and sex may be left to the IIN.
#[derive(Deserialize)]
struct PersonRecord {
    iin: Iin,
    surname: String,
    first_name: String,
    #[serde(default)]
    patronymic: Option<String>,
    #[serde(default)]
    birth_date: Option<NaiveDate>,
    #[serde(default)]
    sex: Option<crate::domain::ids::Sex>,
    #[serde(default)]
    death_date: Option<NaiveDate>,
    citizenship: Citizenship,
    #[serde(default)]
    phone: Option<String>,
}

fn v_person(raw: &str, ctx: &Context) -> Validated {
    let r: PersonRecord = parse(raw)?;
    if r.surname.trim().is_empty() {
        return Err(bad("surname", "must not be empty"));
    }
    if r.first_name.trim().is_empty() {
        return Err(bad("first_name", "must not be empty"));
    }
    let birth = r.iin.birth_date();
    if birth > ctx.today {
        return Err(bad(
            "iin",
            format!(
                "encodes the birth date {birth}, after the load's reference date {}",
                ctx.today
            ),
        ));
    }
    if let Some(b) = r.birth_date {
        if b != birth {
            return Err(bad(
                "birth_date",
                format!("{b} disagrees with the IIN, which encodes {birth}"),
            ));
        }
    }
    let sex = r.iin.sex();
    if let Some(s) = r.sex {
        if s != sex {
            return Err(bad(
                "sex",
                format!("{s:?} disagrees with the IIN, which encodes {sex:?}"),
            ));
        }
    }
    if let Some(d) = r.death_date {
        if d < birth {
            return Err(bad(
                "death_date",
                format!("death ({d}) before birth ({birth})"),
            ));
        }
        if d > ctx.today {
            return Err(bad(
                "death_date",
                format!("{d} is after the load's reference date {}", ctx.today),
            ));
        }
    }
    if let Some(p) = &r.phone {
        let digits = p.strip_prefix('+').unwrap_or(p);
        // E.164: at most 15 digits.
        if !p.starts_with('+')
            || !(10..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("phone", format!("{p:?} is not an E.164 number (+7…)")));
        }
    }
    let person = Person {
        iin: r.iin.clone(),
        surname: r.surname,
        first_name: r.first_name,
        patronymic: r.patronymic,
        birth_date: birth,
        sex,
        death_date: r.death_date,
        citizenship: r.citizenship,
        phone: r.phone,
    };
    Ok((
        json!({"key": person.iin.as_str(), "props": props(&person, &[])}),
        "iin",
    ))
}

fn v_address(raw: &str, _ctx: &Context) -> Validated {
    let d: Dwelling = parse(raw)?;
    if d.address_id.trim().is_empty() {
        return Err(bad("address_id", "must not be empty"));
    }
    if !regions::is_region(&d.region) {
        return Err(bad(
            "region",
            format!(
                "{:?} is not a region code (one of {})",
                quote(&d.region),
                regions::REGION_CODES.join(", ")
            ),
        ));
    }
    Ok((
        json!({"key": d.address_id, "props": props(&d, &[])}),
        "address_id",
    ))
}

fn v_registration(raw: &str, _ctx: &Context) -> Validated {
    let r: Registration = parse(raw)?;
    non_empty("address_id", &r.address_id)?;
    text_field("address_id", &r.address_id)?;
    period("to", r.from, r.to)?;
    if r.from < r.iin.birth_date() {
        return Err(bad("from", "registration starts before the person's birth"));
    }
    Ok((
        json!({"owner": r.iin.as_str(), "target": r.address_id, "from": r.from.to_string(),
               "props": props(&r, &["iin", "address_id"])}),
        "iin or address_id",
    ))
}

fn v_marriage(raw: &str, _ctx: &Context) -> Validated {
    let m: Marriage = parse(raw)?;
    if m.spouse_a == m.spouse_b {
        return Err(bad("spouse_b", "a person cannot marry themselves"));
    }
    if let Some(d) = m.dissolved_on {
        if d <= m.registered_on {
            return Err(bad("dissolved_on", "divorce on or before the marriage"));
        }
    }
    for (field, iin) in [("spouse_a", &m.spouse_a), ("spouse_b", &m.spouse_b)] {
        if age_on(iin.birth_date(), m.registered_on) < 16 {
            return Err(bad(field, "spouse under 16 on the marriage date"));
        }
    }
    Ok((
        json!({"owner": m.spouse_a.as_str(), "target": m.spouse_b.as_str(), "key": m.marriage_id,
               "props": props(&m, &["spouse_a", "spouse_b"])}),
        "spouse_a or spouse_b",
    ))
}

fn v_parent_link(raw: &str, _ctx: &Context) -> Validated {
    let l: ParentLink = parse(raw)?;
    if l.parent_iin == l.child_iin {
        return Err(bad("child_iin", "a person cannot be their own parent"));
    }
    if l.kind == ParentKind::Birth && l.parent_iin.birth_date() >= l.child_iin.birth_date() {
        return Err(bad("parent_iin", "parent born after the child"));
    }
    if let (Some(s), Some(u)) = (l.since, l.until) {
        period("until", s, Some(u))?;
    }
    Ok((
        json!({"owner": l.parent_iin.as_str(), "target": l.child_iin.as_str(),
               "props": props(&l, &["parent_iin", "child_iin"])}),
        "parent_iin or child_iin",
    ))
}

fn v_guardianship(raw: &str, _ctx: &Context) -> Validated {
    let g: Guardianship = parse(raw)?;
    if g.guardian_iin == g.ward_iin {
        return Err(bad("ward_iin", "a person cannot be their own guardian"));
    }
    period("to", g.from, g.to)?;
    Ok((
        json!({"owner": g.guardian_iin.as_str(), "target": g.ward_iin.as_str(), "from": g.from.to_string(),
               "props": props(&g, &["guardian_iin", "ward_iin"])}),
        "guardian_iin or ward_iin",
    ))
}

macro_rules! fact_validator {
    ($name:ident, $ty:ty, $owner:ident, |$r:ident| $check:block, |$k:ident| $key:expr) => {
        fn $name(raw: &str, _ctx: &Context) -> Validated {
            let $r: $ty = parse(raw)?;
            $check
            let $k = &$r;
            let key: String = $key;
            Ok((fact_row(&$r, &$r.$owner, stringify!($owner), key), stringify!($owner)))
        }
    };
}

fn non_negative(field: &str, v: i64) -> Result<(), (String, String)> {
    if v < 0 {
        Err(bad(field, format!("must not be negative, got {v}")))
    } else {
        Ok(())
    }
}

fn non_empty(field: &str, s: &str) -> Result<(), (String, String)> {
    if s.trim().is_empty() {
        Err(bad(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fact_validator!(
    v_real_estate,
    RealEstate,
    owner_iin,
    |r| {
        non_empty("property_id", &r.property_id)?;
        if !(r.area_m2 > 0.0 && r.area_m2 < 100_000.0) {
            return Err(bad(
                "area_m2",
                format!("{} is not a plausible area", r.area_m2),
            ));
        }
        period("to", r.from, r.to)?;
    },
    |r| r.property_id.clone()
);
fact_validator!(
    v_vehicle,
    Vehicle,
    owner_iin,
    |r| {
        non_empty("vehicle_id", &r.vehicle_id)?;
        period("to", r.from, r.to)?;
    },
    |r| r.vehicle_id.clone()
);
fact_validator!(
    v_land,
    LandPlot,
    owner_iin,
    |r| {
        non_empty("cadastral_number", &r.cadastral_number)?;
        // The largest farms of the country hold a few hundred thousand hectares.
        if !(r.area_ha > 0.0 && r.area_ha < 10_000_000.0) {
            return Err(bad(
                "area_ha",
                format!("{} is not a plausible area", r.area_ha),
            ));
        }
        period("to", r.from, r.to)?;
    },
    |r| r.cadastral_number.clone()
);
fact_validator!(
    v_farm,
    Farm,
    owner_iin,
    |r| {
        non_empty("farm_id", &r.farm_id)?;
        non_negative("value_kzt", r.value_kzt)?;
    },
    |r| format!("{}:{}", r.farm_id, r.year)
);
fact_validator!(
    v_income,
    Income,
    iin,
    |r| {
        non_negative("amount_kzt", r.amount_kzt)?;
        if r.source == IncomeSource::Benefit && r.benefit.is_none() {
            return Err(bad("benefit", "required when source is benefit"));
        }
    },
    |r| hash_key(
        "income",
        &[
            r.iin.as_str(),
            &r.month.to_string(),
            &format!("{:?}", r.source),
            r.payer_bin.as_ref().map(|b| b.as_str()).unwrap_or(""),
            r.benefit.as_deref().unwrap_or("")
        ]
    )
);
fact_validator!(
    v_contribution,
    Contribution,
    iin,
    |r| {
        non_negative("insured_income_kzt", r.insured_income_kzt)?;
        non_negative("pension_kzt", r.pension_kzt)?;
        non_negative("social_kzt", r.social_kzt)?;
    },
    |r| hash_key(
        "contribution",
        &[
            r.iin.as_str(),
            &r.month.to_string(),
            r.payer_bin.as_ref().map(|b| b.as_str()).unwrap_or("")
        ]
    )
);
fact_validator!(
    v_loan,
    Loan,
    iin,
    |r| {
        non_empty("loan_id", &r.loan_id)?;
        non_negative("amount_kzt", r.amount_kzt)?;
        non_negative("overdue_kzt", r.overdue_kzt)?;
        if let Some(c) = r.closed_on {
            if c < r.opened_on {
                return Err(bad("closed_on", "loan closed before it was opened"));
            }
        }
    },
    |r| r.loan_id.clone()
);
fact_validator!(
    v_employment,
    Employment,
    iin,
    |r| {
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "employment",
        &[r.iin.as_str(), r.employer_bin.as_str(), &r.from.to_string()]
    )
);
fact_validator!(
    v_business,
    Business,
    iin,
    |r| {
        non_empty("name", &r.name)?;
        if r.role == BusinessRole::Founder && r.bin.is_none() {
            return Err(bad("bin", "required for a founder"));
        }
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "business",
        &[
            r.iin.as_str(),
            &format!("{:?}", r.role),
            r.bin.as_ref().map(|b| b.as_str()).unwrap_or(""),
            &r.from.to_string()
        ]
    )
);
fact_validator!(
    v_disability,
    Disability,
    iin,
    |r| {
        if let Some(g) = r.group {
            if !(1..=3).contains(&g) {
                return Err(bad("group", format!("must be 1, 2 or 3, got {g}")));
            }
        }
        period("to", r.from, r.to)?;
    },
    |r| hash_key("disability", &[r.iin.as_str(), &r.from.to_string()])
);
fact_validator!(
    v_health_attachment,
    HealthAttachment,
    iin,
    |r| {
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "clinic",
        &[r.iin.as_str(), &r.organisation, &r.from.to_string()]
    )
);
fact_validator!(
    v_health_insurance,
    HealthInsurance,
    iin,
    |r| {
        period("to", r.from, r.to)?;
    },
    |r| hash_key("insurance", &[r.iin.as_str(), &r.from.to_string()])
);
fact_validator!(
    v_disease,
    DiseaseRegistration,
    iin,
    |r| {
        non_empty("icd10", &r.icd10)?;
        period("to", r.from, r.to)?;
    },
    |r| hash_key("disease", &[r.iin.as_str(), &r.icd10, &r.from.to_string()])
);
fact_validator!(
    v_addiction,
    AddictionRegistration,
    iin,
    |r| {
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "addiction",
        &[
            r.iin.as_str(),
            &format!("{:?}", r.kind),
            &r.from.to_string()
        ]
    )
);
fact_validator!(
    v_education,
    EducationAttachment,
    iin,
    |r| {
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "education",
        &[r.iin.as_str(), &r.organisation, &r.from.to_string()]
    )
);
fact_validator!(
    v_conviction,
    Conviction,
    iin,
    |r| {
        if let Some(rel) = r.released_on {
            if rel < r.convicted_on {
                return Err(bad("released_on", "released before conviction"));
            }
        }
    },
    |r| hash_key(
        "conviction",
        &[r.iin.as_str(), &r.article, &r.convicted_on.to_string()]
    )
);
fact_validator!(
    v_bank_account,
    BankAccount,
    iin,
    |r| {
        if let Some(c) = r.closed_on {
            if c <= r.opened_on {
                return Err(bad(
                    "closed_on",
                    "account closed on or before it was opened",
                ));
            }
        }
    },
    |r| r.iban.as_str().to_string()
);
fact_validator!(
    v_award,
    MotherAward,
    iin,
    |r| {
        if r.iin.sex() != crate::domain::ids::Sex::Female {
            return Err(bad(
                "iin",
                "mother awards go to women; the IIN encodes a man",
            ));
        }
    },
    |r| hash_key("award", &[r.iin.as_str(), &format!("{:?}", r.award)])
);
fact_validator!(
    v_pregnancy,
    Pregnancy,
    iin,
    |r| {
        if r.iin.sex() != crate::domain::ids::Sex::Female {
            return Err(bad("iin", "a pregnancy on a man's IIN"));
        }
        if r.expected_birth <= r.leave_from {
            return Err(bad(
                "expected_birth",
                "expected birth on or before the leave starts",
            ));
        }
    },
    |r| hash_key("pregnancy", &[r.iin.as_str(), &r.leave_from.to_string()])
);
fact_validator!(
    v_unemployment,
    Unemployment,
    iin,
    |r| {
        if r.registered_on < r.job_lost_on {
            return Err(bad(
                "registered_on",
                "registered as unemployed before losing the job",
            ));
        }
        period("to", r.registered_on, r.to)?;
    },
    |r| hash_key(
        "unemployment",
        &[r.iin.as_str(), &r.registered_on.to_string()]
    )
);
fact_validator!(
    v_benefit,
    BenefitReceipt,
    iin,
    |r| {
        non_empty("benefit", &r.benefit)?;
        non_negative("amount_kzt", r.amount_kzt)?;
        period("to", r.from, r.to)?;
    },
    |r| hash_key(
        "benefit",
        &[r.iin.as_str(), &r.benefit, &r.from.to_string()]
    )
);

/// Record types in load order: addresses and persons before anything that refers to them.
pub(crate) const KINDS: &[Kind] = &[
    Kind {
        file: "addresses.ndjson",
        statement: cypher::INGEST_ADDRESSES,
        validate: v_address,
    },
    Kind {
        file: "persons.ndjson",
        statement: cypher::INGEST_PERSONS,
        validate: v_person,
    },
    Kind {
        file: "registrations.ndjson",
        statement: cypher::INGEST_REGISTRATIONS,
        validate: v_registration,
    },
    Kind {
        file: "marriages.ndjson",
        statement: cypher::INGEST_MARRIAGES,
        validate: v_marriage,
    },
    Kind {
        file: "parent_links.ndjson",
        statement: cypher::INGEST_PARENT_LINKS,
        validate: v_parent_link,
    },
    Kind {
        file: "guardianships.ndjson",
        statement: cypher::INGEST_GUARDIANSHIPS,
        validate: v_guardianship,
    },
    Kind {
        file: "real_estate.ndjson",
        statement: cypher::INGEST_REAL_ESTATE,
        validate: v_real_estate,
    },
    Kind {
        file: "vehicles.ndjson",
        statement: cypher::INGEST_VEHICLES,
        validate: v_vehicle,
    },
    Kind {
        file: "land_plots.ndjson",
        statement: cypher::INGEST_LAND_PLOTS,
        validate: v_land,
    },
    Kind {
        file: "farms.ndjson",
        statement: cypher::INGEST_FARMS,
        validate: v_farm,
    },
    Kind {
        file: "incomes.ndjson",
        statement: cypher::INGEST_INCOMES,
        validate: v_income,
    },
    Kind {
        file: "contributions.ndjson",
        statement: cypher::INGEST_CONTRIBUTIONS,
        validate: v_contribution,
    },
    Kind {
        file: "loans.ndjson",
        statement: cypher::INGEST_LOANS,
        validate: v_loan,
    },
    Kind {
        file: "employments.ndjson",
        statement: cypher::INGEST_EMPLOYMENTS,
        validate: v_employment,
    },
    Kind {
        file: "businesses.ndjson",
        statement: cypher::INGEST_BUSINESSES,
        validate: v_business,
    },
    Kind {
        file: "disabilities.ndjson",
        statement: cypher::INGEST_DISABILITIES,
        validate: v_disability,
    },
    Kind {
        file: "health_attachments.ndjson",
        statement: cypher::INGEST_HEALTH_ATTACHMENTS,
        validate: v_health_attachment,
    },
    Kind {
        file: "health_insurance.ndjson",
        statement: cypher::INGEST_HEALTH_INSURANCE,
        validate: v_health_insurance,
    },
    Kind {
        file: "diseases.ndjson",
        statement: cypher::INGEST_DISEASES,
        validate: v_disease,
    },
    Kind {
        file: "addictions.ndjson",
        statement: cypher::INGEST_ADDICTIONS,
        validate: v_addiction,
    },
    Kind {
        file: "education.ndjson",
        statement: cypher::INGEST_EDUCATION,
        validate: v_education,
    },
    Kind {
        file: "convictions.ndjson",
        statement: cypher::INGEST_CONVICTIONS,
        validate: v_conviction,
    },
    Kind {
        file: "bank_accounts.ndjson",
        statement: cypher::INGEST_BANK_ACCOUNTS,
        validate: v_bank_account,
    },
    Kind {
        file: "awards.ndjson",
        statement: cypher::INGEST_AWARDS,
        validate: v_award,
    },
    Kind {
        file: "pregnancies.ndjson",
        statement: cypher::INGEST_PREGNANCIES,
        validate: v_pregnancy,
    },
    Kind {
        file: "unemployment.ndjson",
        statement: cypher::INGEST_UNEMPLOYMENT,
        validate: v_unemployment,
    },
    Kind {
        file: "benefits.ndjson",
        statement: cypher::INGEST_BENEFITS,
        validate: v_benefit,
    },
];

/// The file names a registry extract may contain, in load order.
pub fn known_files() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.file).collect()
}

/// Validates one record of a known file without touching the database: `None` for an unknown
/// file name, else `Ok` or the failing field and the error. (References between files are
/// checked by the database at load time, not here.)
/// Validated as of [`kazakhstan_today`].
pub fn validate_record(file: &str, raw: &str) -> Option<Result<(), (String, String)>> {
    validate_record_on(file, raw, &Context::on(kazakhstan_today()))
}

/// [`validate_record`] with an explicit reference date.
pub fn validate_record_on(
    file: &str,
    raw: &str,
    ctx: &Context,
) -> Option<Result<(), (String, String)>> {
    let kind = KINDS.iter().find(|k| k.file == file)?;
    Some(check_record(kind, raw, ctx).map(|_| ()))
}

/// What became of one line of a file.
pub(crate) enum Line {
    /// Empty or whitespace only: not a record.
    Blank,
    Valid(Row),
    Rejected(Reject),
}

/// The first accepted record of an IIN in `persons.ndjson`: its line and a hash of its names.
/// Two records of one IIN with different names conflict: the registry cannot say who the person
/// is. Birth date and sex come from the IIN itself (an explicit one must agree), so they cannot
/// differ; a later record that differs only in `death_date`, `citizenship` or `phone` is an
/// update and written as before. Eight bytes a person plus the key (the IIN as a number): the
/// whole country (20M persons) fits in about 0.4 GB, held only while `persons.ndjson` is read.
struct FirstSeen {
    line: u32,
    names: u32,
}

fn hash32(parts: &[&Value]) -> u32 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.to_string().as_bytes());
        h.update([0x1f]);
    }
    let d = h.finalize();
    u32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

/// Turns the lines of one file into rows or rejects: UTF-8 and length of the line, the record's
/// validation, text limits, and (for persons) conflicting names within the file.
pub(crate) struct FileChecker<'a> {
    kind: &'a Kind,
    ctx: Context,
    lineno: usize,
    persons: Option<std::collections::HashMap<u64, FirstSeen>>,
}

impl<'a> FileChecker<'a> {
    pub(crate) fn new(kind: &'a Kind, ctx: Context) -> Self {
        FileChecker {
            kind,
            ctx,
            lineno: 0,
            persons: (kind.file == "persons.ndjson").then(Default::default),
        }
    }

    /// The next line of the file: `buf` holds up to [`LINE_MAX_BYTES`] of it, `len` is its length.
    pub(crate) fn next(&mut self, buf: &[u8], len: usize) -> Line {
        self.lineno += 1;
        let line = self.lineno;
        let reject = |field: &str, error: String, record: String| {
            Line::Rejected(Reject {
                file: self.kind.file.into(),
                line,
                field: field.into(),
                error,
                record,
            })
        };
        if len > LINE_MAX_BYTES {
            let head = String::from_utf8_lossy(&buf[..buf.len().min(1024)]);
            return reject(
                "$",
                format!("line of {len} bytes; at most {LINE_MAX_BYTES} allowed"),
                format!("{head}…"),
            );
        }
        let raw = match std::str::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                return reject(
                    "$",
                    format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1),
                    String::from_utf8_lossy(buf).into_owned(),
                )
            }
        };
        if raw.trim().is_empty() {
            return Line::Blank;
        }
        let (mut value, reference_field) = match check_record(self.kind, raw, &self.ctx) {
            Ok(v) => v,
            Err((field, error)) => return reject(&field, error, raw.to_string()),
        };
        if let Some(seen) = self.persons.as_mut() {
            let p = &value["props"];
            let key: u64 = value["key"]
                .as_str()
                .and_then(|k| k.parse().ok())
                .expect("a validated person has a 12-digit IIN");
            let names = hash32(&[&p["surname"], &p["first_name"], &p["patronymic"]]);
            match seen.get(&key) {
                None => {
                    seen.insert(
                        key,
                        FirstSeen {
                            line: u32::try_from(line).unwrap_or(u32::MAX),
                            names,
                        },
                    );
                }
                Some(first) if first.names == names => {}
                Some(first) => {
                    return reject(
                        "iin",
                        format!(
                            "conflicting duplicate: this IIN is on line {} with a different name \
                             (surname, first_name or patronymic); the first record is kept",
                            first.line
                        ),
                        raw.to_string(),
                    );
                }
            }
        }
        value["line"] = json!(line);
        Line::Valid(Row {
            line,
            raw: raw.to_string(),
            value,
            reference_field,
        })
    }
}

/// The outcome of checking a file without a database: which lines would be written (before
/// the database checks references) and which are rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedFile {
    pub valid: Vec<usize>,
    pub rejects: Vec<Reject>,
}

/// Checks the content of one extract file exactly as [`super::load_dir`] does, without the database:
/// `None` for an unknown file name. Never panics, whatever the bytes.
pub fn check_file(file: &str, content: &[u8], ctx: &Context) -> Option<CheckedFile> {
    let kind = KINDS.iter().find(|k| k.file == file)?;
    let mut checker = FileChecker::new(kind, *ctx);
    let mut out = CheckedFile::default();
    let mut reader = content;
    let mut buf = Vec::new();
    while let Some(len) =
        read_line_bounded(&mut reader, &mut buf, LINE_MAX_BYTES).expect("reading a slice")
    {
        match checker.next(&buf, len) {
            Line::Blank => {}
            Line::Valid(row) => out.valid.push(row.line),
            Line::Rejected(r) => out.rejects.push(r),
        }
    }
    Some(out)
}

/// Every valid row of one extract file exactly as [`load_dir`] would write it (before the database
/// checks references), in file order, without a database: `row(line, value)` gets the statement
/// row (`{key?, owner?, target?, from?, props}`), `reject` each rejected line. For exporters
/// (`export`). `None` for an unknown file name.
pub fn for_each_row<R: std::io::BufRead>(
    file: &str,
    mut reader: R,
    ctx: &Context,
    mut row: impl FnMut(usize, &Value) -> std::io::Result<()>,
    mut reject: impl FnMut(Reject),
) -> Option<std::io::Result<()>> {
    let kind = KINDS.iter().find(|k| k.file == file)?;
    let mut checker = FileChecker::new(kind, *ctx);
    let mut buf = Vec::new();
    let mut run = || -> std::io::Result<()> {
        while let Some(len) = read_line_bounded(&mut reader, &mut buf, LINE_MAX_BYTES)? {
            match checker.next(&buf, len) {
                Line::Blank => {}
                Line::Valid(r) => row(r.line, &r.value)?,
                Line::Rejected(r) => reject(r),
            }
        }
        Ok(())
    };
    Some(run())
}

/// [`for_each_row`] that also tells each row's reference field (what `load` names in an
/// unknown-reference reject) and its raw line: the hook of the bulk exports (`src/export.rs`),
/// so their rejects read exactly as `load`'s.
pub fn for_each_row_referencing<R: std::io::BufRead>(
    file: &str,
    mut reader: R,
    ctx: &Context,
    mut row: impl FnMut(usize, &Value, &'static str, &str) -> std::io::Result<()>,
    mut reject: impl FnMut(Reject),
) -> Option<std::io::Result<()>> {
    let kind = KINDS.iter().find(|k| k.file == file)?;
    let mut checker = FileChecker::new(kind, *ctx);
    let mut buf = Vec::new();
    let mut run = || -> std::io::Result<()> {
        while let Some(len) = read_line_bounded(&mut reader, &mut buf, LINE_MAX_BYTES)? {
            match checker.next(&buf, len) {
                Line::Blank => {}
                Line::Valid(r) => row(r.line, &r.value, r.reference_field, &r.raw)?,
                Line::Rejected(r) => reject(r),
            }
        }
        Ok(())
    };
    Some(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ctx() -> Context {
        Context::on(NaiveDate::from_ymd_opt(2026, 6, 15).unwrap())
    }
    fn kind(file: &str) -> &'static Kind {
        KINDS.iter().find(|k| k.file == file).unwrap()
    }
    fn v_person(raw: &str) -> Validated {
        check_record(kind("persons.ndjson"), raw, &ctx())
    }
    fn v_registration(raw: &str) -> Validated {
        check_record(kind("registrations.ndjson"), raw, &ctx())
    }
    fn v_income(raw: &str) -> Validated {
        check_record(kind("incomes.ndjson"), raw, &ctx())
    }
    fn v_address(raw: &str) -> Validated {
        check_record(kind("addresses.ndjson"), raw, &ctx())
    }
    fn rejects(file: &str, content: &[u8]) -> Vec<(usize, String)> {
        check_file(file, content, &ctx())
            .unwrap()
            .rejects
            .into_iter()
            .map(|r| (r.line, r.field))
            .collect()
    }

    #[test]
    fn births_and_deaths_after_the_reference_date_are_rejected() {
        // 2026-06-16, the day after the reference date
        let iin = crate::domain::ids::make_iin(
            NaiveDate::from_ymd_opt(2026, 6, 16).unwrap(),
            crate::domain::ids::Sex::Male,
            7001,
        )
        .unwrap();
        let e = v_person(&format!(
            r#"{{"iin":"{iin}","surname":"A","first_name":"B","citizenship":"citizen"}}"#
        ))
        .unwrap_err();
        assert_eq!(e.0, "iin");
        assert!(
            e.1.contains("2026-06-16") && e.1.contains("2026-06-15"),
            "{}",
            e.1
        );
        let e = v_person(
            r#"{"iin":"950115401235","surname":"A","first_name":"B","death_date":"2026-06-16","citizenship":"citizen"}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "death_date");
        assert!(v_person(
            r#"{"iin":"950115401235","surname":"A","first_name":"B","death_date":"2026-06-15","citizenship":"citizen"}"#,
        )
        .is_ok());
    }

    #[test]
    fn region_codes_come_from_the_list() {
        let line = |r: &str| {
            format!(
                r#"{{"address_id":"X1","region":"{r}","settlement":"S","settlement_type":"oblast_city"}}"#
            )
        };
        for r in crate::domain::regions::REGION_CODES {
            assert!(v_address(&line(r)).is_ok(), "{r}");
        }
        for r in ["ATLANTIS", "astana", "", "ASTANA "] {
            assert_eq!(v_address(&line(r)).unwrap_err().0, "region", "{r:?}");
        }
    }

    #[test]
    fn text_limits_and_control_characters() {
        let person = |surname: &str| {
            serde_json::to_string(&json!({"iin":"950115401235","surname":surname,"first_name":"B","citizenship":"citizen"}))
                .unwrap()
        };
        assert!(v_person(&person(&"Ж".repeat(NAME_MAX_CHARS))).is_ok());
        let e = v_person(&person(&"Ж".repeat(NAME_MAX_CHARS + 1))).unwrap_err();
        assert_eq!(e.0, "surname");
        assert!(e.1.contains("101 characters"), "{}", e.1);
        assert_eq!(v_person(&person("A\tB")).unwrap_err().0, "surname");
        assert_eq!(v_person(&person("A\u{0}")).unwrap_err().0, "surname");
        let e = v_registration(&serde_json::to_string(&json!({"iin":"950115401235","address_id":"A".repeat(65),"kind":"permanent","from":"2020-01-01"})).unwrap()).unwrap_err();
        assert_eq!(e.0, "address_id");
        assert_eq!(
            v_person(r#"{"iin":"950115401235","surname":"A","first_name":"B","citizenship":"citizen","phone":"+7701234567890123"}"#)
                .unwrap_err()
                .0,
            "phone"
        );
    }

    /// Every text field of every kind is bounded: the first sample line of each file, with each
    /// of its string fields in turn replaced by 300 characters, is rejected for that field.
    #[test]
    fn every_string_field_of_every_kind_is_bounded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let mut checked = 0;
        for k in KINDS {
            // (no sample file: guardianships, which have no text but IINs and dates)
            let Ok(text) = std::fs::read_to_string(dir.join(k.file)) else {
                continue;
            };
            let first = text.lines().next().unwrap();
            assert!(
                check_record(k, first, &ctx()).is_ok(),
                "{}: {first}",
                k.file
            );
            let v: Value = serde_json::from_str(first).unwrap();
            for (field, val) in v.as_object().unwrap() {
                if !val.is_string() {
                    continue;
                }
                let mut long = v.clone();
                long[field] = json!("Щ".repeat(300));
                let e = check_record(k, &long.to_string(), &ctx()).unwrap_err();
                assert_eq!(&e.0, field, "{}: {}", k.file, e.1);
                checked += 1;
            }
        }
        assert!(checked > 60, "{checked}");
    }

    /// Every date and whole-number field of every kind is bounded, like the text fields.
    #[test]
    fn every_date_and_number_field_of_every_kind_is_bounded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let (mut dates, mut numbers) = (0, 0);
        for k in KINDS {
            let Ok(text) = std::fs::read_to_string(dir.join(k.file)) else {
                continue;
            };
            for first in text.lines().take(20) {
                let v: Value = serde_json::from_str(first).unwrap();
                for (field, val) in v.as_object().unwrap() {
                    let is_date = val
                        .as_str()
                        .is_some_and(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
                    let bad_values: Vec<Value> = if is_date {
                        dates += 1;
                        vec![
                            json!("+12345-01-01"),
                            json!("1799-12-31"),
                            json!("2201-01-01"),
                        ]
                    } else if val.is_i64() {
                        numbers += 1;
                        vec![json!(i64::MAX), json!(MAX_KZT + 1)]
                    } else {
                        continue;
                    };
                    for b in bad_values {
                        let mut w = v.clone();
                        w[field] = b.clone();
                        // (A record rule may name another field first: a marriage in 1799
                        // is also one with a spouse under 16.)
                        let r = check_record(k, &w.to_string(), &ctx());
                        assert!(r.is_err(), "{} {field}={b} accepted", k.file);
                    }
                }
            }
        }
        assert!(dates > 30 && numbers > 5, "{dates} {numbers}");
    }

    #[test]
    fn invalid_utf8_and_overlong_lines_are_one_reject_each() {
        let good =
            br#"{"iin":"950115401235","surname":"A","first_name":"B","citizenship":"citizen"}"#;
        let mut content = Vec::new();
        content.extend_from_slice(b"{\"iin\":\"\xff\xfe\"}\n");
        content.extend_from_slice(good);
        content.extend_from_slice(b"\r\n\n   \n");
        content.extend_from_slice(&vec![b'x'; LINE_MAX_BYTES + 10]);
        content.push(b'\n');
        content.extend_from_slice(good); // no final newline; exact duplicate: fine
        let c = check_file("persons.ndjson", &content, &ctx()).unwrap();
        assert_eq!(c.valid, vec![2, 6]);
        let got: Vec<(usize, &str)> = c
            .rejects
            .iter()
            .map(|r| (r.line, r.field.as_str()))
            .collect();
        assert_eq!(got, vec![(1, "$"), (5, "$")]);
        assert!(
            c.rejects[0].error.contains("UTF-8"),
            "{}",
            c.rejects[0].error
        );
        assert!(
            c.rejects[1].error.contains("bytes"),
            "{}",
            c.rejects[1].error
        );
        assert!(c.rejects[1].record.len() < 2048);
    }

    #[test]
    fn a_conflicting_duplicate_person_is_rejected_and_the_first_kept() {
        let p = |surname: &str, phone: &str| {
            format!(
                r#"{{"iin":"950115401235","surname":"{surname}","first_name":"B","citizenship":"citizen"{phone}}}"#
            )
        };
        let content = [
            p("Ахметова", ""),
            p("Ахметова", ""),
            p("Сапарова", ""),
            // Same names, a phone added: an update, not a conflict.
            p("Ахметова", r#","phone":"+77011234567""#),
            p("Ахметова", r#","patronymic":"Ивановна""#),
        ]
        .join("\n");
        let c = check_file("persons.ndjson", content.as_bytes(), &ctx()).unwrap();
        assert_eq!(c.valid, vec![1, 2, 4]);
        assert_eq!(
            rejects("persons.ndjson", content.as_bytes()),
            vec![(3, "iin".to_string()), (5, "iin".to_string())]
        );
        assert!(c.rejects[0].error.contains("line 1") && c.rejects[0].error.contains("name"));
    }

    /// `fixtures/bad/EXPECTED.md` without a database: every reject but the unknown references
    /// (which only the database can tell).
    #[test]
    fn the_bad_fixture_without_a_database() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad");
        let mut got = vec![];
        for k in KINDS {
            let Ok(bytes) = std::fs::read(dir.join(k.file)) else {
                continue;
            };
            for r in check_file(k.file, &bytes, &ctx()).unwrap().rejects {
                got.push((r.file, r.line, r.field));
            }
        }
        got.sort();
        let mut want: Vec<(String, usize, String)> = [
            ("addresses.ndjson", 2, "region"),
            ("addresses.ndjson", 3, "region"),
            ("bank_accounts.ndjson", 2, "iban"),
            ("incomes.ndjson", 3, "month"),
            ("incomes.ndjson", 4, "amount_kzt"),
            ("persons.ndjson", 2, "iin"),
            ("persons.ndjson", 4, "birth_date"),
            ("persons.ndjson", 6, "death_date"),
            ("persons.ndjson", 7, "$"),
            ("persons.ndjson", 8, "surname"),
            ("persons.ndjson", 9, "citizenship"),
            ("persons.ndjson", 10, "$"),
            ("persons.ndjson", 11, "surname"),
            ("persons.ndjson", 12, "iin"),
            ("persons.ndjson", 13, "iin"),
            ("persons.ndjson", 14, "iin"),
            ("registrations.ndjson", 3, "to"),
        ]
        .iter()
        .map(|(f, l, x)| (f.to_string(), *l, x.to_string()))
        .collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn a_record_is_an_object_not_an_array() {
        let e =
            v_person(r#"["950115401235","A","B",null,null,null,null,"citizen",null]"#).unwrap_err();
        assert_eq!(e.0, "$");
        assert!(e.1.contains("object"), "{}", e.1);
    }

    #[test]
    fn bad_iin_names_the_field() {
        let e = v_person(
            r#"{"iin":"950115401236","surname":"A","first_name":"B","citizenship":"citizen"}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "iin");
        assert!(e.1.contains("check digit"), "{}", e.1);
    }

    #[test]
    fn missing_field_is_named() {
        let e = v_person(r#"{"iin":"950115401235","first_name":"B","citizenship":"citizen"}"#)
            .unwrap_err();
        assert_eq!(e.0, "surname");
    }

    #[test]
    fn birth_date_must_agree_with_iin() {
        let e = v_person(
            r#"{"iin":"950115401235","surname":"A","first_name":"B","birth_date":"1995-01-16","citizenship":"citizen"}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "birth_date");
        let ok = v_person(
            r#"{"iin":"950115401235","surname":"A","first_name":"B","citizenship":"citizen"}"#,
        )
        .unwrap();
        assert_eq!(ok.0["props"]["birth_date"], "1995-01-15");
        assert_eq!(ok.0["props"]["sex"], "female");
    }

    #[test]
    fn impossible_dates_are_rejected() {
        let e = v_person(
            r#"{"iin":"950115401235","surname":"A","first_name":"B","death_date":"1990-01-01","citizenship":"citizen"}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "death_date");
        let e = v_registration(r#"{"iin":"950115401235","address_id":"A1","kind":"permanent","from":"2020-01-01","to":"2019-01-01"}"#).unwrap_err();
        assert_eq!(e.0, "to");
        let e =
            v_income(r#"{"iin":"950115401235","month":"2025-13","source":"wage","amount_kzt":1}"#)
                .unwrap_err();
        assert_eq!(e.0, "month");
    }

    #[test]
    fn fact_keys_are_stable() {
        let line = r#"{"iin":"950115401235","month":"2025-03","source":"wage","amount_kzt":100}"#;
        let a = v_income(line).unwrap().0;
        let b = v_income(line).unwrap().0;
        assert_eq!(a["key"], b["key"]);
        assert!(a["props"].get("iin").is_none());
        assert_eq!(a["owner"], "950115401235");
    }
}
