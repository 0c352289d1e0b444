//! Identifiers that parse: IIN (person), BIN (legal entity), IBAN (KZ bank account).
//!
//! Parse, don't validate: once you hold an [`Iin`], its check digit was verified and its birth
//! date and sex decoded. DOMAIN.md §5 gives the algorithm and the worked examples used in tests.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was rejected. The message names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be exactly 12 digits, got {0:?}")]
    NotTwelveDigits(String),
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { expected: u8, found: u8 },
    #[error("no check digit exists for this prefix (10 on both weight passes): such a number is never issued")]
    Unissuable,
    #[error("digit 7 (century and sex) must be 1-6, got {0}")]
    CenturySex(u8),
    #[error("digits 1-6 are not a valid date of birth: {0}")]
    BirthDate(String),
    #[error("IBAN must be KZ followed by 18 characters (20 in all), got {0:?}")]
    IbanFormat(String),
    #[error("IBAN check digits do not verify (mod 97 is {0}, must be 1)")]
    IbanChecksum(u32),
}

/// The ISO/IEC 7064-style check used by IIN and BIN: weights 1..11, then 3..11,1,2 on a 10.
/// Returns `None` when both passes give 10 (the number is never issued).
pub fn iin_check_digit(first11: &[u8; 11]) -> Option<u8> {
    const W1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const W2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let pass = |w: &[u32; 11]| -> u32 {
        first11
            .iter()
            .zip(w)
            .map(|(d, w)| *d as u32 * w)
            .sum::<u32>()
            % 11
    };
    let k = pass(&W1);
    let k = if k == 10 { pass(&W2) } else { k };
    (k != 10).then_some(k as u8)
}

/// At most this many characters of a rejected input are quoted back in an error message, so
/// that a huge input never makes a huge message (or log line).
pub const QUOTE_LIMIT: usize = 40;

/// A bounded, printable quotation of untrusted input for error messages: at most
/// [`QUOTE_LIMIT`] characters, then `…`.
pub fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTE_LIMIT).collect();
    if s.chars().nth(QUOTE_LIMIT).is_some() {
        q.push('…');
    }
    q
}

/// The identifier without surrounding ASCII whitespace (spaces, tabs, CR/LF: the artefacts of
/// fixed-width exports and of typing). Any other character, including Unicode whitespace such
/// as a no-break or ideographic space, is left in place and so fails the format check.
fn trim_ascii(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// Twelve ASCII digits (after [`trim_ascii`]), or why not.
fn twelve_digits(s: &str) -> Result<(&str, [u8; 12]), IdError> {
    let t = trim_ascii(s);
    if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::NotTwelveDigits(quote(s)));
    }
    let mut d = [0u8; 12];
    for (i, b) in t.bytes().enumerate() {
        d[i] = b - b'0';
    }
    Ok((t, d))
}

