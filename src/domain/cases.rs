//! Investigators' cases: the purpose and legal basis every read under a case is recorded with,
//! the persons it concerns, notes, pinned graph views and a conclusion. Pure: validation of
//! inputs (each error names its field) and the allowed status transitions, so the store only
//! saves what these functions accepted and the API only translates.

use super::ids::Iin;
use serde::{Deserialize, Serialize};

pub const MAX_TITLE: usize = 200;
pub const MAX_PURPOSE: usize = 500;
pub const MAX_LEGAL_BASIS: usize = 500;
pub const MAX_NOTE: usize = 10_000;
pub const MAX_VIEW_NAME: usize = 200;
/// A pinned view's slice (JSON text) is at most this many bytes.
pub const MAX_VIEW_SLICE: usize = 1_000_000;
pub const MAX_CONCLUSION: usize = 10_000;
pub const MAX_SUBJECTS: usize = 200;
pub const MAX_NOTES: usize = 1_000;
pub const MAX_VIEWS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Suspended,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Suspended => "suspended",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<CaseStatus> {
        [CaseStatus::Open, CaseStatus::Suspended, CaseStatus::Closed]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNote {
    pub at: String,
    pub by: String,
    pub text: String,
}

/// A graph view the investigator kept: the slice as JSON text, as the explorer drew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedView {
    pub at: String,
    pub by: String,
    pub name: String,
    pub slice: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub case_id: String,
    pub title: String,
    pub purpose: String,
    pub legal_basis: String,
    pub region: String,
    pub status: CaseStatus,
    pub opened_by: String,
    pub opened_at: String,
    pub subjects: Vec<String>,
    pub notes: Vec<CaseNote>,
    pub views: Vec<PinnedView>,
    pub conclusion: Option<String>,
    /// Saved changes so far (1 when opened): a change is saved only onto the version it was
    /// made from (`cypher/case_update.cypher`), so two concurrent changes never overwrite
    /// each other.
    #[serde(default)]
    pub version: i64,
}

/// A refused case input or change: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseError {
    pub field: &'static str,
    pub message: String,
}

impl CaseError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        CaseError {
            field,
            message: message.into(),
        }
    }
}

fn text(field: &'static str, v: &str, max: usize) -> Result<String, CaseError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(CaseError::new(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(CaseError::new(field, format!("at most {max} characters")));
    }
    Ok(v.to_string())
}

fn subject(field: &'static str, v: &str) -> Result<String, CaseError> {
    Iin::parse(v.trim())
        .map(|i| i.as_str().to_string())
        .map_err(|e| CaseError::new(field, e.to_string()))
}

/// What opening a case needs.
pub struct NewCase<'a> {
    pub title: &'a str,
    pub purpose: &'a str,
    pub legal_basis: &'a str,
    pub region: &'a str,
    pub subjects: &'a [String],
}

/// A new open case with id `case_id`, opened by `by` at `at`; subjects deduplicated in order.
pub fn open(case_id: String, n: &NewCase<'_>, by: &str, at: &str) -> Result<Case, CaseError> {
    let title = text("title", n.title, MAX_TITLE)?;
    let purpose = text("purpose", n.purpose, MAX_PURPOSE)?;
    let legal_basis = text("legalBasis", n.legal_basis, MAX_LEGAL_BASIS)?;
    let region = text("region", n.region, 40)?;
    if n.subjects.len() > MAX_SUBJECTS {
        return Err(CaseError::new(
            "subjects",
            format!("at most {MAX_SUBJECTS}"),
        ));
    }
    let mut subjects: Vec<String> = Vec::new();
    for s in n.subjects {
        let s = subject("subjects", s)?;
        if !subjects.contains(&s) {
            subjects.push(s);
        }
    }
    Ok(Case {
        case_id,
        title,
        purpose,
        legal_basis,
        region,
        status: CaseStatus::Open,
        opened_by: by.into(),
        opened_at: at.into(),
        subjects,
        notes: vec![],
        views: vec![],
        conclusion: None,
        version: 1,
    })
}

fn not_closed(c: &Case) -> Result<(), CaseError> {
    if c.status == CaseStatus::Closed {
        Err(CaseError::new("caseId", "the case is closed"))
    } else {
        Ok(())
    }
}

