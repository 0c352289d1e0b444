//! GraphQL for the dashboard page (`/dashboard`): aggregates only — counts and sums per region,
//! level, benefit, stage and month, never a person's data. One field, `dashboard(region:, asOf:)`,
//! whose region passes the gate once ([`Gate::aggregate_region`]: a regional principal sees its
//! own region only); the job runs, which have no region, need national scope
//! ([`Gate::national_aggregate`]) and come back `null` with a `FORBIDDEN` error otherwise, leaving
//! the other panels.
//!
//! [`Gate::aggregate_region`]: super::access::Gate::aggregate_region
//! [`Gate::national_aggregate`]: super::access::Gate::national_aggregate

use super::assessments::{self, LevelCountView};
use super::error::ApiError;
use super::schema::gate;
use crate::domain::wellbeing::WellbeingLevel;
use crate::store::StoreError;
use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::BTreeMap;

fn store_error(e: StoreError) -> ApiError {
    ApiError::from(crate::family_cards::FamilyError::Store(e))
}

/// Most points of the level-distribution history a request may ask for.
const MAX_TREND_POINTS: i32 = 36;

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The dashboard's aggregates, in one region (`region`, a region code) or, for a national
    /// principal without `region`, the whole country; a regional principal gets its own region.
    /// Levels are taken on `asOf` (default today). No personal data.
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        region: Option<String>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<DashboardView> {
        let region = gate(ctx).aggregate_region(region)?;
        Ok(DashboardView {
            region,
            as_of: as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        })
    }
}

pub struct DashboardView {
    region: Option<String>,
    as_of: NaiveDate,
}

/// The well-being levels of one region's families.
#[derive(SimpleObject)]
#[graphql(name = "DashboardRegion")]
pub struct RegionView {
    /// Region code (`UNKNOWN` for families assessed without a dwelling).
    pub region: String,
    pub families: i64,
    /// Families per level, A to E.
    pub levels: Vec<LevelCountView>,
    /// Share (0–1) of the region's families at levels D and E.
    pub need_share: f64,
    /// Place in the ranking: 1 = the highest share of families at levels D–E.
    pub rank: i32,
}

/// The level distribution on one stored date.
#[derive(SimpleObject)]
#[graphql(name = "DashboardWellbeingPoint")]
pub struct WellbeingPointView {
    pub as_of: String,
    pub families: i64,
    pub levels: Vec<LevelCountView>,
}

/// Entitlements detected in one month for one benefit.
#[derive(SimpleObject)]
#[graphql(name = "DashboardBenefitMonth")]
pub struct BenefitMonthView {
    /// `YYYY-MM` of the detection run's date.
    pub month: String,
    pub benefit: String,
    pub title: String,
    pub entitlements: i64,
    /// Sum of the entitlements' amounts (one period each), tenge.
    pub amount_kzt: i64,
}

/// The proactive funnel of one benefit, with conversion rates (`null` when nothing reached the
/// stage before).
#[derive(SimpleObject)]
#[graphql(name = "DashboardFunnel")]
pub struct FunnelView {
    pub benefit: String,
    pub title: String,
    /// Entitlements recorded by detection runs.
    pub detected: i64,
    /// Offer SMS (or notices) sent.
    pub notified: i64,
    pub replied: i64,
    pub consented: i64,
    pub refused: i64,
    pub expired: i64,
    pub assigned: i64,
    /// Payment ordered.
    pub paid: i64,
    /// Detected, no offer made yet.
    pub awaiting_offer: i64,
    pub amount_kzt: i64,
    /// notified / detected
    pub notified_rate: Option<f64>,
    /// consented / notified
    pub consent_rate: Option<f64>,
    /// assigned / consented
    pub assigned_rate: Option<f64>,
    /// paid / assigned
    pub paid_rate: Option<f64>,
    /// paid / detected
    pub overall_rate: Option<f64>,
}

/// The latest run of a country-wide job (its checkpoint).
#[derive(SimpleObject)]
#[graphql(name = "DashboardJobRun")]
pub struct JobRunView {
    pub job: String,
    pub run_id: String,
    /// When the run started (from its id), RFC 3339 UTC.
    pub started_at: Option<String>,
    /// Its last checkpoint.
    pub updated_at: Option<String>,
    /// From the start to the last checkpoint.
    pub seconds: Option<f64>,
    pub processed: i64,
    /// Family cards in the database now.
    pub total: i64,
    /// processed / total, at most 1.
    pub progress: Option<f64>,
    pub finished: bool,
}

