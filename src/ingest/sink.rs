//! Where the pipeline's results go, record by record, so that nothing grows with the input:
//! rejects to a [`RejectSink`] (an NDJSON file, a job's report, a bounded in-memory list, or
//! two of them at once) and accepted records to an [`AcceptedSink`] (a job's accepted-record
//! report, or nowhere).

use super::{IngestError, Reject};
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Receives every reject as it is found. Validation rejects come in line order; unknown
/// references come when their batch is written, so within a file a sink sees rejects in the
/// order they were found, not sorted by line.
pub trait RejectSink: Send {
    fn reject(&mut self, r: Reject) -> Result<(), IngestError>;
    /// A source (one file) is done.
    fn end_file(&mut self) -> Result<(), IngestError> {
        Ok(())
    }
}

/// One accepted record: its line and the natural keys it was written under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub file: String,
    pub line: usize,
    /// The record's own key (IIN, address id, fact key), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The person it belongs to or links from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The node it links to (an address, a spouse, a child).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// Receives every record the database wrote.
pub trait AcceptedSink: Send {
    fn accepted(&mut self, a: Accepted) -> Result<(), IngestError>;
}

/// Accepted records nobody asked for (`family-card load`).
pub struct Discard;

impl AcceptedSink for Discard {
    fn accepted(&mut self, _: Accepted) -> Result<(), IngestError> {
        Ok(())
    }
}

/// NDJSON lines appended to a file (a rejects file, a job's reports).
pub struct NdjsonFile {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl NdjsonFile {
    /// Creates (truncates) the file.
    pub fn create(path: &Path) -> Result<Self, IngestError> {
        let f = std::fs::File::create(path).map_err(io(path))?;
        Ok(NdjsonFile {
            path: path.to_path_buf(),
            out: BufWriter::new(f),
        })
    }

    /// Opens the file for appending (created if missing).
    pub fn append(path: &Path) -> Result<Self, IngestError> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io(path))?;
        Ok(NdjsonFile {
            path: path.to_path_buf(),
            out: BufWriter::new(f),
        })
    }

    fn line<T: Serialize>(&mut self, v: &T) -> Result<(), IngestError> {
        serde_json::to_writer(&mut self.out, v).expect("reports serialize");
        self.out.write_all(b"\n").map_err(io(&self.path))
    }

    /// Flushes and syncs the file to disk.
    pub fn finish(mut self) -> Result<(), IngestError> {
        self.out.flush().map_err(io(&self.path))?;
        self.out.get_ref().sync_data().map_err(io(&self.path))
    }

    /// Flushes buffered lines (readers of the file see them).
    pub fn flush(&mut self) -> Result<(), IngestError> {
        self.out.flush().map_err(io(&self.path))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IngestError {
    let path = path.to_path_buf();
    move |cause| IngestError::Io { path, cause }
}

impl RejectSink for NdjsonFile {
    fn reject(&mut self, r: Reject) -> Result<(), IngestError> {
        self.line(&r)
    }
    fn end_file(&mut self) -> Result<(), IngestError> {
        self.flush()
    }
}

impl AcceptedSink for NdjsonFile {
    fn accepted(&mut self, a: Accepted) -> Result<(), IngestError> {
        self.line(&a)
    }
}

/// The first `max` rejects, kept in memory (sorted by line within each file); the others are
/// only counted.
#[derive(Debug, Default)]
pub struct BoundedList {
    max: usize,
    kept: Vec<Reject>,
    file_start: usize,
    /// Rejects beyond `max`, counted, not kept.
    pub not_kept: usize,
}

impl BoundedList {
    pub fn new(max: usize) -> Self {
        BoundedList {
            max,
            ..Default::default()
        }
    }
    pub fn into_rejects(self) -> Vec<Reject> {
        self.kept
    }
}

impl RejectSink for BoundedList {
    fn reject(&mut self, r: Reject) -> Result<(), IngestError> {
        if self.kept.len() < self.max {
            self.kept.push(r);
        } else {
            self.not_kept += 1;
        }
        Ok(())
    }
    fn end_file(&mut self) -> Result<(), IngestError> {
        self.kept[self.file_start..].sort_by_key(|r| r.line);
        self.file_start = self.kept.len();
        Ok(())
    }
}

/// Both sinks (a rejects file and the first rejects in memory, for the CLI's summary).
pub struct Tee<'a>(pub &'a mut dyn RejectSink, pub &'a mut dyn RejectSink);

impl RejectSink for Tee<'_> {
    fn reject(&mut self, r: Reject) -> Result<(), IngestError> {
        self.0.reject(r.clone())?;
        self.1.reject(r)
    }
    fn end_file(&mut self) -> Result<(), IngestError> {
        self.0.end_file()?;
        self.1.end_file()
    }
}

impl<T: RejectSink + ?Sized> RejectSink for &mut T {
    fn reject(&mut self, r: Reject) -> Result<(), IngestError> {
        (**self).reject(r)
    }
    fn end_file(&mut self) -> Result<(), IngestError> {
        (**self).end_file()
    }
}
