//! The first load of a whole country: the extract written as `neo4j-admin database import full`
//! files (`family-card export neo4j-admin --from EXTRACT --out DIR`), one node CSV per label and
//! one relationship CSV per type, each with its typed header on the first line.
//!
//! Why: `load` goes through Cypher MERGEs, a few thousand records a second; the offline importer
//! writes the store files directly and takes a country (20M persons, ~370M records) in minutes to
//! hours. The export is the same graph `load` builds: every line is validated by the very checks
//! of `ingest` ([`ingest::for_each_row_referencing`]) and becomes the same nodes, relationships and properties
//! (facts keyed by `fact_key`, monthly incomes and contributions grouped into yearly series by
//! [`series::group_batch`]); a reference to a person or dwelling that is not in the extract is a
//! reject, as in `load`.
//!
//! Streaming: each file is read twice (first for the header's columns and types, then to write
//! rows); memory holds the identifiers of persons (8 bytes each) and dwellings, and one person's
//! monthly rows. Monthly files must be grouped by person (the registry's extracts and
//! `family-card generate` are); a person whose rows recur after another person's is an error
//! that names the line. Documented in `docs/deployment-bulk-load.md`.

pub mod apoc_jsonl;

use crate::ingest::{self, Context, Reject};
use crate::store::series;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What one extract file becomes.
#[derive(Clone, Copy)]
enum Shape {
    /// A node per row keyed by the row's `key` (persons, dwellings).
    Node { label: &'static str },
    /// A relationship per row from `owner` to `target`, with the row's properties.
    Link {
        rel: &'static str,
        target: &'static str,
    },
    /// A fact node per row (`fact_key` = key) and a relationship from its person.
    Fact {
        label: &'static str,
        rel: &'static str,
    },
    /// Yearly series of monthly rows (`store::series`): a node per series and its relationship.
    Series {
        label: &'static str,
        rel: &'static str,
    },
}

const SHAPES: &[(&str, Shape)] = &[
    ("addresses.ndjson", Shape::Node { label: "Dwelling" }),
    ("persons.ndjson", Shape::Node { label: "Person" }),
    (
        "registrations.ndjson",
        Shape::Link {
            rel: "REGISTERED_AT",
            target: "Dwelling",
        },
    ),
    (
        "marriages.ndjson",
        Shape::Link {
            rel: "MARRIED_TO",
            target: "Person",
        },
    ),
    (
        "parent_links.ndjson",
        Shape::Link {
            rel: "PARENT_OF",
            target: "Person",
        },
    ),
    (
        "guardianships.ndjson",
        Shape::Link {
            rel: "GUARDIAN_OF",
            target: "Person",
        },
    ),
    (
        "real_estate.ndjson",
        Shape::Fact {
            label: "RealEstate",
            rel: "OWNS_REAL_ESTATE",
        },
    ),
    (
        "vehicles.ndjson",
        Shape::Fact {
            label: "Vehicle",
            rel: "OWNS_VEHICLE",
        },
    ),
    (
        "land_plots.ndjson",
        Shape::Fact {
            label: "LandPlot",
            rel: "OWNS_LAND",
        },
    ),
    (
        "farms.ndjson",
        Shape::Fact {
            label: "Farm",
            rel: "KEEPS_FARM",
        },
    ),
    (
        "incomes.ndjson",
        Shape::Series {
            label: "Income",
            rel: "RECEIVED_INCOME",
        },
    ),
    (
        "contributions.ndjson",
        Shape::Series {
            label: "Contribution",
            rel: "PAID_CONTRIBUTION",
        },
    ),
    (
        "loans.ndjson",
        Shape::Fact {
            label: "Loan",
            rel: "HAS_LOAN",
        },
    ),
    (
        "employments.ndjson",
        Shape::Fact {
            label: "Employment",
            rel: "EMPLOYED",
        },
    ),
    (
        "businesses.ndjson",
        Shape::Fact {
            label: "Business",
            rel: "RUNS_BUSINESS",
        },
    ),
    (
        "disabilities.ndjson",
        Shape::Fact {
            label: "Disability",
            rel: "HAS_DISABILITY",
        },
    ),
    (
        "health_attachments.ndjson",
        Shape::Fact {
            label: "HealthAttachment",
            rel: "ATTACHED_TO_CLINIC",
        },
    ),
    (
        "health_insurance.ndjson",
        Shape::Fact {
            label: "HealthInsurance",
            rel: "INSURED",
        },
    ),
    (
        "diseases.ndjson",
        Shape::Fact {
            label: "DiseaseRegistration",
            rel: "HAS_DISEASE",
        },
    ),
    (
        "addictions.ndjson",
        Shape::Fact {
            label: "AddictionRegistration",
            rel: "HAS_ADDICTION",
        },
    ),
    (
        "education.ndjson",
        Shape::Fact {
            label: "EducationAttachment",
            rel: "ENROLLED_IN",
        },
    ),
    (
        "convictions.ndjson",
        Shape::Fact {
            label: "Conviction",
            rel: "CONVICTED",
        },
    ),
    (
        "bank_accounts.ndjson",
        Shape::Fact {
            label: "BankAccount",
            rel: "HOLDS_ACCOUNT",
        },
    ),
    (
        "awards.ndjson",
        Shape::Fact {
            label: "MotherAward",
            rel: "AWARDED",
        },
    ),
    (
        "pregnancies.ndjson",
        Shape::Fact {
            label: "Pregnancy",
            rel: "HAS_PREGNANCY",
        },
    ),
    (
        "unemployment.ndjson",
        Shape::Fact {
            label: "Unemployment",
            rel: "REGISTERED_UNEMPLOYED",
        },
    ),
    (
        "benefits.ndjson",
        Shape::Fact {
            label: "BenefitReceipt",
            rel: "RECEIVES_BENEFIT",
        },
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{file}:{line}: the rows of person {iin} are not together (also before line {line}); sort the file by person first")]
    NotGrouped {
        file: String,
        line: usize,
        iin: String,
    },
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    /// `(csv file, rows)` in writing order.
    pub files: Vec<(String, u64)>,
    /// Lines read from the extract.
    pub read: u64,
    pub rejected: u64,
    /// The `neo4j-admin database import full` arguments naming every file (`--nodes=…`,
    /// `--relationships=…`).
    pub import_args: Vec<String>,
    pub seconds: f64,
}

/// A CSV column type as neo4j-admin names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColType {
    Long,
    Double,
    Boolean,
    Text,
    TextArray,
}

impl ColType {
    fn of(v: &Value) -> Option<ColType> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => ColType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => ColType::Long,
            Value::Number(_) => ColType::Double,
            Value::String(_) | Value::Object(_) => ColType::Text,
            Value::Array(_) => ColType::TextArray,
        })
    }
    fn merge(a: ColType, b: ColType) -> ColType {
        match (a, b) {
            (a, b) if a == b => a,
            (ColType::Long, ColType::Double) | (ColType::Double, ColType::Long) => ColType::Double,
            _ => ColType::Text,
        }
    }
    fn name(self) -> &'static str {
        match self {
            ColType::Long => "long",
            ColType::Double => "double",
            ColType::Boolean => "boolean",
            ColType::Text => "string",
            ColType::TextArray => "string[]",
        }
    }
}

