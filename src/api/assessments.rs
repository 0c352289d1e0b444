//! GraphQL views of the rule results: the well-being level with its explanation and history, and
//! benefit entitlements with reasons. Evaluation is the pure domain; this file only maps.

use super::error::{ApiError, ApiResult};
use super::AppContext;
use crate::domain::benefits::{self, BenefitKind, Entitlement};
use crate::domain::snapshot::FamilySnapshot;
use crate::domain::wellbeing::{WellbeingAssessment, WellbeingLevel};
use async_graphql::{Context, SimpleObject};
use chrono::NaiveDate;
use serde_json::Value;

pub(super) fn app<'a>(ctx: &'a Context<'_>) -> &'a AppContext {
    ctx.data_unchecked::<AppContext>()
}

fn rules_error(e: impl std::fmt::Display) -> ApiError {
    // A date outside the parameters or methodology is the caller's choice of date.
    ApiError::bad_input("asOf", e)
}

/// A family's well-being level on a date.
#[derive(SimpleObject)]
#[graphql(name = "Wellbeing")]
pub struct WellbeingView {
    pub as_of: NaiveDate,
    /// A (благополучный) … E (экстренный).
    pub level: String,
    pub level_description: String,
    pub total: i64,
    pub methodology_version: String,
    pub directions: Vec<DirectionView>,
}

#[derive(SimpleObject)]
#[graphql(name = "WellbeingDirection")]
pub struct DirectionView {
    pub code: String,
    pub name: String,
    pub points: i64,
    pub indicators: Vec<IndicatorView>,
}

#[derive(SimpleObject)]
#[graphql(name = "WellbeingIndicator")]
pub struct IndicatorView {
    pub code: String,
    pub name: String,
    /// What was measured, in words.
    pub measured: String,
    /// The band of the methodology it fell in.
    pub band: String,
    pub points: i64,
    /// The rule is an inference, not a verified text.
    pub inferred: bool,
    /// One sentence a social worker can read.
    pub explanation: String,
    pub facts: Vec<FactView>,
}

#[derive(SimpleObject)]
#[graphql(name = "FactUsed")]
pub struct FactView {
    /// The member the fact belongs to (masked for roles that do not see full identifiers).
    pub member_iin: Option<String>,
    pub kind: String,
    pub description: String,
}

