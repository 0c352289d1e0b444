//! The ONE place every read of personal data and every change passes through.
//!
//! A [`Gate`] is made per request for its authenticated [`Principal`]. Each method asks the
//! policy ([`super::policy::decide`]) first for the role and purpose, loads the object, asks
//! again with the object's region, and notes the outcome (allowed, denied, not found) and every
//! person it let through. The HTTP layer turns those notes into one audit record per operation
//! ([`crate::audit`]). Loads are cached for the request: the same family asked for twice — by
//! two aliases, or by a member's `family` — is one load.

use super::error::{ApiError, ApiResult};
use super::policy::{decide, decide_role, Action, Principal};
use crate::audit::AuditAccess;
use crate::domain::cases::{Case, CaseStatus};
use crate::domain::ids::Iin;
use crate::domain::snapshot::FamilySnapshot;
use crate::family_cards::{self, FamilyError};
use crate::store::{LoadScope, Store};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

pub use super::policy::Role;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LoadKey {
    FamilyOfPerson(String, NaiveDate),
    FamilyById(String, NaiveDate),
}

type Cell = Arc<OnceCell<Arc<FamilySnapshot>>>;

/// What the gate noted during a request, for its audit record.
#[derive(Debug, Default, Clone)]
pub struct AccessNotes {
    pub accesses: Vec<AuditAccess>,
    pub accessed_iins: BTreeSet<String>,
    pub changed: bool,
    /// The open case the operation's reads were done under (`caseId` of a link query).
    pub case_id: Option<String>,
}

/// The per-request gate (see the module doc).
pub struct Gate {
    store: Store,
    who: Principal,
    /// What family loads fetch: the whole card, or only its composition when the request's
    /// document asks for nothing else (`super::family::load_scope`).
    scope: LoadScope,
    loads: Mutex<HashMap<LoadKey, Cell>>,
    notes: Mutex<AccessNotes>,
}

fn store_error(e: crate::store::StoreError) -> ApiError {
    ApiError::from(FamilyError::Store(e))
}

impl Gate {
    pub fn new(store: Store, who: Principal) -> Self {
        Gate {
            store,
            who,
            scope: LoadScope::Full,
            loads: Mutex::new(HashMap::new()),
            notes: Mutex::new(AccessNotes::default()),
        }
    }

    /// Family loads of this request fetch only what `scope` covers.
    pub fn with_scope(mut self, scope: LoadScope) -> Self {
        self.scope = scope;
        self
    }

    pub fn principal(&self) -> &Principal {
        &self.who
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The notes so far (read at the end of the request).
    pub fn notes(&self) -> AccessNotes {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn note(&self, action: &str, object: &str, outcome: &str) {
        let mut n = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        // Aliases of the same read are one entry.
        let a = AuditAccess {
            action: action.into(),
            object: object.into(),
            outcome: outcome.into(),
        };
        if !n.accesses.contains(&a) && n.accesses.len() < 1_000 {
            n.accesses.push(a);
        }
    }

    fn note_persons<'a>(&self, iins: impl IntoIterator<Item = &'a Iin>) {
        let mut n = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        n.accessed_iins
            .extend(iins.into_iter().map(|i| i.as_str().to_string()));
    }

    /// Marks the operation as a change (audit).
    pub fn note_change(&self) {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).changed = true;
    }

    /// The policy for an action before the object is known; a refusal is noted and returned.
    pub fn require(&self, action: Action, what: &str, object: &str) -> ApiResult<()> {
        decide_role(&self.who, action).map_err(|d| {
            self.note(what, object, d.code());
            ApiError::Forbidden(d.message(action))
        })
    }

    /// The policy for an action on an object in `region`.
    fn require_in(
        &self,
        action: Action,
        what: &str,
        object: &str,
        region: Option<&str>,
    ) -> ApiResult<()> {
        decide(&self.who, action, region).map_err(|d| {
            self.note(what, object, d.code());
            ApiError::Forbidden(d.message(action))
        })
    }

    async fn cached<F, Fut>(
        &self,
        key: LoadKey,
        load: F,
    ) -> Result<Arc<FamilySnapshot>, FamilyError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<FamilySnapshot, FamilyError>>,
    {
        let cell = self
            .loads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone();
        let s = cell
            .get_or_try_init(|| async { load().await.map(Arc::new) })
            .await
            .cloned()?;
        self.seed(&s);
        Ok(s)
    }

