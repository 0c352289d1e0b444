//! The extract as one Neo4j APOC-style JSONL file (`apoc.export.json.all` lines: `{"type":"node",
//! "id","labels","properties"}` and `{"type":"relationship","id","label","start","end",
//! "properties"}`): the input of ArcadeDB's fastest bulk path, its `Neo4jImporter` (offline, or
//! `IMPORT DATABASE` on a running server), used by `family-card bulk-load` ([`crate::bulk_load`]).
//!
//! Why this format and not the neo4j-admin CSV files: ArcadeDB's CSV importer infers types from
//! the text (an IIN would become a number, an absent cell an empty value), while JSON carries
//! each value's type, so the imported graph holds exactly the properties and types `load` writes.
//!
//! The graph is the one [`super::export_neo4j_admin`] describes, built by the same walk over the
//! extract (the checks of `ingest`, unknown references rejected, monthly rows grouped into
//! yearly series). Records `load` MERGEs into one (the same key twice in a file: a joint bank
//! account held by two persons, a repeated registration) are merged the same way, later values
//! over earlier ones: a first pass over each file finds the identities that repeat (8-byte
//! hashes), the second writes every other record at once and the merged ones at the file's end.
//! Persons and dwellings come before the files that refer to them. Null properties are left out (as `SET +=` leaves them unset). Node ids are
//! numbers (the importer then keeps its id map in primitive arrays): a person's IIN, and a
//! counter from 10^13 up for every other node; the importer stores the id in an `id` property,
//! which [`crate::bulk_load`] removes after the import.

use super::{walk, ExportError, Known, Shape, Unit, SHAPES};
use crate::ingest::{Context, Reject};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The JSONL file [`export`] writes in its output directory. Named `.json` as APOC names its
/// exports: ArcadeDB's `IMPORT DATABASE` takes a `.jsonl` name for its own JSONL format and
/// recognises the Neo4j format only from the content of a file without that extension.
pub const GRAPH_FILE: &str = "graph.apoc.json";
/// The rejects it writes beside it (the NDJSON of `load`'s rejects file).
pub const REJECTS_FILE: &str = "rejects.ndjson";

/// Ids of nodes other than persons start here (IINs have 12 digits).
const FIRST_OTHER_ID: u64 = 10_000_000_000_000;

/// One extract file's counts, as `load` prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCounts {
    pub file: String,
    pub read: u64,
    /// Lines that became part of the graph.
    pub written: u64,
    pub rejected: u64,
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct JsonlSummary {
    pub files: Vec<FileCounts>,
    pub nodes: u64,
    pub relationships: u64,
    pub graph: PathBuf,
    pub rejects: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
}

impl JsonlSummary {
    pub fn read(&self) -> u64 {
        self.files.iter().map(|f| f.read).sum()
    }
    pub fn written(&self) -> u64 {
        self.files.iter().map(|f| f.written).sum()
    }
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
}

/// The JSONL being written, and the ids given so far.
struct Writer {
    out: BufWriter<File>,
    path: PathBuf,
    next_id: u64,
    dwellings: HashMap<String, u64>,
    /// The fact or series node just written: its relationship follows it.
    last_node: Option<(String, u64)>,
    nodes: u64,
    relationships: u64,
    line: Vec<u8>,
    /// Identities (hashes) that occur more than once in the current file: `load` MERGEs them
    /// into one node or relationship, later values over earlier ones (`SET +=`).
    repeated: HashSet<u64>,
    /// Nodes of repeated identities, merged, written at the end of the file.
    pending_nodes: HashMap<String, (u64, Map<String, Value>)>,
    /// Relationships of repeated identities, merged, written at the end of the file.
    pending_rels: HashMap<String, (String, String, Map<String, Value>)>,
    /// The order they were first seen in.
    pending_order: Vec<(bool, String)>,
}

