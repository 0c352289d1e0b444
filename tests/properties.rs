//! Property tests: no input panics the parsers (issue #9, item 7).
//!
//! cargo-fuzz needs a nightly toolchain; these proptest properties throw arbitrary text and bytes
//! (multi-byte and ASCII whitespace, control characters, JSON punctuation, huge and deeply nested
//! inputs) at the identifier parsers, at the NDJSON line → record checks of every record kind and
//! at the SMS reply parser, and check round trips where there is one. No database.
//!
//! The case counts keep the whole file at a few seconds in a debug build (CI runs it with every
//! other test); `PROPTEST_CASES=100000 cargo test --release --test properties` runs longer.

use family_card::domain::ids::{make_iin, Bin, Iban, IdError, Iin, Sex};
use family_card::domain::offer::{parse_reply, Reply};
use family_card::ingest::{
    check_file, known_files, validate_record_on, Context, DATE_YEARS, MAX_KZT, NAME_MAX_CHARS,
    TEXT_MAX_CHARS,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        ..ProptestConfig::default()
    }
}

fn ctx() -> Context {
    Context::on(chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap())
}

/// Whitespace that `char::is_whitespace` knows and ASCII does not.
const UNICODE_SPACES: &[char] = &[
    '\u{a0}', '\u{85}', '\u{1680}', '\u{2000}', '\u{2003}', '\u{2009}', '\u{200a}', '\u{2028}',
    '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];
/// Invisible characters that are not whitespace at all.
const INVISIBLES: &[char] = &['\u{200b}', '\u{200d}', '\u{feff}', '\u{2060}', '\u{ad}'];

/// A character an attacker or a broken export would send.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        4 => proptest::char::range('0', '9'),
        2 => prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{b}', '\u{c}']),
        2 => prop::sample::select(UNICODE_SPACES.to_vec()),
        1 => prop::sample::select(INVISIBLES.to_vec()),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => proptest::char::range('\u{7f}', '\u{9f}'),
        2 => prop::sample::select(vec!['"', '\\', '{', '}', '[', ']', ':', ',', '-', '+']),
        2 => prop::sample::select(vec!['K', 'Z', 'k', 'z', 'R', 'r', 'Р', 'р', 'ß', 'İ', 'Ж', '😀']),
    ]
}

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..max).prop_map(String::from_iter)
}