    /// The per-request loader: a family loaded once answers, without a load of its own, every
    /// later ask for the family of one of its members on the same date (`members { node {
    /// family | entitlements } }`) and for the card by id — a person is counted in one family
    /// only, and that family's composition counted them.
    fn seed(&self, s: &Arc<FamilySnapshot>) {
        let d = s.as_of();
        let mut loads = self.loads.lock().unwrap_or_else(|p| p.into_inner());
        let keys = s
            .members
            .iter()
            .map(|m| LoadKey::FamilyOfPerson(m.iin().as_str().into(), d))
            .chain([LoadKey::FamilyById(
                s.composition.family_id.as_str().into(),
                d,
            )]);
        for k in keys {
            let cell = loads.entry(k).or_default();
            if !cell.initialized() {
                let _ = cell.set(s.clone());
            }
        }
    }

    fn admit_family(&self, what: &str, object: &str, s: &FamilySnapshot) -> ApiResult<()> {
        self.require_in(Action::ReadFamily, what, object, s.region())?;
        self.note(what, object, "allowed");
        self.note_persons(family_persons(s));
        Ok(())
    }

    fn failed(&self, what: &str, object: &str, e: FamilyError) -> ApiError {
        let outcome = match &e {
            FamilyError::Store(_) => "failed",
            _ => "not_found",
        };
        self.note(what, object, outcome);
        ApiError::from(e)
    }

    /// The family `iin` belongs to on `as_of`.
    pub async fn family_of_person(
        &self,
        iin: &Iin,
        as_of: NaiveDate,
    ) -> ApiResult<Arc<FamilySnapshot>> {
        let what = "family_by_iin";
        self.require(Action::ReadFamily, what, iin.as_str())?;
        let s = self
            .cached(LoadKey::FamilyOfPerson(iin.as_str().into(), as_of), || {
                family_cards::family_of_person_in(&self.store, iin, as_of, self.scope)
            })
            .await
            .map_err(|e| self.failed(what, iin.as_str(), e))?;
        self.admit_family(what, iin.as_str(), &s)?;
        Ok(s)
    }

    /// A family card by id on `as_of`.
    pub async fn family_by_id(&self, id: &str, as_of: NaiveDate) -> ApiResult<Arc<FamilySnapshot>> {
        let what = "family_by_id";
        self.require(Action::ReadFamily, what, id)?;
        let s = self
            .cached(LoadKey::FamilyById(id.into(), as_of), || {
                family_cards::family_by_id(&self.store, id, as_of)
            })
            .await
            .map_err(|e| self.failed(what, id, e))?;
        self.admit_family(what, id, &s)?;
        Ok(s)
    }

    /// A person's own record (region: where they are registered today).
    pub async fn person(
        &self,
        iin: &Iin,
    ) -> ApiResult<Option<crate::domain::registry::PersonFacts>> {
        let what = "person";
        self.require(Action::ReadPerson, what, iin.as_str())?;
        let Some(f) = self.store.load_person(iin).await.map_err(store_error)? else {
            self.note(what, iin.as_str(), "not_found");
            return Ok(None);
        };
        let today = chrono::Utc::now().date_naive();
        let region = f.registration_on(today).map(|r| r.dwelling.region.clone());
        self.require_in(Action::ReadPerson, what, iin.as_str(), region.as_deref())?;
        self.note(what, iin.as_str(), "allowed");
        self.note_persons([iin]);
        Ok(Some(f))
    }

    /// The stored well-being history of a family the gate let through.
    pub async fn wellbeing_history(&self, s: &FamilySnapshot) -> ApiResult<Vec<serde_json::Value>> {
        self.require_in(
            Action::ReadFamily,
            "wellbeing_history",
            s.composition.family_id.as_str(),
            s.region(),
        )?;
        self.store
            .wellbeing_history(s.composition.family_id.as_str())
            .await
            .map_err(store_error)
    }

    /// Entitlements recorded by detection runs for a family the gate let through.
    pub async fn recorded_entitlements(
        &self,
        s: &FamilySnapshot,
    ) -> ApiResult<Vec<serde_json::Value>> {
        self.require_in(
            Action::ReadFamily,
            "recorded_entitlements",
            s.composition.family_id.as_str(),
            s.region(),
        )?;
        self.store
            .entitlements_of_family(s.composition.family_id.as_str())
            .await
            .map_err(store_error)
    }