/// The property a relationship type is MERGEd on besides its ends (`cypher/ingest_*.cypher`).
fn merge_property(rel: &str) -> Option<&'static str> {
    match rel {
        "REGISTERED_AT" | "GUARDIAN_OF" => Some("from"),
        "MARRIED_TO" => Some("marriage_id"),
        _ => None,
    }
}

/// What `load` MERGEs a unit on: a node's label and key; a relationship's type, ends and merge
/// property.
fn identity(label: &str, rel: &str, u: &Unit) -> String {
    match u {
        Unit::Node { id, .. } => format!("{label}\u{1f}{id}"),
        Unit::Rel { start, end, props } => {
            let merged_on = merge_property(rel)
                .and_then(|k| props.get(k))
                .map(Value::to_string)
                .unwrap_or_default();
            format!("{rel}\u{1f}{start}\u{1f}{end}\u{1f}{merged_on}")
        }
    }
}

fn hash_of(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn without_nulls(props: Map<String, Value>) -> Map<String, Value> {
    props.into_iter().filter(|(_, v)| !v.is_null()).collect()
}

impl Writer {
    fn io(&self) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        |cause| ExportError::Io {
            path: self.path.clone(),
            cause,
        }
    }

    /// The node's importer id (a person's IIN, else the next number), noted for the
    /// relationships that end at it.
    fn assign_id(&mut self, shape: Shape, id: &str) -> u64 {
        let num = match shape {
            Shape::Node { label: "Person" } => id.parse::<u64>().unwrap_or_default(),
            _ => {
                let n = self.next_id;
                self.next_id += 1;
                n
            }
        };
        match shape {
            Shape::Node { label: "Person" } => {}
            Shape::Node { .. } => {
                self.dwellings.insert(id.to_string(), num);
            }
            _ => self.last_node = Some((id.to_string(), num)),
        }
        num
    }

    /// One unit of the current file: written at once, or merged into its pending copy when
    /// its identity repeats.
    fn unit(
        &mut self,
        shape: Shape,
        label: &str,
        rel: &str,
        target: &str,
        u: Unit,
    ) -> Result<(), ExportError> {
        let ident = identity(label, rel, &u);
        let repeated = self.repeated.contains(&hash_of(&ident));
        match u {
            Unit::Node { id, props } if repeated => {
                if let Some((num, merged)) = self.pending_nodes.get_mut(&ident) {
                    merged.extend(props);
                    if !matches!(shape, Shape::Node { .. }) {
                        self.last_node = Some((id.to_string(), *num));
                    }
                } else {
                    let num = self.assign_id(shape, id);
                    self.pending_nodes.insert(ident.clone(), (num, props));
                    self.pending_order.push((true, ident));
                }
                Ok(())
            }
            Unit::Node { id, props } => {
                let num = self.assign_id(shape, id);
                self.write_node(label, num, props)
            }
            Unit::Rel { start, end, props } if repeated => {
                if let Some((_, _, merged)) = self.pending_rels.get_mut(&ident) {
                    merged.extend(props);
                } else {
                    let start_id = start.parse::<u64>().unwrap_or_default().to_string();
                    let end_id = self.end_id(target, end).to_string();
                    self.pending_rels
                        .insert(ident.clone(), (start_id, end_id, props));
                    self.pending_order.push((false, ident));
                }
                Ok(())
            }
            Unit::Rel { start, end, props } => {
                let (s, e) = (
                    start.parse::<u64>().unwrap_or_default(),
                    self.end_id(target, end),
                );
                self.write_relationship(rel, target, s, e, props)
            }
        }
    }

    /// Writes the merged units of the file just read.
    fn end_file(&mut self, label: &str, rel: &str, target: &str) -> Result<(), ExportError> {
        for (is_node, ident) in std::mem::take(&mut self.pending_order) {
            if is_node {
                let (num, props) = self.pending_nodes.remove(&ident).expect("pending node");
                self.write_node(label, num, props)?;
            } else {
                let (s, e, props) = self
                    .pending_rels
                    .remove(&ident)
                    .expect("pending relationship");
                let (s, e) = (s.parse().unwrap_or_default(), e.parse().unwrap_or_default());
                self.write_relationship(rel, target, s, e, props)?;
            }
        }
        self.repeated.clear();
        Ok(())
    }

    fn write_node(
        &mut self,
        label: &str,
        num: u64,
        props: Map<String, Value>,
    ) -> Result<(), ExportError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        // The importer recognises the format by this exact beginning.
        line.extend_from_slice(b"{\"type\":\"node\",\"id\":\"");
        line.extend_from_slice(num.to_string().as_bytes());
        line.extend_from_slice(b"\",\"labels\":");
        serde_json::to_writer(&mut line, &[label]).expect("labels serialise");
        line.extend_from_slice(b",\"properties\":");
        serde_json::to_writer(&mut line, &without_nulls(props)).expect("properties serialise");
        line.extend_from_slice(b"}\n");
        let r = self.out.write_all(&line).map_err(self.io());
        self.line = line;
        self.nodes += 1;
        r
    }

    /// The importer's id of a relationship's end: a person, a dwelling or the node just written.
    fn end_id(&self, target: &str, end: &str) -> u64 {
        match target {
            "Person" => end.parse().unwrap_or_default(),
            "Dwelling" => self.dwellings.get(end).copied().unwrap_or_default(),
            _ => match &self.last_node {
                Some((key, n)) if key == end => *n,
                _ => 0,
            },
        }
    }

    fn write_relationship(
        &mut self,
        rel: &str,
        target: &str,
        start_id: u64,
        end_id: u64,
        props: Map<String, Value>,
    ) -> Result<(), ExportError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        line.extend_from_slice(b"{\"type\":\"relationship\",\"id\":\"");
        line.extend_from_slice(self.relationships.to_string().as_bytes());
        line.extend_from_slice(b"\",\"label\":");
        serde_json::to_writer(&mut line, rel).expect("label serialises");
        line.extend_from_slice(b",\"start\":{\"id\":\"");
        line.extend_from_slice(start_id.to_string().as_bytes());
        line.extend_from_slice(b"\",\"labels\":[\"Person\"]},\"end\":{\"id\":\"");
        line.extend_from_slice(end_id.to_string().as_bytes());
        line.extend_from_slice(b"\",\"labels\":");
        serde_json::to_writer(&mut line, &[target]).expect("labels serialise");
        line.extend_from_slice(b"},\"properties\":");
        serde_json::to_writer(&mut line, &without_nulls(props)).expect("properties serialise");
        line.extend_from_slice(b"}\n");
        let r = self.out.write_all(&line).map_err(self.io());
        self.line = line;
        self.relationships += 1;
        r
    }
}