fn is_twelve_digits(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn birth_dates() -> impl Strategy<Value = chrono::NaiveDate> {
    let first = chrono::NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    (0..=(last - first).num_days()).prop_map(move |d| first + chrono::Duration::days(d))
}

fn sexes() -> impl Strategy<Value = Sex> {
    prop_oneof![Just(Sex::Male), Just(Sex::Female)]
}

// ---------------------------------------------------------------- identifiers

proptest! {
    #![proptest_config(config(3000))]

    /// Whatever the text, parsing answers; what it accepts is 12 ASCII digits that parse again
    /// to the same value and decode.
    #[test]
    fn iin_bin_iban_never_panic(s in nasty_string(40)) {
        if let Ok(i) = Iin::parse(&s) {
            prop_assert!(is_twelve_digits(i.as_str()), "{:?}", i);
            prop_assert_eq!(Iin::parse(i.as_str()), Ok(i.clone()));
            let _ = (i.birth_date(), i.sex(), i.masked());
        }
        if let Ok(b) = Bin::parse(&s) {
            prop_assert!(is_twelve_digits(b.as_str()));
            prop_assert_eq!(Bin::parse(b.as_str()), Ok(b.clone()));
        }
        if let Ok(a) = Iban::parse(&s) {
            prop_assert_eq!(a.as_str().len(), 20);
            prop_assert!(a.as_str().starts_with("KZ"));
            prop_assert_eq!(Iban::parse(a.as_str()), Ok(a.clone()));
            let _ = a.masked();
        }
        for e in [Iin::parse(&s).err(), Bin::parse(&s).err(), Iban::parse(&s).err()].into_iter().flatten() {
            prop_assert!(e.to_string().len() < 300, "{}", e);
        }
    }

    /// Twelve digits: every prefix, every check digit; no panic, and an accepted IIN is a real date.
    #[test]
    fn twelve_digit_strings(s in "[0-9]{12}") {
        if let Ok(i) = Iin::parse(&s) {
            let c = s.as_bytes()[6] - b'0';
            prop_assert!((1..=6).contains(&c));
            prop_assert_eq!(chrono::Datelike::year(&i.birth_date()) % 100, s[..2].parse::<i32>().unwrap());
            prop_assert!(Bin::parse(&s).is_ok(), "an IIN passes the BIN check too");
        }
    }

    /// make_iin → parse gives back the date and sex; ASCII padding is dropped; Unicode
    /// whitespace or invisible characters around or inside are an error, never a panic.
    #[test]
    fn iins_round_trip_and_padding_is_ascii_only(
        birth in birth_dates(),
        sex in sexes(),
        serial in 0u32..10_000,
        left in prop::collection::vec(prop::sample::select(vec![' ', '\t', '\r', '\n']), 0..4),
        right in prop::collection::vec(prop::sample::select(vec![' ', '\t', '\r', '\n']), 0..4),
        bad in prop::sample::select([UNICODE_SPACES, INVISIBLES].concat()),
        at in 0usize..3,
    ) {
        let Some(i) = make_iin(birth, sex, serial) else { return Ok(()) };
        let p = Iin::parse(i.as_str()).unwrap();
        prop_assert_eq!(p.birth_date(), birth);
        prop_assert_eq!(p.sex(), sex);
        let padded = format!("{}{}{}", String::from_iter(&left), i, String::from_iter(&right));
        prop_assert_eq!(Iin::parse(&padded), Ok(i.clone()));
        let s = i.as_str();
        let spoiled = match at {
            0 => format!("{bad}{s}"),
            1 => format!("{s}{bad}"),
            _ => format!("{}{bad}{}", &s[..6], &s[6..]),
        };
        prop_assert!(matches!(Iin::parse(&spoiled), Err(IdError::NotTwelveDigits(_))), "{:?}", spoiled);
        prop_assert!(Bin::parse(&spoiled).is_err());
    }

    /// IBANs built from parts verify, also lower-case and in groups of four; changing one digit
    /// of the account breaks the mod-97 check.
    #[test]
    fn ibans_round_trip_and_one_digit_changed_fails(
        bank in "[0-9]{3}",
        account in "[0-9A-Z]{13}",
        pos in 4usize..20,
        delta in 1u8..10,
    ) {
        let a = Iban::from_parts(&bank, &account).unwrap();
        let grouped: String = a
            .as_str()
            .to_lowercase()
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(String::from_iter)
            .collect::<Vec<_>>()
            .join(" ");
        prop_assert_eq!(Iban::parse(&grouped), Ok(a.clone()));
        let mut b = a.as_str().as_bytes().to_vec();
        if b[pos].is_ascii_digit() {
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap();
            prop_assert!(matches!(Iban::parse(&changed), Err(IdError::IbanChecksum(_))), "{}", changed);
        }
    }
}

// ---------------------------------------------------------------- SMS replies

fn separators() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            ' ', ' ', ' ', '\t', '\n', '\u{a0}', '\u{3000}', '\u{2003}',
        ]),
        1..4,
    )
    .prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(config(3000))]

    /// Any text gets an answer; an error quotes a bounded part of it.
    #[test]
    fn replies_never_panic(text in nasty_string(120)) {
        match parse_reply(&text) {
            Ok(r) => {
                prop_assert_eq!(r.code().len(), 6);
                prop_assert!(r.code().bytes().all(|b| b.is_ascii_digit()));
            }
            Err(e) => prop_assert!(e.to_string().len() < 300, "{}", e),
        }
    }

    /// Replies that start like a real one and go astray.
    #[test]
    fn near_replies_never_panic(
        prefix in prop::sample::select(vec!["R ", "r ", "Р ", "р ", "R", ""]),
        code in "[0-9]{5,7}",
        rest in nasty_string(60),
    ) {
        let _ = parse_reply(&format!("{prefix}{code} {rest}"));
        let _ = parse_reply(&format!("{prefix}{code} 1 KZ{rest}"));
    }

    /// The strict format, written with any whitespace, any case, Latin or Cyrillic R.
    #[test]
    fn well_formed_replies_parse(
        r in prop::sample::select(vec!["R", "r", "Р", "р"]),
        code in "[0-9]{6}",
        choice in 0usize..4,
        bank in "[0-9]{3}",
        account in "[0-9A-Z]{13}",
        seps in prop::collection::vec(separators(), 8),
        lead in prop::option::of(separators()),
    ) {
        let iban = Iban::from_parts(&bank, &account).unwrap();
        let (iban_text, _) = iban.as_str().split_at(10);
        let iban_spaced = format!("{iban_text}{}{}", seps[7], &iban.as_str()[10..]).to_lowercase();
        let (text, want) = match choice {
            0 => (format!("{r}{}{code}{}1", seps[0], seps[1]), Reply::Consent { code: code.clone(), account: None }),
            1 => (format!("{r}{}{code}{}2", seps[0], seps[1]), Reply::Refuse { code: code.clone() }),
            2 => (
                format!("{r}{}{code}{}1{}{iban_spaced}", seps[0], seps[1], seps[2]),
                Reply::Consent { code: code.clone(), account: Some(iban.clone()) },
            ),
            _ => (
                format!("{r}{}{code}{}{iban_spaced}", seps[0], seps[1]),
                Reply::Account { code: code.clone(), account: iban.clone() },
            ),
        };
        let text = format!("{}{text}{}", lead.unwrap_or_default(), seps[3]);
        prop_assert_eq!(parse_reply(&text), Ok(want), "{:?}", text);
    }
}