    /// The region an aggregate may be computed for: a regional principal only its own region.
    pub fn aggregate_region(&self, asked: Option<String>) -> ApiResult<Option<String>> {
        let what = "aggregate";
        self.require(
            Action::ReadAggregates,
            what,
            asked.as_deref().unwrap_or("*"),
        )?;
        let out = match (&self.who.region, asked) {
            (super::policy::RegionScope::National, asked) => asked,
            (super::policy::RegionScope::Region(mine), None) => Some(mine.clone()),
            (super::policy::RegionScope::Region(mine), Some(r)) if &r == mine => Some(r),
            (_, Some(r)) => {
                self.note(what, &r, "denied_region");
                return Err(ApiError::Forbidden(
                    "this region is outside your region scope".into(),
                ));
            }
        };
        self.note(what, out.as_deref().unwrap_or("*"), "allowed");
        Ok(out)
    }

    /// Aggregates over the whole country (e.g. campaign figures, which have no region yet):
    /// national scope only.
    pub fn national_aggregate(&self, what: &str) -> ApiResult<()> {
        self.require_in(Action::ReadAggregates, what, "*", None)?;
        self.note(what, "*", "allowed");
        Ok(())
    }

    /// An offer with its transitions, messages and payment orders. Payment orders are dropped
    /// from the answer when the role may not read them.
    pub async fn offer(&self, offer_id: &str) -> ApiResult<serde_json::Value> {
        let what = "offer";
        self.require(Action::ReadOffer, what, offer_id)?;
        let v = self
            .offer_in_scope(Action::ReadOffer, what, offer_id)
            .await?;
        let mut v = v;
        let region = v["offer"]["region"].as_str().map(str::to_string);
        if decide(&self.who, Action::ReadPaymentOrder, region.as_deref()).is_err() {
            v["payment_orders"] = serde_json::Value::Array(vec![]);
        }
        self.note(what, offer_id, "allowed");
        if let Some(i) = v["offer"]["recipient_iin"]
            .as_str()
            .and_then(|s| Iin::parse(s).ok())
        {
            self.note_persons([&i]);
        }
        Ok(v)
    }

    async fn offer_in_scope(
        &self,
        action: Action,
        what: &str,
        offer_id: &str,
    ) -> ApiResult<serde_json::Value> {
        let v = self.store.offer(offer_id).await.map_err(store_error)?;
        let Some(v) = v else {
            self.note(what, offer_id, "not_found");
            return Err(ApiError::NotFound("no offer with this id".into()));
        };
        let region = v["offer"]["region"].as_str();
        self.require_in(action, what, offer_id, region)?;
        Ok(v)
    }

    /// Whether this principal may answer the offer on a citizen's behalf (operators of the
    /// offer's region). Noted either way.
    pub async fn may_answer_offer(&self, offer_id: &str, what: &str) -> ApiResult<()> {
        self.require(Action::AnswerOffer, what, offer_id)?;
        self.offer_in_scope(Action::AnswerOffer, what, offer_id)
            .await?;
        self.note(what, offer_id, "allowed");
        self.note_change();
        Ok(())
    }