/// Writes every known file present in `from` as `out/graph.jsonl` (out is created), validated as
/// `load` validates on the reference date of `ctx`; rejects go to `out/rejects.ndjson`.
pub fn export(from: &Path, out: &Path, ctx: &Context) -> Result<JsonlSummary, ExportError> {
    let started = Instant::now();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| ExportError::Io { path, cause }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let graph = out.join(GRAPH_FILE);
    let rejects_path = out.join(REJECTS_FILE);
    let mut rejects_out = BufWriter::new(File::create(&rejects_path).map_err(io(&rejects_path))?);
    let mut w = Writer {
        out: BufWriter::with_capacity(1 << 20, File::create(&graph).map_err(io(&graph))?),
        path: graph.clone(),
        next_id: FIRST_OTHER_ID,
        dwellings: HashMap::new(),
        last_node: None,
        nodes: 0,
        relationships: 0,
        line: Vec::with_capacity(4096),
        repeated: HashSet::new(),
        pending_nodes: HashMap::new(),
        pending_rels: HashMap::new(),
        pending_order: vec![],
    };
    let mut summary = JsonlSummary {
        graph: graph.clone(),
        rejects: rejects_path.clone(),
        ..Default::default()
    };
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
        let (label, rel, target) = match *shape {
            Shape::Node { label } => (label, "", ""),
            Shape::Link { rel, target } => ("", rel, target),
            Shape::Fact { label, rel } | Shape::Series { label, rel } => (label, rel, label),
        };
        // Pass 1 (not for series: grouped per person, a series never repeats): the identities
        // that repeat, as hashes (8 bytes a record); the file's own persons and dwellings.
        if !matches!(shape, Shape::Series { .. }) {
            let mut seen = HashSet::new();
            let mut ignored = vec![];
            walk(
                file,
                *shape,
                open()?,
                ctx,
                &mut known,
                true,
                &mut ignored,
                |u| {
                    let h = hash_of(&identity(label, rel, &u));
                    if !seen.insert(h) {
                        w.repeated.insert(h);
                    }
                    Ok(())
                },
            )?;
        }
        // Pass 2: the units, written (repeated ones merged and written at the end).
        let mut rejected: Vec<Reject> = vec![];
        let read = walk(
            file,
            *shape,
            open()?,
            ctx,
            &mut known,
            true,
            &mut rejected,
            |u| w.unit(*shape, label, rel, target, u),
        )?;
        w.end_file(label, rel, target)?;
        for r in &rejected {
            serde_json::to_writer(&mut rejects_out, r).expect("rejects serialise");
            rejects_out.write_all(b"\n").map_err(io(&rejects_path))?;
        }
        summary.files.push(FileCounts {
            file: file.to_string(),
            read,
            written: read.saturating_sub(rejected.len() as u64),
            rejected: rejected.len() as u64,
        });
    }
    w.out.flush().map_err(io(&graph))?;
    rejects_out.flush().map_err(io(&rejects_path))?;
    summary.nodes = w.nodes;
    summary.relationships = w.relationships;
    summary.bytes = std::fs::metadata(&graph).map(|m| m.len()).unwrap_or(0);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_becomes_typed_nodes_and_relationships_with_numeric_ids() {
        let out = tempfile::tempdir().unwrap();
        let ctx = Context::on("2026-06-15".parse().unwrap());
        let s = export(Path::new("fixtures/sample"), out.path(), &ctx).unwrap();
        assert_eq!(s.rejected(), 0);
        let text = std::fs::read_to_string(out.path().join(GRAPH_FILE)).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len() as u64, s.nodes + s.relationships);
        // The importer's format detection looks at the first characters.
        assert!(
            text.starts_with("{\"type\":\"node\",\"id\":\""),
            "{}",
            &text[..60]
        );
        let person = lines
            .iter()
            .find(|l| l["labels"][0] == "Person")
            .expect("a person");
        let iin = person["properties"]["iin"].as_str().unwrap();
        assert_eq!(person["id"], iin, "a person's id is its IIN");
        assert!(person["properties"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| !v.is_null()));
        // Every relationship's ends are nodes of the file, with the labels it names.
        let ids: HashMap<String, String> = lines
            .iter()
            .filter(|l| l["type"] == "node")
            .map(|l| {
                (
                    l["id"].as_str().unwrap().to_string(),
                    l["labels"][0].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(ids.len() as u64, s.nodes, "node ids are unique");
        for r in lines.iter().filter(|l| l["type"] == "relationship") {
            for end in ["start", "end"] {
                let id = r[end]["id"].as_str().unwrap();
                assert_eq!(
                    ids.get(id).map(String::as_str),
                    r[end]["labels"][0].as_str(),
                    "{r}"
                );
            }
        }
        let income = lines
            .iter()
            .find(|l| l["labels"][0] == "Income")
            .expect("an income series");
        assert!(income["properties"]["year"].is_i64(), "{income}");
        assert!(income["properties"]["fact_key"].is_string(), "{income}");
    }
}
