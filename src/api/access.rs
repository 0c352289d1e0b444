//! Who is asking, and the ONE place every read of personal data passes through.
//!
//! Every request carries a [`Principal`] (role, region scope, subject). While authentication is
//! off (development), the principal comes from `x-principal-*` headers or defaults to a
//! development analyst with national scope. [`PersonalData`] is the gate: it loads family
//! snapshots through the store, checks the region scope, decides masking, and writes one audit
//! event per read (ids only, never values). Access rules and persistent audit storage are added
//! here, and only here.

use super::error::{ApiError, ApiResult};
use crate::domain::ids::Iin;
use crate::domain::snapshot::FamilySnapshot;
use crate::family_cards;
use crate::store::Store;
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Role {
    /// Social-protection analyst: reads families of their region.
    Analyst,
    /// Investigator: reads links and evidence, sees full identifiers.
    Investigator,
    /// Integration partner: aggregate and own-submission access only; identifiers masked.
    Partner,
    Admin,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
    pub role: Role,
    /// Region code the principal may read, or `*` for all.
    pub region_scope: String,
    /// Declared purpose of access (case id), recorded in the audit trail.
    pub purpose: Option<String>,
}

impl Principal {
    pub fn development() -> Self {
        Principal {
            subject: "dev".into(),
            role: Role::Analyst,
            region_scope: "*".into(),
            purpose: None,
        }
    }

    /// The development principal, adjusted by `x-principal-role`, `x-principal-region`,
    /// `x-principal-subject` and `x-purpose` headers. Unknown roles are an error, not a default.
    pub fn from_dev_headers(h: &axum::http::HeaderMap) -> Result<Self, String> {
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut p = Principal::development();
        if let Some(r) = get("x-principal-role") {
            p.role = match r.to_ascii_lowercase().as_str() {
                "analyst" => Role::Analyst,
                "investigator" => Role::Investigator,
                "partner" => Role::Partner,
                "admin" => Role::Admin,
                other => return Err(format!("unknown role {other:?}")),
            };
        }
        if let Some(r) = get("x-principal-region") {
            p.region_scope = r;
        }
        if let Some(s) = get("x-principal-subject") {
            p.subject = s;
        }
        p.purpose = get("x-purpose");
        Ok(p)
    }

    pub fn sees_full_iin(&self) -> bool {
        matches!(self.role, Role::Analyst | Role::Investigator | Role::Admin)
    }

    fn may_read_region(&self, region: Option<&str>) -> bool {
        self.region_scope == "*" || region == Some(self.region_scope.as_str())
    }
}

/// The personal-data gate (see the module doc).
#[derive(Clone)]
pub struct PersonalData {
    store: Store,
}

impl PersonalData {
    pub fn new(store: Store) -> Self {
        PersonalData { store }
    }

    fn audit(&self, who: &Principal, action: &str, subject_ids: &[&str], outcome: &str) {
        tracing::info!(
            target: "audit",
            event = "data_access",
            subject = %who.subject,
            role = ?who.role,
            purpose = who.purpose.as_deref().unwrap_or(""),
            action,
            ids = %subject_ids.join(","),
            outcome,
        );
    }

    fn check_scope(&self, who: &Principal, s: &FamilySnapshot, action: &str) -> ApiResult<()> {
        if !who.may_read_region(s.region()) {
            self.audit(
                who,
                action,
                &[s.composition.family_id.as_str()],
                "denied_region",
            );
            return Err(ApiError::Forbidden(
                "this family is outside your region scope".into(),
            ));
        }
        let ids: Vec<&str> = s.members.iter().map(|m| m.iin().as_str()).collect();
        self.audit(who, action, &ids, "ok");
        Ok(())
    }

    pub async fn family_of_person(
        &self,
        who: &Principal,
        iin: &Iin,
        as_of: NaiveDate,
    ) -> ApiResult<FamilySnapshot> {
        let s = family_cards::family_of_person(&self.store, iin, as_of).await?;
        self.check_scope(who, &s, "family_by_iin")?;
        Ok(s)
    }

    pub async fn family_by_id(
        &self,
        who: &Principal,
        id: &str,
        as_of: NaiveDate,
    ) -> ApiResult<FamilySnapshot> {
        let s = family_cards::family_by_id(&self.store, id, as_of).await?;
        self.check_scope(who, &s, "family_by_id")?;
        Ok(s)
    }