/// Adds a person (no-op when already a subject); not on a closed case.
pub fn add_subject(c: &mut Case, iin: &str) -> Result<(), CaseError> {
    not_closed(c)?;
    let s = subject("iin", iin)?;
    if !c.subjects.contains(&s) {
        if c.subjects.len() >= MAX_SUBJECTS {
            return Err(CaseError::new(
                "iin",
                format!("at most {MAX_SUBJECTS} subjects"),
            ));
        }
        c.subjects.push(s);
    }
    Ok(())
}

/// Adds a note; a closed case takes no more notes.
pub fn add_note(c: &mut Case, text_: &str, by: &str, at: &str) -> Result<(), CaseError> {
    not_closed(c)?;
    let t = text("text", text_, MAX_NOTE)?;
    if c.notes.len() >= MAX_NOTES {
        return Err(CaseError::new("text", format!("at most {MAX_NOTES} notes")));
    }
    c.notes.push(CaseNote {
        at: at.into(),
        by: by.into(),
        text: t,
    });
    Ok(())
}

/// Pins a view; the slice must be a JSON object or array.
pub fn pin_view(
    c: &mut Case,
    name: &str,
    slice: &str,
    by: &str,
    at: &str,
) -> Result<(), CaseError> {
    not_closed(c)?;
    let name = text("name", name, MAX_VIEW_NAME)?;
    if slice.len() > MAX_VIEW_SLICE {
        return Err(CaseError::new(
            "slice",
            format!("at most {MAX_VIEW_SLICE} bytes"),
        ));
    }
    match serde_json::from_str::<serde_json::Value>(slice) {
        Ok(v) if v.is_object() || v.is_array() => {}
        Ok(_) => return Err(CaseError::new("slice", "must be a JSON object or array")),
        Err(e) => return Err(CaseError::new("slice", format!("not JSON: {e}"))),
    }
    if c.views.len() >= MAX_VIEWS {
        return Err(CaseError::new("name", format!("at most {MAX_VIEWS} views")));
    }
    c.views.push(PinnedView {
        at: at.into(),
        by: by.into(),
        name,
        slice: slice.into(),
    });
    Ok(())
}