    /// A link answer (neighbourhood, paths, timeline, signals) loaded after
    /// `require(Action::ReadLinks, …)`: each anchor person (the one asked about; both ends of a
    /// path) must be in the principal's region scope — their region is where they are
    /// registered today — and every person the answer names is noted for the audit trail.
    pub fn admit_links<'a>(
        &self,
        what: &str,
        object: &str,
        anchor_regions: &[Option<&str>],
        persons: impl IntoIterator<Item = &'a Iin>,
    ) -> ApiResult<()> {
        for region in anchor_regions {
            self.require_in(Action::ReadLinks, what, object, *region)?;
        }
        self.note(what, object, "allowed");
        self.note_persons(persons);
        Ok(())
    }

    /// A case the principal may `action` (`ReadCases`, `ManageCases`) on: loaded, in the
    /// principal's region scope (the case's region), noted with its subjects.
    pub async fn case(&self, action: Action, what: &str, case_id: &str) -> ApiResult<Case> {
        self.require(action, what, case_id)?;
        let c = self.store.case(case_id).await.map_err(store_error)?;
        let Some(c) = c else {
            self.note(what, case_id, "not_found");
            return Err(ApiError::NotFound("no case with this id".into()));
        };
        self.admit_case(action, what, &c)?;
        Ok(c)
    }

    /// A case (new, or listed) the principal may `action` on: in scope of its region; noted.
    pub fn admit_case(&self, action: Action, what: &str, c: &Case) -> ApiResult<()> {
        self.require_in(action, what, &c.case_id, Some(&c.region))?;
        self.note(what, &c.case_id, "allowed");
        let subjects: Vec<Iin> = c
            .subjects
            .iter()
            .filter_map(|s| Iin::parse(s).ok())
            .collect();
        self.note_persons(subjects.iter());
        Ok(())
    }

    /// Reads done under a case (`caseId` of the link queries): the case must exist, be open and
    /// be one the principal works (`ManageCases` in scope); the operation's audit record then
    /// carries its id.
    pub async fn under_case(&self, case_id: Option<&str>) -> ApiResult<()> {
        let Some(id) = case_id else {
            return Ok(());
        };
        let what = "under_case";
        let c = self.case(Action::ManageCases, what, id).await?;
        if c.status != CaseStatus::Open {
            self.note(what, id, "denied_case_not_open");
            return Err(ApiError::Forbidden(format!(
                "reads under a case need an open case; this one is {}",
                c.status.as_str()
            )));
        }
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).case_id = Some(c.case_id);
        Ok(())
    }

    /// The region the case list is filtered to: what was asked when the principal is not bound
    /// to a region for reading cases (national scope, auditors), else its own region.
    pub fn case_list_region(&self, asked: Option<String>) -> ApiResult<Option<String>> {
        let what = "cases";
        self.require(Action::ReadCases, what, asked.as_deref().unwrap_or("*"))?;
        if decide(&self.who, Action::ReadCases, None).is_ok() {
            self.note(what, asked.as_deref().unwrap_or("*"), "allowed");
            return Ok(asked);
        }
        self.scoped_region(Action::ReadCases, what, asked)
    }

    /// The region scope a principal may ask for under `action` (event subscriptions): a regional
    /// principal only its own region (also when it asks for none); a national one what it asks
    /// (`None`: everything).
    pub fn scoped_region(
        &self,
        action: Action,
        what: &str,
        asked: Option<String>,
    ) -> ApiResult<Option<String>> {
        self.require(action, what, asked.as_deref().unwrap_or("*"))?;
        let asked = asked.filter(|r| r != "*");
        let out = match (&self.who.region, asked) {
            (super::policy::RegionScope::National, asked) => asked,
            (super::policy::RegionScope::Region(mine), None) => Some(mine.clone()),
            (super::policy::RegionScope::Region(mine), Some(r)) if &r == mine => Some(r),
            (_, Some(r)) => {
                self.note(what, &r, "denied_region");
                return Err(ApiError::Forbidden(
                    "this region is outside your region scope".into(),
                ));
            }
        };
        self.note(what, out.as_deref().unwrap_or("*"), "allowed");
        Ok(out)
    }

    /// The partner id a partner's own objects (subscriptions) are kept under; the action is
    /// asked first, and a token without a `partner_id` claim is refused.
    pub fn own_partner_id(&self, action: Action, what: &str, object: &str) -> ApiResult<String> {
        self.require(action, what, object)?;
        match self.who.partner_id.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                self.note(what, object, "allowed");
                Ok(p.to_string())
            }
            None => {
                self.note(what, object, "denied_no_partner");
                Err(ApiError::Forbidden(
                    "the token has no partner_id claim: subscriptions belong to a partner".into(),
                ))
            }
        }
    }

    /// A family listed by a search (DCI predicates) with the region its latest assessment
    /// recorded: shown only when the principal may read family cards of that region.
    pub fn admit_listed_family(&self, what: &str, family_id: &str, region: Option<&str>) -> bool {
        if self
            .require_in(Action::ReadFamily, what, family_id, region)
            .is_err()
        {
            return false;
        }
        self.note(what, family_id, "allowed");
        true
    }

    /// Whether a change event of `region` may be shown to this principal (the GraphQL
    /// subscription asks for each event).
    pub fn admits_event(&self, region: Option<&str>) -> bool {
        decide(&self.who, Action::ReceiveEvents, region).is_ok()
    }

    /// Whether this principal may use the DCI API at all (each record is asked for again).
    pub fn dci(&self, what: &str) -> ApiResult<()> {
        self.require(Action::DciSearch, what, "*")
    }

    /// The audit trail (auditors).
    pub fn audit_trail(&self, object: &str) -> ApiResult<()> {
        self.require(Action::ReadAudit, "audit_trail", object)?;
        self.note("audit_trail", object, "allowed");
        Ok(())
    }

    /// The service configuration (admins).
    pub fn configuration(&self) -> ApiResult<()> {
        self.require(Action::ReadConfiguration, "configuration", "*")?;
        self.note("configuration", "*", "allowed");
        Ok(())
    }

    /// An IIN as this principal may see it.
    pub fn show_iin(&self, iin: &Iin) -> String {
        if self.who.sees_full_identifiers() {
            iin.as_str().to_string()
        } else {
            iin.masked()
        }
    }
}