    /// A person with the neighbourhood they were loaded with (for their own record).
    pub async fn person(
        &self,
        who: &Principal,
        iin: &Iin,
    ) -> ApiResult<Option<crate::domain::registry::PersonFacts>> {
        let ln = self
            .store
            .load_neighbourhood(iin)
            .await
            .map_err(|e| ApiError::from(family_cards::FamilyError::Store(e)))?;
        let Some(mut ln) = ln else {
            self.audit(who, "person", &[iin.as_str()], "not_found");
            return Ok(None);
        };
        let f = ln.neighbourhood.persons.remove(iin);
        if let Some(f) = &f {
            let today = chrono::Utc::now().date_naive();
            let region = f.registration_on(today).map(|r| r.dwelling.region.as_str());
            if !who.may_read_region(region) {
                self.audit(who, "person", &[iin.as_str()], "denied_region");
                return Err(ApiError::Forbidden(
                    "this person is outside your region scope".into(),
                ));
            }
        }
        self.audit(who, "person", &[iin.as_str()], "ok");
        Ok(f)
    }

    /// The stored well-being history of a family the principal may read.
    pub async fn wellbeing_history(
        &self,
        who: &Principal,
        s: &FamilySnapshot,
    ) -> ApiResult<Vec<serde_json::Value>> {
        self.check_scope(who, s, "wellbeing_history")?;
        self.store
            .wellbeing_history(s.composition.family_id.as_str())
            .await
            .map_err(|e| ApiError::from(family_cards::FamilyError::Store(e)))
    }

    /// Entitlements recorded by detection runs for a family the principal may read.
    pub async fn recorded_entitlements(
        &self,
        who: &Principal,
        s: &FamilySnapshot,
    ) -> ApiResult<Vec<serde_json::Value>> {
        self.check_scope(who, s, "recorded_entitlements")?;
        self.store
            .entitlements_of_family(s.composition.family_id.as_str())
            .await
            .map_err(|e| ApiError::from(family_cards::FamilyError::Store(e)))
    }

    /// The region an aggregate may be computed for: a regional principal only its own region.
    pub fn aggregate_region(
        &self,
        who: &Principal,
        asked: Option<String>,
    ) -> ApiResult<Option<String>> {
        if who.region_scope == "*" {
            return Ok(asked);
        }
        match asked {
            None => Ok(Some(who.region_scope.clone())),
            Some(r) if r == who.region_scope => Ok(Some(r)),
            Some(_) => Err(ApiError::Forbidden(
                "this region is outside your region scope".into(),
            )),
        }
    }

    /// An offer of the proactive flow with its transitions and messages. Partners may not read
    /// offers (they carry phone numbers and answers).
    pub async fn offer(&self, who: &Principal, offer_id: &str) -> ApiResult<serde_json::Value> {
        if who.role == Role::Partner {
            self.audit(who, "offer", &[offer_id], "denied_role");
            return Err(ApiError::Forbidden("partners may not read offers".into()));
        }
        let v = self
            .store
            .offer(offer_id)
            .await
            .map_err(|e| ApiError::from(family_cards::FamilyError::Store(e)))?;
        let Some(v) = v else {
            self.audit(who, "offer", &[offer_id], "not_found");
            return Err(ApiError::NotFound(format!("no offer {offer_id}")));
        };
        self.audit(who, "offer", &[offer_id], "ok");
        Ok(v)
    }

    /// Whether this principal may answer offers on a citizen's behalf (operators: analysts and
    /// admins). Audited either way.
    pub fn may_answer_offers(
        &self,
        who: &Principal,
        offer_id: &str,
        action: &str,
    ) -> ApiResult<()> {
        if matches!(who.role, Role::Analyst | Role::Admin) {
            self.audit(who, action, &[offer_id], "ok");
            Ok(())
        } else {
            self.audit(who, action, &[offer_id], "denied_role");
            Err(ApiError::Forbidden(
                "only operators may answer offers on a citizen's behalf".into(),
            ))
        }
    }

    /// An IIN as this principal may see it.
    pub fn show_iin(&self, who: &Principal, iin: &Iin) -> String {
        if who.sees_full_iin() {
            iin.as_str().to_string()
        } else {
            iin.masked()
        }
    }
}