/// The allowed transitions: open ⇄ suspended, open|suspended → closed (with a conclusion);
/// a closed case stays closed.
pub fn set_status(c: &mut Case, to: CaseStatus, conclusion: Option<&str>) -> Result<(), CaseError> {
    use CaseStatus::*;
    match (c.status, to) {
        (Closed, _) => return Err(CaseError::new("status", "a closed case stays closed")),
        (from, to) if from == to => {
            return Err(CaseError::new(
                "status",
                format!("the case is already {}", to.as_str()),
            ))
        }
        (_, Closed) => {
            let Some(t) = conclusion else {
                return Err(CaseError::new(
                    "conclusion",
                    "closing a case needs a conclusion",
                ));
            };
            c.conclusion = Some(text("conclusion", t, MAX_CONCLUSION)?);
        }
        _ => {
            if conclusion.is_some() {
                return Err(CaseError::new(
                    "conclusion",
                    "only closing takes a conclusion",
                ));
            }
        }
    }
    c.status = to;
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The case as CSV: one row per fact (`case_id,kind,at,by,value`), header first.
pub fn to_csv(c: &Case) -> String {
    let mut rows: Vec<[String; 5]> = vec![
        [
            "title".into(),
            c.opened_at.clone(),
            c.opened_by.clone(),
            c.title.clone(),
        ],
        [
            "purpose".into(),
            c.opened_at.clone(),
            c.opened_by.clone(),
            c.purpose.clone(),
        ],
        [
            "legal_basis".into(),
            c.opened_at.clone(),
            c.opened_by.clone(),
            c.legal_basis.clone(),
        ],
        [
            "region".into(),
            c.opened_at.clone(),
            c.opened_by.clone(),
            c.region.clone(),
        ],
        [
            "status".into(),
            String::new(),
            String::new(),
            c.status.as_str().into(),
        ],
    ]
    .into_iter()
    .map(|[k, a, b, v]| [c.case_id.clone(), k, a, b, v])
    .collect();
    for s in &c.subjects {
        rows.push([
            c.case_id.clone(),
            "subject".into(),
            String::new(),
            String::new(),
            s.clone(),
        ]);
    }
    for n in &c.notes {
        rows.push([
            c.case_id.clone(),
            "note".into(),
            n.at.clone(),
            n.by.clone(),
            n.text.clone(),
        ]);
    }
    for v in &c.views {
        rows.push([
            c.case_id.clone(),
            "view".into(),
            v.at.clone(),
            v.by.clone(),
            v.name.clone(),
        ]);
    }
    if let Some(x) = &c.conclusion {
        rows.push([
            c.case_id.clone(),
            "conclusion".into(),
            String::new(),
            String::new(),
            x.clone(),
        ]);
    }
    let mut out = String::from("case_id,kind,at,by,value\n");
    for r in rows {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const IIN: &str = "880315401029";

    fn case() -> Case {
        open(
            "CASE-1".into(),
            &NewCase {
                title: " Fictitious divorce ",
                purpose: "check",
                legal_basis: "Law 2023 art. 5",
                region: "75",
                subjects: &[IIN.into(), IIN.into()],
            },
            "inv",
            "2026-01-01T00:00:00Z",
        )
        .unwrap()
    }

    #[test]
    fn opening_validates_and_dedups() {
        let c = case();
        assert_eq!(c.title, "Fictitious divorce");
        assert_eq!(c.subjects, vec![IIN.to_string()]);
        assert_eq!(c.status, CaseStatus::Open);
        let bad = open(
            "x".into(),
            &NewCase {
                title: "t",
                purpose: "",
                legal_basis: "l",
                region: "75",
                subjects: &[],
            },
            "i",
            "a",
        );
        assert_eq!(bad.unwrap_err().field, "purpose");
        let bad = open(
            "x".into(),
            &NewCase {
                title: "t",
                purpose: "p",
                legal_basis: "l",
                region: "75",
                subjects: &["123".into()],
            },
            "i",
            "a",
        );
        assert_eq!(bad.unwrap_err().field, "subjects");
        let long = "x".repeat(MAX_TITLE + 1);
        let bad = open(
            "x".into(),
            &NewCase {
                title: &long,
                purpose: "p",
                legal_basis: "l",
                region: "75",
                subjects: &[],
            },
            "i",
            "a",
        );
        assert_eq!(bad.unwrap_err().field, "title");
    }

    #[test]
    fn transitions_and_closing() {
        let mut c = case();
        assert_eq!(
            set_status(&mut c, CaseStatus::Closed, None)
                .unwrap_err()
                .field,
            "conclusion"
        );
        set_status(&mut c, CaseStatus::Suspended, None).unwrap();
        assert!(set_status(&mut c, CaseStatus::Suspended, None).is_err());
        set_status(&mut c, CaseStatus::Open, None).unwrap();
        add_note(&mut c, "seen", "inv", "t").unwrap();
        set_status(&mut c, CaseStatus::Closed, Some("no fraud")).unwrap();
        assert_eq!(c.conclusion.as_deref(), Some("no fraud"));
        assert_eq!(
            add_note(&mut c, "more", "inv", "t").unwrap_err().field,
            "caseId"
        );
        assert!(set_status(&mut c, CaseStatus::Open, None).is_err());
        assert!(add_subject(&mut c, IIN).is_err());
    }

    #[test]
    fn views_need_json() {
        let mut c = case();
        assert_eq!(
            pin_view(&mut c, "v", "nope", "i", "t").unwrap_err().field,
            "slice"
        );
        assert_eq!(
            pin_view(&mut c, "v", "3", "i", "t").unwrap_err().field,
            "slice"
        );
        pin_view(&mut c, "v", r#"{"nodes":[]}"#, "i", "t").unwrap();
        assert_eq!(c.views.len(), 1);
    }

    #[test]
    fn csv_escapes() {
        let mut c = case();
        add_note(&mut c, "a, \"b\"\nc", "inv", "t").unwrap();
        let csv = to_csv(&c);
        assert!(csv.starts_with("case_id,kind,at,by,value\n"));
        assert!(
            csv.contains("CASE-1,note,t,inv,\"a, \"\"b\"\"\nc\"\n"),
            "{csv}"
        );
        assert!(csv.contains(&format!("CASE-1,subject,,,{IIN}\n")));
    }
}