fn rate(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn title_of(ctx: &Context<'_>, benefit: &str) -> String {
    assessments::app(ctx)
        .titles
        .get(benefit)
        .cloned()
        .unwrap_or_else(|| benefit.to_string())
}

/// Regions with their level counts, ranked by the share at D–E (highest first, then by region).
pub fn rank_regions(rows: &[Value]) -> Vec<RegionView> {
    let mut by: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for r in rows {
        let region = r["region"].as_str().unwrap_or("UNKNOWN").to_string();
        let (Some(level), Some(n)) = (r["level"].as_str(), r["families"].as_i64()) else {
            continue;
        };
        by.entry(region).or_default().push((level.to_string(), n));
    }
    let mut out: Vec<RegionView> = by
        .into_iter()
        .map(|(region, counts)| {
            let families: i64 = counts.iter().map(|(_, n)| n).sum();
            let need: i64 = counts
                .iter()
                .filter(|(l, _)| {
                    l == WellbeingLevel::ALL[3].as_str() || l == WellbeingLevel::ALL[4].as_str()
                })
                .map(|(_, n)| n)
                .sum();
            RegionView {
                region,
                families,
                levels: assessments::distribution_view(counts),
                need_share: rate(need, families).unwrap_or(0.0),
                rank: 0,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.need_share
            .total_cmp(&a.need_share)
            .then_with(|| a.region.cmp(&b.region))
    });
    for (i, r) in out.iter_mut().enumerate() {
        r.rank = i as i32 + 1;
    }
    out
}

/// Entitlement rows (`{detected_on, benefit, entitlements, amount_kzt}`) summed per month and
/// benefit, oldest month first.
pub fn per_month(rows: &[Value]) -> Vec<(String, String, i64, i64)> {
    let mut by: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for r in rows {
        let day = r["detected_on"].as_str().unwrap_or_default();
        let month = day.get(..7).unwrap_or(day).to_string();
        let benefit = r["benefit"].as_str().unwrap_or_default().to_string();
        let e = by.entry((month, benefit)).or_default();
        e.0 += r["entitlements"].as_i64().unwrap_or(0);
        e.1 += r["amount_kzt"].as_i64().unwrap_or(0);
    }
    by.into_iter()
        .map(|((m, b), (n, a))| (m, b, n, a))
        .collect()
}

/// The start of a run from its id (`<job>-YYYYMMDDTHHMMSS.fff`, UTC).
pub fn run_started(run_id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let (_, stamp) = run_id.rsplit_once('-')?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.3f")
        .ok()
        .map(|t| t.and_utc())
}

#[Object(name = "Dashboard")]
impl DashboardView {
    /// The region the figures are for (`null`: the whole country).
    async fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    async fn as_of(&self) -> NaiveDate {
        self.as_of
    }
    /// Families per level A–E in each region on `asOf`, ranked by the share at D–E.
    async fn regions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RegionView>> {
        let rows = assessments::app(ctx)
            .store
            .dashboard_wellbeing_by_region(&self.as_of.to_string(), self.region.as_deref())
            .await
            .map_err(store_error)?;
        Ok(rank_regions(&rows))
    }
    /// The level distribution on each stored assessment date (each family's latest assessment on
    /// or before it), oldest first; the `last` dates (default 12, at most 36).
    async fn wellbeing_trend(
        &self,
        ctx: &Context<'_>,
        last: Option<i32>,
    ) -> async_graphql::Result<Vec<WellbeingPointView>> {
        let last = last.unwrap_or(12);
        if !(1..=MAX_TREND_POINTS).contains(&last) {
            return Err(ApiError::bad_input("last", format!("1 to {MAX_TREND_POINTS}")).into());
        }
        let store = &assessments::app(ctx).store;
        let region = self.region.as_deref();
        let mut dates = store
            .dashboard_wellbeing_dates(region, last as i64)
            .await
            .map_err(store_error)?;
        dates.reverse();
        let mut out = vec![];
        for d in dates {
            let rows = store
                .wellbeing_distribution(&d, region)
                .await
                .map_err(store_error)?;
            let families = rows.iter().map(|(_, n)| n).sum();
            out.push(WellbeingPointView {
                as_of: d,
                families,
                levels: assessments::distribution_view(rows),
            });
        }
        Ok(out)
    }
    /// Entitlements detected and their amounts per month of detection and benefit.
    async fn benefits_by_month(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<BenefitMonthView>> {
        let rows = assessments::app(ctx)
            .store
            .dashboard_entitlements(self.region.as_deref())
            .await
            .map_err(store_error)?;
        Ok(per_month(&rows)
            .into_iter()
            .map(
                |(month, benefit, entitlements, amount_kzt)| BenefitMonthView {
                    month,
                    title: title_of(ctx, &benefit),
                    benefit,
                    entitlements,
                    amount_kzt,
                },
            )
            .collect())
    }
    /// The proactive funnel per benefit: detected → notified → consented / refused / expired →
    /// assigned → paid.
    async fn funnel(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FunnelView>> {
        let f = crate::proactive::figures_in(&assessments::app(ctx).store, self.region.as_deref())
            .await
            .map_err(store_error)?;
        Ok(f.into_iter()
            .map(|f| FunnelView {
                title: title_of(ctx, &f.benefit),
                notified_rate: rate(f.notified, f.detected),
                consent_rate: rate(f.consented, f.notified),
                assigned_rate: rate(f.assigned, f.consented),
                paid_rate: rate(f.payment_ordered, f.assigned),
                overall_rate: rate(f.payment_ordered, f.detected),
                benefit: f.benefit,
                detected: f.detected,
                notified: f.notified,
                replied: f.replied,
                consented: f.consented,
                refused: f.refused,
                expired: f.expired,
                assigned: f.assigned,
                paid: f.payment_ordered,
                awaiting_offer: f.awaiting_offer,
                amount_kzt: f.amount_kzt,
            })
            .collect())
    }
    /// The latest run of each country-wide job (national scope only: jobs have no region).
    async fn job_runs(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<JobRunView>>> {
        gate(ctx).national_aggregate("dashboard_job_runs")?;
        let store = &assessments::app(ctx).store;
        let rows = store.dashboard_job_runs(20).await.map_err(store_error)?;
        let total = store.count_families().await.map_err(store_error)? as i64;
        Ok(Some(
            rows.iter()
                .map(|r| {
                    let run_id = r["run_id"].as_str().unwrap_or_default().to_string();
                    let updated_at = r["updated_at"].as_str().map(str::to_string);
                    let started = run_started(&run_id);
                    let updated = updated_at
                        .as_deref()
                        .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok());
                    let seconds = match (started, updated) {
                        (Some(s), Some(u)) => Some(
                            (u.with_timezone(&chrono::Utc) - s).num_milliseconds() as f64 / 1e3,
                        ),
                        _ => None,
                    };
                    let processed = r["processed"].as_i64().unwrap_or(0);
                    JobRunView {
                        job: r["job"].as_str().unwrap_or_default().to_string(),
                        started_at: started.map(|s| s.to_rfc3339()),
                        updated_at,
                        seconds,
                        processed,
                        total,
                        progress: rate(processed, total).map(|p| p.min(1.0)),
                        finished: r["finished"].as_bool().unwrap_or(false),
                        run_id,
                    }
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn regions_are_ranked_by_their_share_at_d_and_e() {
        let rows = vec![
            json!({"region": "ASTANA", "level": "A", "families": 3}),
            json!({"region": "ASTANA", "level": "E", "families": 1}),
            json!({"region": "ABAI", "level": "D", "families": 1}),
            json!({"region": "ABAI", "level": "C", "families": 1}),
            json!({"region": null, "level": "B", "families": 2}),
        ];
        let r = rank_regions(&rows);
        let order: Vec<(&str, i32, f64)> = r
            .iter()
            .map(|r| (r.region.as_str(), r.rank, r.need_share))
            .collect();
        assert_eq!(
            order,
            vec![("ABAI", 1, 0.5), ("ASTANA", 2, 0.25), ("UNKNOWN", 3, 0.0)]
        );
        assert_eq!(r[1].levels.len(), 5);
        assert_eq!(r[1].families, 4);
    }

    #[test]
    fn entitlements_are_summed_per_month_and_benefit() {
        let rows = vec![
            json!({"detected_on": "2026-06-15", "benefit": "b", "status": "DETECTED", "entitlements": 2, "amount_kzt": 100}),
            json!({"detected_on": "2026-06-01", "benefit": "b", "status": "NOTIFIED", "entitlements": 1, "amount_kzt": 50}),
            json!({"detected_on": "2026-05-01", "benefit": "a", "status": "DETECTED", "entitlements": 1, "amount_kzt": null}),
        ];
        assert_eq!(
            per_month(&rows),
            vec![
                ("2026-05".into(), "a".into(), 1, 0),
                ("2026-06".into(), "b".into(), 3, 150)
            ]
        );
    }

    #[test]
    fn a_run_starts_when_its_id_says() {
        let t = run_started("detect-benefits:2026-06-15-20261201T114700.250").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T11:47:00.250+00:00");
        assert!(run_started("no-stamp").is_none());
    }
}