type Columns = BTreeMap<String, ColType>;

fn note_columns(cols: &mut Columns, props: &Map<String, Value>) {
    for (k, v) in props {
        if let Some(t) = ColType::of(v) {
            cols.entry(k.clone())
                .and_modify(|c| *c = ColType::merge(*c, t))
                .or_insert(t);
        }
    }
}

/// One CSV cell: strings always quoted (so an empty string stays a string), null empty.
fn cell(v: &Value, out: &mut String) {
    let quote = |s: &str, out: &mut String| {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    };
    match v {
        Value::Null => {}
        Value::String(s) => quote(s, out),
        Value::Array(a) => {
            let parts: Vec<String> = a
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    x => x.to_string(),
                })
                .collect();
            quote(&parts.join(";"), out)
        }
        Value::Object(_) => quote(&v.to_string(), out),
        v => out.push_str(&v.to_string()),
    }
}

/// A CSV file being written: its header and its rows.
struct Csv {
    name: String,
    out: BufWriter<File>,
    rows: u64,
    line: String,
}

impl Csv {
    fn create(dir: &Path, name: String, header: &[String]) -> Result<Csv, ExportError> {
        let path = dir.join(&name);
        let f = File::create(&path).map_err(|cause| ExportError::Io { path, cause })?;
        let mut c = Csv {
            name,
            out: BufWriter::with_capacity(1 << 20, f),
            rows: 0,
            line: String::new(),
        };
        c.raw(&header.join(","))?;
        Ok(c)
    }
    fn raw(&mut self, line: &str) -> Result<(), ExportError> {
        self.out
            .write_all(line.as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|cause| ExportError::Io {
                path: PathBuf::from(&self.name),
                cause,
            })
    }
    fn row(&mut self, cells: &[&Value]) -> Result<(), ExportError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        for (i, v) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            cell(v, &mut line);
        }
        let r = self.raw(&line);
        self.line = line;
        self.rows += 1;
        r
    }
    fn finish(mut self) -> Result<(String, u64), ExportError> {
        self.out.flush().map_err(|cause| ExportError::Io {
            path: PathBuf::from(&self.name),
            cause,
        })?;
        Ok((self.name, self.rows))
    }
}