// ---------------------------------------------------------------- NDJSON records

/// Sample records of one file (the valid starting points of the mutations).
type Samples = (&'static str, Vec<Map<String, Value>>);

/// Up to 50 sample records of every file.
fn samples() -> &'static Vec<Samples> {
    static S: OnceLock<Vec<Samples>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let mut v = vec![];
        for file in known_files() {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                continue;
            };
            let lines: Vec<Map<String, Value>> = text
                .lines()
                .take(50)
                .map(|l| match serde_json::from_str(l).unwrap() {
                    Value::Object(m) => m,
                    _ => unreachable!(),
                })
                .collect();
            v.push((file, lines));
        }
        v
    })
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (-3i64..40_000).prop_map(Value::from),
        nasty_string(30).prop_map(Value::from),
        nasty_string(400).prop_map(Value::from),
        prop::sample::select(vec![
            "2020-01-01",
            "2026-06-16",
            "2099-12-31",
            "0000-00-00",
            "2025-13",
            "2025-02",
            "+12345-01-01",
            "-0001-01-01",
            "1799-12-31",
            "2201-01-01",
            "+999-03",
            "950115401235",
            " 950115401235",
            "\u{3000}950115401235",
            "KZ86125KZT5004100100",
            "citizen",
            "permanent",
            "birth",
            "wage",
            "female",
            "ASTANA",
            "NUR_SULTAN",
            "",
        ])
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(nasty_string(8), inner, 0..5)
                .prop_map(|m: BTreeMap<String, Value>| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, Value),
    Remove(Index),
    Add(String, Value),
    Truncate(Index),
    Nest(Index, usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<Index>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<Index>().prop_map(Mutation::Remove),
        1 => (nasty_string(10), json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 100usize..3_000, any::<bool>()).prop_map(|(i, d, a)| Mutation::Nest(i, d, a)),
    ]
}

/// `[[[…]]]` or `{"a":{"a":…}}` of the given depth.
fn nested(depth: usize, arrays: bool) -> String {
    if arrays {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    } else {
        format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
    }
}