/// Everybody a family answer can name: members, residents, relatives not counted, deceased.
fn family_persons(s: &FamilySnapshot) -> Vec<&Iin> {
    let mut v: Vec<&Iin> = s.members.iter().map(|m| m.iin()).collect();
    v.extend(s.household.residents.iter());
    v.extend(s.composition.not_counted.iter().map(|n| &n.iin));
    v.extend(s.composition.deceased.iter().map(|d| &d.iin));
    v
}

/// Masks every identifier in a string: each run of exactly 12 digits (IIN, BIN) keeps its first
/// four and last two, each Kazakh IBAN (`KZ` + 18) its first and last four. For answers to
/// principals who do not see full identifiers: applied to every string that leaves the API,
/// free text and error messages included.
pub fn mask_identifiers(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        let boundary_before = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if boundary_before && b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j - i == 12 {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&s[last..i]);
                o.push_str(&s[i..i + 4]);
                o.push_str("******");
                o.push_str(&s[i + 10..j]);
                last = j;
            }
            i = j;
            continue;
        }
        if boundary_before
            && b[i..].starts_with(b"KZ")
            && b.len() >= i + 20
            && b[i + 2..i + 20].iter().all(|c| c.is_ascii_alphanumeric())
            && (i + 20 == b.len() || !b[i + 20].is_ascii_alphanumeric())
        {
            let o = out.get_or_insert_with(String::new);
            o.push_str(&s[last..i]);
            o.push_str(&s[i..i + 4]);
            o.push_str("************");
            o.push_str(&s[i + 16..i + 20]);
            last = i + 20;
            i += 20;
            continue;
        }
        i += 1;
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}

