//! `family-card detect`: country-wide benefit detection. Every eligible entitlement is recorded
//! once, keyed by benefit + recipient + subject + period start: re-running (on the same or a later
//! date inside the period) creates nothing new. The records are what the proactive flow offers.
//! An entitlement whose amount rests on an assumed figure (`Entitlement::assumed`) is recorded only
//! when the rules in force allow it (`offer_with_assumed_parameters`); one that could not be
//! evaluated (`Entitlement::error`) is never eligible, so never recorded.

use super::{run_family_job_parallel, Evaluated, JobError, JobOptions, JobReport};
use crate::domain::benefits::{evaluate_family, BenefitCatalog, Entitlement};
use crate::domain::family::FamilyId;
use crate::domain::parameters::LegalParameters;
use crate::store::Store;
use chrono::NaiveDate;
use serde::Serialize;

pub fn job_name(as_of: NaiveDate) -> String {
    format!("detect-benefits:{as_of}")
}

/// The graph record of one eligible entitlement, as `cypher/entitlements_record.cypher` takes it.
#[derive(Debug, Serialize)]
pub struct EntitlementRow {
    pub family_id: String,
    pub entitlement_key: String,
    pub as_of: String,
    pub now: String,
    pub props: EntitlementProps,
}

/// The stored properties of an `Entitlement` node.
#[derive(Debug, Serialize)]
pub struct EntitlementProps {
    pub benefit: String,
    pub family_id: String,
    pub recipient_iin: Option<String>,
    pub recipient_iban: Option<String>,
    pub subject_iin: Option<String>,
    pub amount_kzt: Option<i64>,
    pub payment: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub rules_version: String,
    pub assumed: Option<String>,
    /// The reasons as a JSON list in a string (one property).
    pub reasons: String,
}

pub fn entitlement_row(
    family_id: &FamilyId,
    e: &Entitlement,
    as_of: NaiveDate,
    now: &str,
) -> EntitlementRow {
    EntitlementRow {
        family_id: family_id.as_str().to_string(),
        entitlement_key: e.key(),
        as_of: as_of.to_string(),
        now: now.to_string(),
        props: EntitlementProps {
            benefit: e.benefit.code().to_string(),
            family_id: family_id.as_str().to_string(),
            recipient_iin: e.recipient.as_ref().map(|r| r.iin.as_str().to_string()),
            recipient_iban: e
                .recipient
                .as_ref()
                .and_then(|r| r.iban.as_ref())
                .map(|i| i.as_str().to_string()),
            subject_iin: e.subject_iin.as_ref().map(|i| i.as_str().to_string()),
            amount_kzt: e.amount_kzt,
            payment: serde_json::to_value(e.payment)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string)),
            period_from: e.period.as_ref().map(|p| p.from.to_string()),
            period_to: e.period.as_ref().and_then(|p| p.to).map(|d| d.to_string()),
            rules_version: e.rules_version.clone(),
            assumed: e.assumed.clone(),
            reasons: serde_json::to_string(&e.reasons).unwrap_or_default(),
        },
    }
}

/// Whether detection records `e` (eligible, not yet paid, and not resting on an assumed figure
/// unless the rules in force on `as_of` allow it).
pub fn offered(rules: &BenefitCatalog, as_of: NaiveDate, e: &Entitlement) -> bool {
    rules.in_force(as_of).is_ok_and(|r| e.to_offer_under(r))
}

pub async fn detect(
    store: &Store,
    rules: &BenefitCatalog,
    params: &LegalParameters,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<JobReport, JobError> {
    // Owned by the evaluator threads (`run_family_job_parallel`).
    let (rules, params) = (rules.clone(), params.clone());
    run_family_job_parallel(
        store,
        &job_name(as_of),
        as_of,
        opts,
        move |s| {
            let found = evaluate_family(s, &params, &rules);
            let eligible: Vec<Entitlement> = found
                .into_iter()
                .filter(|e| offered(&rules, as_of, e))
                .collect();
            Ok(if eligible.is_empty() {
                Evaluated::Nothing
            } else {
                Evaluated::Row(eligible)
            })
        },
        |rows: Vec<(FamilyId, Vec<Entitlement>)>| async move {
            let now = chrono::Utc::now().to_rfc3339();
            let out: Vec<EntitlementRow> = rows
                .iter()
                .flat_map(|(fid, es)| es.iter().map(|e| entitlement_row(fid, e, as_of, &now)))
                .collect();
            store
                .record_entitlements_logged(&out, opts.statement_log.as_ref())
                .await
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::benefits::{BenefitKind, BenefitRules, BUNDLED_BENEFIT_RULES};

    fn eligible_asp(assumed: Option<&str>) -> Entitlement {
        let mut e = Entitlement::failed(BenefitKind::Asp, "2026-01-01", String::new());
        e.error = None;
        e.eligible = true;
        e.amount_kzt = Some(33_276);
        e.assumed = assumed.map(str::to_string);
        e
    }

    #[test]
    fn detection_offers_an_assumed_amount_only_when_the_rules_allow_it() {
        let on: NaiveDate = "2026-06-15".parse().unwrap();
        let bundled = BenefitCatalog::bundled();
        let strict = BenefitCatalog::single(
            BenefitRules::from_toml(&BUNDLED_BENEFIT_RULES.replacen(
                "offer_with_assumed_parameters = true",
                "offer_with_assumed_parameters = false",
                1,
            ))
            .unwrap(),
        );
        let published = eligible_asp(None);
        let assumed = eligible_asp(Some("poverty line: the national default"));
        assert!(offered(&bundled, on, &published) && offered(&bundled, on, &assumed));
        assert!(offered(&strict, on, &published));
        assert!(!offered(&strict, on, &assumed));
        // Nothing is offered on a date without rules in force.
        assert!(!offered(
            &bundled,
            "2023-01-01".parse().unwrap(),
            &published
        ));
    }
}