/// The line a mutation makes of a sample record, and the record as that line has it (`None`
/// when the line is cut short).
fn apply(record: &Map<String, Value>, m: &[Mutation]) -> (String, Option<Map<String, Value>>) {
    let mut r = record.clone();
    let mut raw_tail: Option<String> = None;
    for m in m {
        let keys: Vec<String> = r.keys().cloned().collect();
        match m {
            Mutation::Replace(i, v) if !keys.is_empty() => {
                r.insert(keys[i.index(keys.len())].clone(), v.clone());
            }
            Mutation::Remove(i) if !keys.is_empty() => {
                r.remove(&keys[i.index(keys.len())]);
            }
            Mutation::Add(k, v) => {
                r.insert(k.clone(), v.clone());
            }
            Mutation::Nest(i, depth, arrays) if !keys.is_empty() => {
                // Built as text: a serde_json::Value this deep would not even parse back. The key
                // then appears twice in the line, its second value not a string.
                let k = keys[i.index(keys.len())].clone();
                raw_tail = Some(format!(r#""{k}":{}"#, nested(*depth, *arrays)));
                r.remove(&k);
            }
            Mutation::Truncate(i) => {
                let s = Value::Object(r.clone()).to_string();
                let cut: Vec<(usize, char)> = s.char_indices().collect();
                let at = cut[i.index(cut.len())].0;
                return (s[..at].to_string(), None);
            }
            _ => {}
        }
    }
    let s = Value::Object(r.clone()).to_string();
    let line = match raw_tail {
        Some(t) if s.len() > 2 => format!("{},{t}}}", &s[..s.len() - 1]),
        Some(t) => format!("{{{t}}}"),
        None => s,
    };
    (line, Some(r))
}

/// A short, printable part of a line for failure messages.
fn head(s: &str) -> String {
    s.chars().take(300).collect()
}

/// What an accepted record may contain: every original text field within the limits.
fn assert_within_limits(
    file: &str,
    original: &Map<String, Value>,
    got: Option<&Map<String, Value>>,
    line: &str,
) {
    let Some(got) = got else {
        panic!("{file}: accepted a line cut short: {}", head(line));
    };
    for k in original.keys() {
        if let Some(n) = got.get(k).and_then(Value::as_i64) {
            assert!(
                n.unsigned_abs() <= MAX_KZT as u64,
                "{file}: {k} = {n} accepted"
            );
        }
        if let Some(Value::String(s)) = got.get(k) {
            let max = match k.as_str() {
                "surname" | "first_name" | "patronymic" => NAME_MAX_CHARS,
                _ => TEXT_MAX_CHARS,
            };
            let n = s.chars().count();
            assert!(
                n <= max,
                "{file}: {k} of {n} chars accepted: {}",
                head(line)
            );
            assert!(
                !s.chars().any(char::is_control),
                "{file}: {k} with a control character accepted: {}",
                head(line)
            );
            let was_date = original[k]
                .as_str()
                .is_some_and(|o| chrono::NaiveDate::parse_from_str(o, "%Y-%m-%d").is_ok());
            if was_date {
                let year = s.get(..4).and_then(|y| y.parse::<i32>().ok());
                assert!(
                    s.len() == 10 && year.is_some_and(|y| DATE_YEARS.contains(&y)),
                    "{file}: {k} = {s:?} accepted"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(1500))]

    /// A valid record of any kind, mutated: the check answers, and what it accepts is within
    /// the limits.
    #[test]
    fn mutated_records_of_every_kind_never_panic(
        file in any::<Index>(),
        line in any::<Index>(),
        ms in prop::collection::vec(mutation(), 1..4),
    ) {
        let (file, lines) = &samples()[file.index(samples().len())];
        let record = &lines[line.index(lines.len())];
        let (raw, got) = apply(record, &ms);
        match validate_record_on(file, &raw, &ctx()).unwrap() {
            Ok(()) => assert_within_limits(file, record, got.as_ref(), &raw),
            Err((field, error)) => {
                prop_assert!(!field.is_empty());
                prop_assert!(!error.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// Arbitrary bytes as any file of an extract: every non-blank line is valid or one reject
    /// naming file and line; never a panic, never an abort.
    #[test]
    fn arbitrary_bytes_as_any_file(
        bytes in prop::collection::vec(
            prop_oneof![
                4 => any::<u8>(),
                1 => Just(b'\n'),
                1 => prop::sample::select(b"{}[]\":,0123456789 ".to_vec()),
            ],
            0..600,
        ),
    ) {
        let lines = bytes.split(|&b| b == b'\n').count();
        for file in known_files() {
            let c = check_file(file, &bytes, &ctx()).unwrap();
            prop_assert!(c.valid.len() + c.rejects.len() <= lines);
            for r in &c.rejects {
                prop_assert_eq!(&r.file, file);
                prop_assert!(r.line >= 1 && r.line <= lines);
                prop_assert!(!r.field.is_empty());
            }
        }
    }

    /// Persons drawn from a small pool of IINs and names: for each IIN, every accepted line has
    /// the names of the first accepted one, and each conflict names that line.
    #[test]
    fn duplicate_persons_keep_the_first(
        picks in prop::collection::vec((0usize..3, 0usize..3, any::<bool>()), 1..30),
    ) {
        let iins = ["950115401235", "900101300811", "061211600012"];
        let names = ["Ахметова", "Сапарова", "Ким"];
        let lines: Vec<String> = picks
            .iter()
            .map(|&(i, n, broken)| {
                let mut v = json!({"iin": iins[i], "surname": names[n], "first_name": "Б", "citizenship": "citizen"});
                if broken {
                    v["citizenship"] = json!("martian");
                }
                v.to_string()
            })
            .collect();
        let c = check_file("persons.ndjson", lines.join("\n").as_bytes(), &ctx()).unwrap();
        let mut first: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for &l in &c.valid {
            let (i, n, broken) = picks[l - 1];
            prop_assert!(!broken);
            let (line, name) = *first.entry(i).or_insert((l, n));
            prop_assert_eq!(name, n, "line {} kept a different name than line {}", l, line);
        }
        for r in &c.rejects {
            let (i, n, broken) = picks[r.line - 1];
            if !broken {
                let (line, name) = first[&i];
                prop_assert!(name != n && line < r.line);
                prop_assert_eq!(r.field.as_str(), "iin");
                let expected = format!("line {line} ");
                prop_assert!(r.error.contains(&expected), "{}", r.error);
            }
        }
        prop_assert_eq!(c.valid.len() + c.rejects.len(), lines.len());
    }
}

/// Fixed extremes, each once: very deep nesting (serde_json stops at 128 levels; no stack
/// overflow), a line far over the length limit, a file without a newline.
#[test]
fn extreme_inputs_are_rejected_not_fatal() {
    for arrays in [true, false] {
        let deep = nested(200_000, arrays);
        for file in known_files() {
            // An array is not a record; an unknown key's value is skipped (serde_json does that
            // without recursion), and the record then misses its fields.
            let e = validate_record_on(file, &deep, &ctx())
                .unwrap()
                .unwrap_err();
            if arrays {
                assert_eq!(e.0, "$", "{file}");
            }
            let inside = format!(r#"{{"iin":{deep}}}"#);
            assert!(validate_record_on(file, &inside, &ctx()).unwrap().is_err());
        }
    }
    let huge = vec![b'{'; 5_000_000];
    let c = check_file("persons.ndjson", &huge, &ctx()).unwrap();
    assert_eq!(c.rejects.len(), 1);
    assert!(
        c.rejects[0].error.contains("5000000 bytes"),
        "{}",
        c.rejects[0].error
    );
    let text = format!("R 123456 1 {}", "KZ".repeat(2_000_000));
    assert!(parse_reply(&text).is_err());
    assert!(Iin::parse(&"\u{3000}".repeat(1_000_000)).is_err());
}