/// The header of a node file: `:ID(Label)`, then each property as `name:type`.
fn node_header(label: &str, cols: &Columns) -> Vec<String> {
    let mut h = vec![format!(":ID({label})")];
    h.extend(cols.iter().map(|(k, t)| format!("{k}:{}", t.name())));
    h
}

/// The header of a relationship file: `:START_ID(…)`, `:END_ID(…)`, `:TYPE`, then properties.
fn rel_header(start: &str, end: &str, cols: &Columns) -> Vec<String> {
    let mut h = vec![
        format!(":START_ID({start})"),
        format!(":END_ID({end})"),
        ":TYPE".to_string(),
    ];
    h.extend(cols.iter().map(|(k, t)| format!("{k}:{}", t.name())));
    h
}

/// What one validated row (or one person's grouped series) contributes to the graph.
enum Unit<'a> {
    Node {
        id: &'a str,
        props: Map<String, Value>,
    },
    Rel {
        start: &'a str,
        end: &'a str,
        props: Map<String, Value>,
    },
}

/// Identifiers seen so far: references to anything else are rejected, as `load` rejects them.
#[derive(Default)]
struct Known {
    persons: HashSet<u64>,
    dwellings: HashSet<String>,
}

impl Known {
    fn person(&self, iin: &str) -> bool {
        iin.parse::<u64>().is_ok_and(|k| self.persons.contains(&k))
    }
    fn has(&self, label: &str, id: &str) -> bool {
        match label {
            "Dwelling" => self.dwellings.contains(id),
            _ => self.person(id),
        }
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Exports every known file present in `from` into `out` (created), validated as `load` does
/// on the reference date of `ctx`. Rejects go to `out/rejects.ndjson`.
pub fn export_neo4j_admin(
    from: &Path,
    out: &Path,
    ctx: &Context,
) -> Result<ExportSummary, ExportError> {
    let started = Instant::now();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| ExportError::Io { path, cause }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let rejects_path = out.join("rejects.ndjson");
    let mut rejects_out = BufWriter::new(File::create(&rejects_path).map_err(io(&rejects_path))?);
    let mut summary = ExportSummary::default();
    let mut known = Known::default();
    for (file, shape) in SHAPES {
        let path = from.join(file);
        if !path.is_file() {
            continue;
        }
        let open = || -> Result<BufReader<File>, ExportError> {
            Ok(BufReader::with_capacity(
                1 << 20,
                File::open(&path).map_err(io(&path))?,
            ))
        };
        // Pass 1: columns and types; the identifiers of persons and dwellings.
        let (mut node_cols, mut rel_cols) = (Columns::new(), Columns::new());
        each_unit(file, *shape, open()?, ctx, &mut known, true, |u| {
            match u {
                Unit::Node { props, .. } => note_columns(&mut node_cols, &props),
                Unit::Rel { props, .. } => note_columns(&mut rel_cols, &props),
            }
            Ok(())
        })?;
        // Pass 2: the rows.
        let (mut nodes, mut rels) = (None, None);
        match *shape {
            Shape::Node { label } => nodes = Some((label, node_cols)),
            Shape::Link { rel, target } => rels = Some((rel, target, rel_cols)),
            Shape::Fact { label, rel } | Shape::Series { label, rel } => {
                nodes = Some((label, node_cols));
                rels = Some((rel, label, rel_cols));
            }
        }
        let mut node_csv = match &nodes {
            Some((label, cols)) => {
                let name = format!("nodes_{label}.csv");
                summary.import_args.push(format!("--nodes={label}={name}"));
                Some((Csv::create(out, name, &node_header(label, cols))?, cols))
            }
            None => None,
        };
        let mut rel_csv = match &rels {
            Some((rel, target, cols)) => {
                let name = format!("relationships_{rel}.csv");
                summary
                    .import_args
                    .push(format!("--relationships={rel}={name}"));
                Some((
                    Csv::create(out, name, &rel_header("Person", target, cols))?,
                    *rel,
                    cols,
                ))
            }
            None => None,
        };
        let mut rejected = vec![];
        let read =
            each_unit_with_rejects(file, *shape, open()?, ctx, &mut known, &mut rejected, |u| {
                match u {
                    Unit::Node { id, props } => {
                        let (csv, cols) = node_csv.as_mut().expect("a node file for this shape");
                        let id = Value::String(id.to_string());
                        let mut cells: Vec<&Value> = vec![&id];
                        cells.extend(cols.keys().map(|k| props.get(k).unwrap_or(&Value::Null)));
                        csv.row(&cells)
                    }
                    Unit::Rel { start, end, props } => {
                        let (csv, rel, cols) = rel_csv.as_mut().expect("a relationship file");
                        let (s, e, t) = (
                            Value::String(start.to_string()),
                            Value::String(end.to_string()),
                            Value::String(rel.to_string()),
                        );
                        let mut cells: Vec<&Value> = vec![&s, &e, &t];
                        cells.extend(cols.keys().map(|k| props.get(k).unwrap_or(&Value::Null)));
                        csv.row(&cells)
                    }
                }
            })?;
        summary.read += read;
        summary.rejected += rejected.len() as u64;
        for r in &rejected {
            serde_json::to_writer(&mut rejects_out, r).expect("rejects serialize");
            rejects_out.write_all(b"\n").map_err(io(&rejects_path))?;
        }
        if let Some((csv, _)) = node_csv {
            summary.files.push(csv.finish()?);
        }
        if let Some((csv, _, _)) = rel_csv {
            summary.files.push(csv.finish()?);
        }
    }
    rejects_out.flush().map_err(io(&rejects_path))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn each_unit(
    file: &str,
    shape: Shape,
    reader: BufReader<File>,
    ctx: &Context,
    known: &mut Known,
    first_pass: bool,
    emit: impl FnMut(Unit) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut ignored = vec![];
    walk(
        file,
        shape,
        reader,
        ctx,
        known,
        first_pass,
        &mut ignored,
        emit,
    )
}

fn each_unit_with_rejects(
    file: &str,
    shape: Shape,
    reader: BufReader<File>,
    ctx: &Context,
    known: &mut Known,
    rejects: &mut Vec<Reject>,
    emit: impl FnMut(Unit) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    walk(file, shape, reader, ctx, known, false, rejects, emit)
}

/// Reads one file and turns its rows into [`Unit`]s: the shared core of both passes.
#[allow(clippy::too_many_arguments)]
fn walk(
    file: &str,
    shape: Shape,
    reader: BufReader<File>,
    ctx: &Context,
    known: &mut Known,
    first_pass: bool,
    rejects: &mut Vec<Reject>,
    mut emit: impl FnMut(Unit) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut read = 0u64;
    let mut failure: Option<ExportError> = None;
    // Monthly rows of the current person, and the persons already flushed.
    let mut run: Vec<Value> = vec![];
    let mut done_owners: HashSet<u64> = HashSet::new();
    // As `load` reports an unknown reference: the record's reference field, its raw line.
    let unknown = |line: usize, field: &str, raw: &str, what: String| Reject {
        file: file.to_string(),
        line,
        field: field.to_string(),
        error: format!("unknown reference: {what} is not in the registry"),
        record: raw.to_string(),
    };
    let mut late_rejects: Vec<Reject> = vec![];
    let mut parse_rejects: Vec<Reject> = vec![];
    let flush = |run: &mut Vec<Value>,
                 known: &Known,
                 late_rejects: &mut Vec<Reject>,
                 emit: &mut dyn FnMut(Unit) -> Result<(), ExportError>|
     -> Result<(), ExportError> {
        if run.is_empty() {
            return Ok(());
        }
        let owner = text(&run[0]["owner"]).to_string();
        if !known.person(&owner) {
            for r in run.iter() {
                let line = r["line"].as_u64().unwrap_or(0) as usize;
                late_rejects.push(unknown(
                    line,
                    text(&r["reference_field"]),
                    text(&r["raw"]),
                    format!("person {owner}"),
                ));
            }
            run.clear();
            return Ok(());
        }
        let grouped = series::group_batch(file, run.iter());
        run.clear();
        for person in grouped.as_array().into_iter().flatten() {
            for s in person["series"].as_array().into_iter().flatten() {
                let key = text(&s["key"]);
                let mut props = object(&s["props"]);
                props.insert("fact_key".into(), Value::String(key.to_string()));
                emit(Unit::Node { id: key, props })?;
                emit(Unit::Rel {
                    start: &owner,
                    end: key,
                    props: Map::new(),
                })?;
            }
        }
        Ok(())
    };
    let outcome = ingest::for_each_row_referencing(
        file,
        reader,
        ctx,
        |line, row, field, raw| {
            read += 1;
            let mut step = || -> Result<(), ExportError> {
                match shape {
                    Shape::Node { label } => {
                        let id = text(&row["key"]);
                        if first_pass {
                            if label == "Person" {
                                if let Ok(k) = id.parse::<u64>() {
                                    known.persons.insert(k);
                                }
                            } else {
                                known.dwellings.insert(id.to_string());
                            }
                        }
                        emit(Unit::Node {
                            id,
                            props: object(&row["props"]),
                        })
                    }
                    Shape::Link { target, .. } => {
                        let (start, end) = (text(&row["owner"]), text(&row["target"]));
                        if !known.person(start) || !known.has(target, end) {
                            rejects.push(unknown(
                                line,
                                field,
                                raw,
                                format!("person {start} or {end}"),
                            ));
                            return Ok(());
                        }
                        emit(Unit::Rel {
                            start,
                            end,
                            props: object(&row["props"]),
                        })
                    }
                    Shape::Fact { .. } => {
                        let (owner, key) = (text(&row["owner"]), text(&row["key"]));
                        if !known.person(owner) {
                            rejects.push(unknown(line, field, raw, format!("person {owner}")));
                            return Ok(());
                        }
                        let mut props = object(&row["props"]);
                        props.insert("fact_key".into(), Value::String(key.to_string()));
                        emit(Unit::Node { id: key, props })?;
                        emit(Unit::Rel {
                            start: owner,
                            end: key,
                            props: Map::new(),
                        })
                    }
                    Shape::Series { .. } => {
                        let owner = text(&row["owner"]);
                        if run.first().is_some_and(|r| text(&r["owner"]) != owner) {
                            let prev = text(&run[0]["owner"]).parse::<u64>().unwrap_or(0);
                            done_owners.insert(prev);
                            flush(&mut run, known, &mut late_rejects, &mut emit)?;
                        }
                        if owner.parse::<u64>().is_ok_and(|k| done_owners.contains(&k)) {
                            return Err(ExportError::NotGrouped {
                                file: file.to_string(),
                                line,
                                iin: owner.to_string(),
                            });
                        }
                        let mut r = row.clone();
                        r["line"] = Value::from(line as u64);
                        r["reference_field"] = Value::from(field);
                        r["raw"] = Value::from(raw);
                        run.push(r);
                        Ok(())
                    }
                }
            };
            step().map_err(|e| {
                failure = Some(e);
                std::io::Error::other("export stopped")
            })
        },
        |r| parse_rejects.push(r),
    );
    // Every line read counts, the rejected ones too (as `load` counts them).
    read += parse_rejects.len() as u64;
    rejects.extend(parse_rejects);
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(Err(cause)) = outcome {
        return Err(ExportError::Io {
            path: PathBuf::from(file),
            cause,
        });
    }
    flush(&mut run, known, &mut late_rejects, &mut emit)?;
    rejects.extend(late_rejects);
    rejects.sort_by_key(|r| r.line);
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_export() -> (tempfile::TempDir, ExportSummary) {
        let out = tempfile::tempdir().unwrap();
        let ctx = Context::on("2026-06-15".parse().unwrap());
        let s = export_neo4j_admin(Path::new("fixtures/sample"), out.path(), &ctx).unwrap();
        (out, s)
    }

    fn header(dir: &Path, name: &str) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        text.lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_sample_exports_with_typed_headers_per_label_and_type() {
        let (out, s) = sample_export();
        assert_eq!(s.rejected, 0, "the sample has no rejects");
        let persons = header(out.path(), "nodes_Person.csv");
        assert_eq!(persons[0], ":ID(Person)");
        for col in [
            "iin:string",
            "surname:string",
            "birth_date:string",
            "sex:string",
        ] {
            assert!(persons.contains(&col.to_string()), "{col} in {persons:?}");
        }
        assert_eq!(header(out.path(), "nodes_Dwelling.csv")[0], ":ID(Dwelling)");
        let reg = header(out.path(), "relationships_REGISTERED_AT.csv");
        assert_eq!(
            &reg[..3],
            &[":START_ID(Person)", ":END_ID(Dwelling)", ":TYPE"]
        );
        assert!(reg.contains(&"from:string".to_string()), "{reg:?}");
        let married = header(out.path(), "relationships_MARRIED_TO.csv");
        assert_eq!(&married[..2], &[":START_ID(Person)", ":END_ID(Person)"]);
        assert!(married.contains(&"marriage_id:string".to_string()));
        let income = header(out.path(), "nodes_Income.csv");
        assert_eq!(income[0], ":ID(Income)");
        assert!(income.contains(&"year:long".to_string()), "{income:?}");
        assert!(income.contains(&"fact_key:string".to_string()));
        assert!(
            income
                .iter()
                .any(|c| c.starts_with("amount_kzt_") && c.ends_with(":long")),
            "{income:?}"
        );
        let rel = header(out.path(), "relationships_RECEIVED_INCOME.csv");
        assert_eq!(rel, [":START_ID(Person)", ":END_ID(Income)", ":TYPE"]);
        // Every file is named in the import arguments, every row has the header's width.
        for (name, rows) in &s.files {
            assert!(
                s.import_args
                    .iter()
                    .any(|a| a.ends_with(&format!("={name}"))),
                "{name}"
            );
            let text = std::fs::read_to_string(out.path().join(name)).unwrap();
            assert_eq!(text.lines().count() as u64, rows + 1, "{name}");
        }
        let rows =
            std::fs::read_to_string(out.path().join("relationships_RECEIVED_INCOME.csv")).unwrap();
        let first = rows.lines().nth(1).unwrap();
        assert!(first.ends_with(",\"RECEIVED_INCOME\""), "{first}");
    }

    #[test]
    fn cells_quote_strings_and_leave_nulls_empty() {
        let mut s = String::new();
        cell(&Value::String("a \"b\", c".into()), &mut s);
        s.push(',');
        cell(&Value::Null, &mut s);
        s.push(',');
        cell(&serde_json::json!(42), &mut s);
        assert_eq!(s, "\"a \"\"b\"\", c\",,42");
    }
}