fn verify_check_digit(d: &[u8; 12]) -> Result<(), IdError> {
    let first11: [u8; 11] = d[..11].try_into().expect("11 digits");
    match iin_check_digit(&first11) {
        None => Err(IdError::Unissuable),
        Some(k) if k == d[11] => Ok(()),
        Some(k) => Err(IdError::CheckDigit {
            expected: k,
            found: d[11],
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// A hash map keyed by IIN, hashed with FxHash: the keys come from the registry (twelve digits,
/// already parsed), so the flooding SipHash guards against is not a risk, and SipHash was ~4 % of
/// a card request's instructions (the card's adjacency, reach, composition and snapshot maps).
pub type IinMap<V> = std::collections::HashMap<Iin, V, rustc_hash::FxBuildHasher>;

/// Individual identification number (ИИН): `YYMMDD C NNNN K`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iin(String);

impl Iin {
    /// Parses and fully verifies: 12 ASCII digits (surrounding ASCII whitespace is dropped; any
    /// other character, Unicode whitespace included, is rejected), check digit, century/sex digit
    /// 1-6, real date.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (t, d) = twelve_digits(s)?;
        verify_check_digit(&d)?;
        let c = d[6];
        if !(1..=6).contains(&c) {
            return Err(IdError::CenturySex(c));
        }
        let century = match c {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        let yy = (d[0] * 10 + d[1]) as i32;
        let mm = (d[2] * 10 + d[3]) as u32;
        let dd = (d[4] * 10 + d[5]) as u32;
        NaiveDate::from_ymd_opt(century + yy, mm, dd)
            .ok_or_else(|| IdError::BirthDate(t[..6].to_string()))?;
        Ok(Iin(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn digit(&self, i: usize) -> u32 {
        (self.0.as_bytes()[i] - b'0') as u32
    }

    /// Date of birth encoded in digits 1-7.
    pub fn birth_date(&self) -> NaiveDate {
        let century = match self.digit(6) {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        let yy = (self.digit(0) * 10 + self.digit(1)) as i32;
        NaiveDate::from_ymd_opt(
            century + yy,
            self.digit(2) * 10 + self.digit(3),
            self.digit(4) * 10 + self.digit(5),
        )
        .expect("validated at parse")
    }

    /// Sex encoded in digit 7: odd male, even female.
    pub fn sex(&self) -> Sex {
        if self.digit(6) % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The IIN with its middle digits hidden, for logs and for roles that may not see it.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..4], &self.0[10..])
    }
}

impl TryFrom<String> for Iin {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Iin::parse(&s)
    }
}
impl From<Iin> for String {
    fn from(i: Iin) -> String {
        i.0
    }
}
impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Business identification number (БИН): same length and check algorithm as the IIN;
/// digits 5-6 encode the entity type, so no birth-date rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bin(String);

impl Bin {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (t, d) = twelve_digits(s)?;
        verify_check_digit(&d)?;
        Ok(Bin(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Bin {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Bin::parse(&s)
    }
}
impl From<Bin> for String {
    fn from(b: Bin) -> String {
        b.0
    }
}
impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kazakh IBAN: `KZ` + 2 check digits + 3-digit bank code + 13 account characters (20 in all),
/// verified by ISO 13616 mod-97.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if t.len() != 20 || !t.starts_with("KZ") || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(IdError::IbanFormat(quote(s)));
        }
        let rem = iban_mod97(&t);
        if rem != 1 {
            return Err(IdError::IbanChecksum(rem));
        }
        Ok(Iban(t))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Builds a valid KZ IBAN from bank code (3 digits) and account (13 characters).
    pub fn from_parts(bank_code: &str, account: &str) -> Result<Self, IdError> {
        let bban = format!("{bank_code}{account}");
        let probe = format!("KZ00{bban}");
        let check = 98 - iban_mod97(&probe);
        Iban::parse(&format!("KZ{check:02}{bban}"))
    }
    pub fn masked(&self) -> String {
        format!("{}************{}", &self.0[..4], &self.0[16..])
    }
}

fn iban_mod97(t: &str) -> u32 {
    let rearranged = format!("{}{}", &t[4..], &t[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = if c.is_ascii_digit() {
            c as u32 - '0' as u32
        } else {
            c as u32 - 'A' as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

impl TryFrom<String> for Iban {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Iban::parse(&s)
    }
}
impl From<Iban> for String {
    fn from(i: Iban) -> String {
        i.0
    }
}
impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds a valid IIN from a birth date, sex and serial (used by the generator and tests).
/// Returns `None` for serials whose prefix is unissuable; callers try the next serial.
pub fn make_iin(birth: NaiveDate, sex: Sex, serial: u32) -> Option<Iin> {
    use chrono::Datelike;
    let c = match (birth.year() / 100, sex) {
        (18, Sex::Male) => 1,
        (18, Sex::Female) => 2,
        (19, Sex::Male) => 3,
        (19, Sex::Female) => 4,
        (_, Sex::Male) => 5,
        (_, Sex::Female) => 6,
    };
    let s = format!(
        "{:02}{:02}{:02}{}{:04}",
        birth.year() % 100,
        birth.month(),
        birth.day(),
        c,
        serial % 10_000
    );
    let mut d = [0u8; 11];
    for (i, b) in s.bytes().enumerate() {
        d[i] = b - b'0';
    }
    let k = iin_check_digit(&d)?;
    Some(Iin(format!("{s}{k}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_first_pass() {
        let i = Iin::parse("950115401235").unwrap();
        assert_eq!(
            i.birth_date(),
            NaiveDate::from_ymd_opt(1995, 1, 15).unwrap()
        );
        assert_eq!(i.sex(), Sex::Female);
    }

    #[test]
    fn worked_example_second_pass() {
        let i = Iin::parse("061211600012").unwrap();
        assert_eq!(
            i.birth_date(),
            NaiveDate::from_ymd_opt(2006, 12, 11).unwrap()
        );
        assert_eq!(i.sex(), Sex::Female);
        let j = Iin::parse("900101300811").unwrap();
        assert_eq!(j.birth_date(), NaiveDate::from_ymd_opt(1990, 1, 1).unwrap());
        assert_eq!(j.sex(), Sex::Male);
    }

    #[test]
    fn ten_on_both_passes_is_unissuable() {
        let d: [u8; 11] = [9, 0, 0, 1, 0, 1, 3, 0, 0, 8, 0];
        assert_eq!(iin_check_digit(&d), None);
        for last in 0..=9 {
            assert_eq!(
                Iin::parse(&format!("90010130080{last}")),
                Err(IdError::Unissuable)
            );
        }
    }

    #[test]
    fn rejects_wrong_check_digit_length_century_and_date() {
        assert_eq!(
            Iin::parse("950115401236"),
            Err(IdError::CheckDigit {
                expected: 5,
                found: 6
            })
        );
        assert!(matches!(
            Iin::parse("95011540123"),
            Err(IdError::NotTwelveDigits(_))
        ));
        assert!(matches!(
            Iin::parse("95011540123a"),
            Err(IdError::NotTwelveDigits(_))
        ));
        // digit 7 = 0 passes the checksum but encodes no century
        assert_eq!(Iin::parse("980109050588"), Err(IdError::CenturySex(0)));
        // 30 February
        let bad = make_iin_unchecked("950230", 4, 123);
        assert!(matches!(Iin::parse(&bad), Err(IdError::BirthDate(_))));
    }

    fn make_iin_unchecked(date: &str, c: u8, serial: u32) -> String {
        for s in serial..serial + 50 {
            let p = format!("{date}{c}{s:04}");
            let mut d = [0u8; 11];
            for (i, b) in p.bytes().enumerate() {
                d[i] = b - b'0';
            }
            if let Some(k) = iin_check_digit(&d) {
                return format!("{p}{k}");
            }
        }
        unreachable!()
    }

    #[test]
    fn multi_byte_whitespace_is_rejected_not_a_panic() {
        // Found by a tester: a leading ideographic space made `s[..6]` cut a character.
        for pad in ["\u{3000}", "\u{a0}", "\u{2003}", "\u{200b}", "\u{feff}"] {
            for s in [
                format!("{pad}950115401235"),
                format!("950115401235{pad}"),
                format!("{pad}950230401235"),
                format!("{pad}{pad}95023040123"),
            ] {
                assert!(
                    matches!(Iin::parse(&s), Err(IdError::NotTwelveDigits(_))),
                    "{s:?}"
                );
                assert!(Bin::parse(&s).is_err(), "{s:?}");
            }
        }
        // ASCII padding is dropped, and the stored form is the bare 12 digits.
        let i = Iin::parse(" \t950115401235\r\n").unwrap();
        assert_eq!(i.as_str(), "950115401235");
        // The birth-date error quotes the digits, not the padding.
        let bad = make_iin_unchecked("950230", 4, 123);
        assert_eq!(
            Iin::parse(&format!("  {bad}")),
            Err(IdError::BirthDate("950230".into()))
        );
    }

    #[test]
    fn error_messages_quote_a_bounded_prefix() {
        let huge = "9".repeat(1_000_000);
        let e = Iin::parse(&huge).unwrap_err().to_string();
        assert!(e.len() < 200, "{}", e.len());
        let e = Iban::parse(&format!("KZ{huge}")).unwrap_err().to_string();
        assert!(e.len() < 200, "{}", e.len());
    }

    #[test]
    fn make_iin_round_trips() {
        let b = NaiveDate::from_ymd_opt(2012, 2, 29).unwrap();
        let i = (0..20).find_map(|s| make_iin(b, Sex::Male, s)).unwrap();
        let p = Iin::parse(i.as_str()).unwrap();
        assert_eq!(p.birth_date(), b);
        assert_eq!(p.sex(), Sex::Male);
        assert_eq!(p.masked().len(), 12);
    }

    #[test]
    fn bin_uses_the_same_check() {
        // 12 digits, check digit from the same algorithm; no date rule
        let d: [u8; 11] = [1, 4, 0, 5, 4, 0, 0, 1, 2, 3, 4];
        let k = iin_check_digit(&d).unwrap();
        let s = format!("14054001234{k}");
        assert!(Bin::parse(&s).is_ok());
        let wrong = format!("14054001234{}", (k + 1) % 10);
        assert!(Bin::parse(&wrong).is_err());
    }

    #[test]
    fn iban_mod97() {
        // Built from parts, then verified; one changed character breaks it.
        let iban = Iban::from_parts("601", "A000000123456").unwrap();
        assert!(iban.as_str().starts_with("KZ"));
        assert_eq!(iban.as_str().len(), 20);
        assert!(Iban::parse(&iban.as_str().to_lowercase()).is_ok());
        let mut broken = iban.as_str().to_string();
        broken.replace_range(19..20, if broken.ends_with('6') { "7" } else { "6" });
        assert!(matches!(
            Iban::parse(&broken),
            Err(IdError::IbanChecksum(_))
        ));
        assert!(matches!(
            Iban::parse("DE89370400440532013000"),
            Err(IdError::IbanFormat(_))
        ));
        // A published example KZ IBAN
        assert!(Iban::parse("KZ86125KZT5004100100").is_ok());
    }
}
