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
//! yearly series). Each file is read once: persons and dwellings come before the files that
//! refer to them. Null properties are left out (as `SET +=` leaves them unset). Node ids are
//! numbers (the importer then keeps its id map in primitive arrays): a person's IIN, and a
//! counter from 10^13 up for every other node; the importer stores the id in an `id` property,
//! which [`crate::bulk_load`] removes after the import.

use super::{walk, ExportError, Known, Shape, Unit, SHAPES};
use crate::ingest::{Context, Reject};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The JSONL file [`export`] writes in its output directory.
pub const GRAPH_FILE: &str = "graph.jsonl";
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

    fn node(
        &mut self,
        shape: Shape,
        label: &str,
        id: &str,
        props: Map<String, Value>,
    ) -> Result<(), ExportError> {
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

    fn relationship(
        &mut self,
        rel: &str,
        target: &str,
        start: &str,
        end: &str,
        props: Map<String, Value>,
    ) -> Result<(), ExportError> {
        let start_id: u64 = start.parse().unwrap_or_default();
        let end_id = self.end_id(target, end);
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
        let reader = BufReader::with_capacity(1 << 20, File::open(&path).map_err(io(&path))?);
        let (label, rel, target) = match *shape {
            Shape::Node { label } => (label, "", ""),
            Shape::Link { rel, target } => ("", rel, target),
            Shape::Fact { label, rel } | Shape::Series { label, rel } => (label, rel, label),
        };
        let mut rejected: Vec<Reject> = vec![];
        // One pass: the file's own persons and dwellings are noted as they are read (every
        // reference to them is in a later file).
        let read = walk(
            file,
            *shape,
            reader,
            ctx,
            &mut known,
            true,
            &mut rejected,
            |u| match u {
                Unit::Node { id, props } => w.node(*shape, label, id, props),
                Unit::Rel { start, end, props } => w.relationship(rel, target, start, end, props),
            },
        )?;
        for r in &rejected {
            serde_json::to_writer(&mut rejects_out, r).expect("rejects serialise");
            rejects_out.write_all(b"\n").map_err(io(&rejects_path))?;
        }
        summary.files.push(FileCounts {
            file: file.to_string(),
            read,
            written: read - rejected.len() as u64,
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
        assert!(text.starts_with("{\"type\":\"node\",\"id\":\""), "{}", &text[..60]);
        let person = lines
            .iter()
            .find(|l| l["labels"][0] == "Person")
            .expect("a person");
        let iin = person["properties"]["iin"].as_str().unwrap();
        assert_eq!(person["id"], iin, "a person's id is its IIN");
        assert!(person["properties"].as_object().unwrap().values().all(|v| !v.is_null()));
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
                assert_eq!(ids.get(id).map(String::as_str), r[end]["labels"][0].as_str(), "{r}");
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