pub fn wellbeing_view(
    a: WellbeingAssessment,
    show: impl Fn(&crate::domain::ids::Iin) -> String,
) -> WellbeingView {
    WellbeingView {
        as_of: a.as_of,
        level: a.level.as_str().into(),
        level_description: a.level.description().into(),
        total: a.total,
        methodology_version: a.methodology_version,
        directions: a
            .directions
            .into_iter()
            .map(|d| DirectionView {
                code: d.code,
                name: d.title,
                points: d.points,
                indicators: d
                    .indicators
                    .into_iter()
                    .map(|i| IndicatorView {
                        code: i.code,
                        name: i.title,
                        measured: i.measured,
                        band: i.band,
                        points: i.points,
                        inferred: i.inferred,
                        explanation: i.explanation,
                        facts: i
                            .facts
                            .into_iter()
                            .map(|f| FactView {
                                member_iin: f.member_iin.as_ref().map(&show),
                                kind: f.kind,
                                description: f.description,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn evaluate_wellbeing(app: &AppContext, s: &FamilySnapshot) -> ApiResult<WellbeingAssessment> {
    let m = app
        .rules
        .wellbeing
        .in_force(s.as_of())
        .map_err(rules_error)?;
    m.evaluate(s, &app.rules.legal).map_err(rules_error)
}

/// One stored assessment of the family's history.
#[derive(SimpleObject)]
#[graphql(name = "WellbeingRecord")]
pub struct WellbeingRecordView {
    pub as_of: String,
    pub level: String,
    pub total: i64,
    pub methodology_version: String,
    /// Points per direction code, as JSON (`{"income_credit": 170, …}`).
    pub direction_points: String,
    pub evaluated_at: String,
}

pub fn record_view(v: &Value) -> WellbeingRecordView {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    WellbeingRecordView {
        as_of: s("as_of"),
        level: s("level"),
        total: v["total"].as_i64().unwrap_or(0),
        methodology_version: s("methodology_version"),
        direction_points: s("direction_points"),
        evaluated_at: s("evaluated_at"),
    }
}

/// Families per level.
#[derive(SimpleObject)]
#[graphql(name = "LevelCount")]
pub struct LevelCountView {
    pub level: String,
    pub families: i64,
}

pub fn distribution_view(rows: Vec<(String, i64)>) -> Vec<LevelCountView> {
    WellbeingLevel::ALL
        .iter()
        .map(|l| LevelCountView {
            level: l.as_str().into(),
            families: rows
                .iter()
                .find(|(x, _)| x == l.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0),
        })
        .collect()
}

/// An entitlement to a benefit on a date.
#[derive(SimpleObject)]
#[graphql(name = "Entitlement")]
pub struct EntitlementView {
    /// Benefit code (see `benefits`).
    pub benefit: String,
    pub benefit_name: String,
    pub eligible: bool,
    /// Integer tenge (monthly, or one-off); null when not eligible or a notification.
    pub amount_kzt: Option<i64>,
    /// `monthly`, `one_off` or `notification`.
    pub payment: String,
    /// The first day of the period (inclusive).
    pub period_from: Option<NaiveDate>,
    /// The end of the period, EXCLUSIVE: the first day no longer covered (a quarter starting
    /// 2026-04-01 has `periodTo` 2026-07-01). Null while the conditions hold. The same convention
    /// holds for every benefit and for the payment orders made from entitlements.
    pub period_to: Option<NaiveDate>,
    pub recipient_iin: Option<String>,
    /// The recipient's account known to the registry (masked unless full identifiers are seen).
    pub recipient_iban: Option<String>,
    pub subject_iin: Option<String>,
    /// The registry already shows this benefit being paid: no new offer.
    pub already_paid: bool,
    /// The version of the benefit rules applied: the file in force on the date.
    pub rules_version: String,
    /// Why this benefit could not be evaluated on the date (then `eligible` is false and there
    /// are no reasons); the other entitlements are unaffected.
    pub error: Option<String>,
    /// A figure the amount rests on that was assumed, not published (e.g. the national default
    /// poverty line for a region with no line loaded); null when every figure is published.
    pub assumed: Option<String>,
    pub reasons: Vec<ReasonView>,
}

#[derive(SimpleObject)]
#[graphql(name = "EntitlementReason")]
pub struct ReasonView {
    pub condition: String,
    pub met: bool,
    pub detail: String,
    pub legal_basis: String,
    pub inferred: bool,
}

pub fn entitlement_view(
    e: Entitlement,
    full: bool,
    show: impl Fn(&crate::domain::ids::Iin) -> String,
) -> EntitlementView {
    EntitlementView {
        benefit: e.benefit.code().into(),
        benefit_name: e.benefit.title().into(),
        eligible: e.eligible,
        amount_kzt: e.amount_kzt,
        payment: serde_json::to_value(e.payment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        period_from: e.period.as_ref().map(|p| p.from),
        period_to: e.period.as_ref().and_then(|p| p.to),
        recipient_iin: e.recipient.as_ref().map(|r| show(&r.iin)),
        recipient_iban: e.recipient.as_ref().and_then(|r| r.iban.as_ref()).map(|i| {
            if full {
                i.as_str().to_string()
            } else {
                i.masked()
            }
        }),
        subject_iin: e.subject_iin.as_ref().map(&show),
        already_paid: e.already_paid,
        rules_version: e.rules_version,
        error: e.error,
        assumed: e.assumed,
        reasons: e
            .reasons
            .into_iter()
            .map(|r| ReasonView {
                condition: r.condition,
                met: r.met,
                detail: r.detail,
                legal_basis: r.legal_basis,
                inferred: r.inferred,
            })
            .collect(),
    }
}

/// Every entitlement on the snapshot's date. Never fails as a whole: a benefit that cannot be
/// evaluated on the date carries its own `error`.
pub fn evaluate_entitlements(app: &AppContext, s: &FamilySnapshot) -> ApiResult<Vec<Entitlement>> {
    Ok(benefits::evaluate_family(
        s,
        &app.rules.legal,
        &app.rules.benefits,
    ))
}

/// A benefit the service evaluates.
#[derive(SimpleObject)]
#[graphql(name = "Benefit")]
pub struct BenefitView {
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    /// Offered by SMS without an application.
    pub proactive: bool,
}

pub fn benefit_list(app: &AppContext) -> Vec<BenefitView> {
    BenefitKind::ALL
        .iter()
        .map(|k| BenefitView {
            code: k.code().into(),
            name: k.title().into(),
            legal_basis: k.legal_basis(app.rules.benefits.latest()),
            proactive: k.proactive(),
        })
        .collect()
}