/// Every valid IIN (check digit verified) written in full in a string.
pub fn full_iins_in(s: &str, into: &mut BTreeSet<String>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j - i == 12 && Iin::parse(&s[i..j]).is_ok() {
                into.insert(s[i..j].to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

/// Applies `f` to every string in a JSON value (keys included), in place. An object is rebuilt
/// only when `f` changed one of its keys (keys are the client's own field names almost always).
pub fn for_each_string(v: &mut serde_json::Value, f: &mut impl FnMut(&mut String)) {
    use serde_json::Value;
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| for_each_string(x, f)),
        Value::Object(o) => {
            o.values_mut().for_each(|x| for_each_string(x, f));
            let renamed: Vec<(String, String)> = o
                .keys()
                .filter_map(|k| {
                    let mut nk = k.clone();
                    f(&mut nk);
                    (nk != *k).then(|| (k.clone(), nk))
                })
                .collect();
            for (k, nk) in renamed {
                let val = o.remove(&k).unwrap_or(Value::Null);
                o.insert(nk, val);
            }
        }
        _ => {}
    }
}

/// The full IINs in every string of a serialised JSON document (keys included): what
/// [`full_iins_in`] finds in each string of the parsed value, found in one pass over the bytes
/// without parsing them (the answer of every request is scanned for the audit record). A digit
/// run outside a string (a number) is not an identifier; an escape sequence counts as a
/// non-alphanumeric character before a run, as the character it stands for does (a JSON writer
/// escapes no letter or digit).
pub fn full_iins_in_json(json: &[u8], into: &mut BTreeSet<String>) {
    let mut in_string = false;
    // Whether the previous character of the current string was alphanumeric.
    let mut prev_alnum = false;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if !in_string {
            if b == b'"' {
                in_string = true;
                prev_alnum = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = false;
                i += 1;
            }
            b'\\' => {
                // `\uXXXX` or a one-character escape: skip it whole.
                i += if json.get(i + 1) == Some(&b'u') { 6 } else { 2 };
                prev_alnum = false;
            }
            b'0'..=b'9' if !prev_alnum => {
                let start = i;
                while i < json.len() && json[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start == 12 {
                    if let Ok(run) = std::str::from_utf8(&json[start..i]) {
                        if Iin::parse(run).is_ok() {
                            into.insert(run.to_string());
                        }
                    }
                }
                prev_alnum = true;
            }
            _ => {
                prev_alnum = b.is_ascii_alphanumeric();
                i += 1;
            }
        }
    }
}

/// Masks identifiers (see [`mask_identifiers`]) in every string of a GraphQL answer, in place:
/// its data (object keys included: aliases are the client's, but masked all the same) and its
/// errors' messages and extensions.
pub fn mask_response(r: &mut async_graphql::Response) {
    fn walk(v: &mut async_graphql::Value) {
        use async_graphql::{Name, Value};
        match v {
            Value::String(s) => {
                if let Some(m) = mask_identifiers(s) {
                    *s = m;
                }
            }
            Value::List(l) => l.iter_mut().for_each(walk),
            Value::Object(o) => {
                o.values_mut().for_each(walk);
                if o.keys().any(|k| mask_identifiers(k).is_some()) {
                    let old = std::mem::take(o);
                    for (k, val) in old {
                        let k = mask_identifiers(&k).map(Name::new).unwrap_or(k);
                        o.insert(k, val);
                    }
                }
            }
            _ => {}
        }
    }
    walk(&mut r.data);
    for e in &mut r.errors {
        if let Some(m) = mask_identifiers(&e.message) {
            e.message = m;
        }
        if let Some(x) = e.extensions.as_mut() {
            let mut v = async_graphql::Value::from_json(
                serde_json::to_value(&*x).unwrap_or(serde_json::Value::Null),
            )
            .unwrap_or(async_graphql::Value::Null);
            walk(&mut v);
            if let async_graphql::Value::Object(o) = v {
                let mut masked = async_graphql::ErrorExtensionValues::default();
                for (k, val) in o {
                    masked.set(k.as_str(), val);
                }
                *x = masked;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_are_masked_in_free_text() {
        assert_eq!(
            mask_identifiers("mother 880315401029 (aged 38), account KZ86125KZT5004100100.")
                .unwrap(),
            "mother 8803******29 (aged 38), account KZ86************0100."
        );
        assert_eq!(mask_identifiers("amount 1234567 ₸"), None);
        assert_eq!(mask_identifiers("a 1234567890123 b"), None, "13 digits");
        assert_eq!(mask_identifiers("880315401029").unwrap(), "8803******29");
        assert_eq!(
            mask_identifiers("ж880315401029"),
            Some("ж8803******29".into())
        );
    }

    #[test]
    fn full_iins_are_found() {
        let mut s = BTreeSet::new();
        full_iins_in("a 880315401029, b 8803******29, c 123456789012", &mut s);
        assert!(s.contains("880315401029"));
        assert_eq!(s.len(), 1, "masked and invalid ones are not IINs");
    }

    /// The scan of the serialised answer finds what the scan of each of its strings finds.
    #[test]
    fn full_iins_in_json_finds_what_the_strings_hold() {
        let per_string = |v: &serde_json::Value| {
            let mut v = v.clone();
            let mut found = BTreeSet::new();
            for_each_string(&mut v, &mut |s| full_iins_in(s, &mut found));
            found
        };
        let cases = [
            json!({"iin": "880315401029", "n": 880315401029u64}),
            json!({"a": "\n880315401029", "b": "x880315401029", "c": "ж880315401029"}),
            json!({"880315401029": [1, "q\"880315401029\"", "8803154010291"]}),
            json!({"m": "\u{1}880315401029 and 880315401029x", "e": ""}),
            json!(["\\880315401029", "a\\b 880315401029"]),
        ];
        for v in cases {
            let mut found = BTreeSet::new();
            full_iins_in_json(&serde_json::to_vec(&v).unwrap(), &mut found);
            assert_eq!(found, per_string(&v), "{v}");
        }
        let mut found = BTreeSet::new();
        full_iins_in_json(br#"{"n": 880315401029}"#, &mut found);
        assert!(found.is_empty(), "a number is not an identifier");
    }

    #[test]
    fn a_masked_response_holds_no_full_identifier() {
        let mut r = async_graphql::Response::new(
            async_graphql::Value::from_json(
                json!({"family": {"iin": "880315401029", "_880315401029": ["880315401029"]}}),
            )
            .unwrap(),
        );
        r.errors.push(async_graphql::ServerError::new(
            "no card for 880315401029",
            None,
        ));
        mask_response(&mut r);
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("880315401029"), "{text}");
        assert!(text.contains("8803******29"), "{text}");
    }
}
