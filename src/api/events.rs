//! GraphQL for integration partners' change events: subscriptions (webhooks) managed by their
//! owner, the delivery log, and the `changeEvents` GraphQL subscription over WebSocket
//! (`graphql-transport-ws` at `/graphql/ws`, authenticated in `connection_init`: see
//! `api::http`). Every resolver asks the request's gate: `ManageSubscriptions` with the token's
//! `partner_id` for subscriptions (a partner sees only its own), the region scope the policy
//! allows for a subscription's region, `ReceiveEvents` for every event streamed.

use super::access::{for_each_string, mask_identifiers};
use super::error::{ApiError, ApiResult};
use super::policy::Action;
use super::schema::gate;
use super::AppContext;
use crate::events::endpoints::{check_types, check_url, new_secret, Refusal};
use crate::events::{ts, CloudEvent, EVENT_TYPES};
use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Subscription};
use futures::{Stream, StreamExt};
use serde_json::{json, Value};

fn app<'a>(ctx: &'a Context<'_>) -> &'a AppContext {
    ctx.data_unchecked::<AppContext>()
}

fn store_err(e: crate::store::StoreError) -> ApiError {
    ApiError::from(crate::family_cards::FamilyError::Store(e))
}

fn refused(r: Refusal) -> ApiError {
    ApiError::bad_input(r.field, r.reason)
}

/// A partner's event subscription (its secret is shown only when made or rotated).
#[derive(SimpleObject)]
#[graphql(name = "EventSubscription")]
pub struct SubscriptionView {
    pub subscription_id: String,
    pub event_types: Vec<String>,
    /// The region whose events are delivered; null: every region (national partners only).
    pub region: Option<String>,
    pub url: String,
    /// ACTIVE or DISABLED.
    pub status: String,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// Until when the previous secret still signs deliveries (after a rotation).
    pub previous_secret_valid_until: Option<String>,
}

fn view(v: &Value) -> SubscriptionView {
    let s = |k: &str| v[k].as_str().map(str::to_string);
    SubscriptionView {
        subscription_id: s("subscription_id").unwrap_or_default(),
        event_types: v["event_types"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        region: s("region").filter(|r| r != "*"),
        url: s("url").unwrap_or_default(),
        status: s("status").unwrap_or_default(),
        disabled_reason: s("disabled_reason"),
        disabled_at: s("disabled_at"),
        created_at: s("created_at"),
        updated_at: s("updated_at"),
        previous_secret_valid_until: s("previous_secret_until"),
    }
}

/// A subscription with its signing secret (`whsec_…`), shown this once.
#[derive(SimpleObject)]
#[graphql(name = "EventSubscriptionWithSecret")]
pub struct WithSecret {
    pub subscription: SubscriptionView,
    pub secret: String,
}

/// One delivery attempt.
#[derive(SimpleObject)]
#[graphql(name = "EventDeliveryAttempt")]
pub struct AttemptView {
    pub event_id: String,
    pub attempt: i64,
    pub at: String,
    /// DELIVERED, or PENDING (to be retried).
    pub outcome: String,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

#[derive(InputObject)]
pub struct EventSubscriptionInput {
    /// Event types (see `eventTypes`).
    pub event_types: Vec<String>,
    /// The endpoint: http(s), no credentials; allow-list and private networks per settings.
    pub url: String,
    /// A region code; null: the token's region (every region for a national token).
    pub region: Option<String>,
}

/// The partner's subscription `id`, or NOT_FOUND (also for another partner's).
async fn own(ctx: &Context<'_>, partner: &str, id: &str) -> ApiResult<Value> {
    let subs = app(ctx)
        .store
        .subscriptions(Some(partner))
        .await
        .map_err(store_err)?;
    subs.into_iter()
        .find(|s| s["subscription_id"].as_str() == Some(id))
        .ok_or_else(|| ApiError::NotFound("no subscription with this id".into()))
}

async fn update(ctx: &Context<'_>, partner: &str, id: &str, props: Value) -> ApiResult<Value> {
    let mut props = props;
    props["updated_at"] = json!(ts(chrono::Utc::now()));
    app(ctx)
        .store
        .update_subscription(id, partner, &props)
        .await
        .map_err(store_err)?
        .ok_or_else(|| ApiError::NotFound("no subscription with this id".into()))
}

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// The event types partners can subscribe to.
    async fn event_types(&self) -> Vec<String> {
        EVENT_TYPES.iter().map(|s| s.to_string()).collect()
    }

    /// The calling partner's event subscriptions.
    async fn event_subscriptions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SubscriptionView>> {
        let p =
            gate(ctx).own_partner_id(Action::ManageSubscriptions, "event_subscriptions", "*")?;
        let subs = app(ctx)
            .store
            .subscriptions(Some(&p))
            .await
            .map_err(store_err)?;
        Ok(subs.iter().map(view).collect())
    }

    /// The delivery log of one of the partner's subscriptions, newest first (at most 100).
    async fn event_deliveries(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<AttemptView>> {
        let p = gate(ctx).own_partner_id(
            Action::ManageSubscriptions,
            "event_deliveries",
            &subscription_id,
        )?;
        own(ctx, &p, &subscription_id).await?;
        let n = first.unwrap_or(50);
        if !(0..=100).contains(&n) {
            return Err(ApiError::bad_input("first", "between 0 and 100").into());
        }
        let rows = app(ctx)
            .store
            .delivery_log(&subscription_id, n as i64)
            .await
            .map_err(store_err)?;
        Ok(rows
            .iter()
            .map(|a| AttemptView {
                event_id: a["event_id"].as_str().unwrap_or_default().into(),
                attempt: a["attempt"].as_i64().unwrap_or(0),
                at: a["at"].as_str().unwrap_or_default().into(),
                outcome: a["outcome"].as_str().unwrap_or_default().into(),
                status_code: a["status_code"].as_i64(),
                latency_ms: a["latency_ms"].as_i64().unwrap_or(0),
                error: a["error"].as_str().map(str::to_string),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct EventsMutation;

#[Object]
impl EventsMutation {
    /// Subscribes the calling partner's endpoint to event types; the answer holds the signing
    /// secret, shown only this once.
    async fn create_event_subscription(
        &self,
        ctx: &Context<'_>,
        input: EventSubscriptionInput,
    ) -> async_graphql::Result<WithSecret> {
        let g = gate(ctx);
        let what = "create_event_subscription";
        let p = g.own_partner_id(Action::ManageSubscriptions, what, "*")?;
        let types = check_types(&input.event_types).map_err(refused)?;
        let url = check_url(&input.url, &app(ctx).events).map_err(refused)?;
        let region = g.scoped_region(Action::ManageSubscriptions, what, input.region)?;
        g.note_change();
        let (id, secret, props) = new_subscription(&p, &types, region, url.as_str());
        let v = app(ctx)
            .store
            .create_subscription(&id, &props)
            .await
            .map_err(store_err)?
            .unwrap_or(props);
        Ok(WithSecret {
            subscription: view(&v),
            secret,
        })
    }

    /// Changes the types, endpoint or region of one of the partner's subscriptions.
    async fn update_event_subscription(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
        input: EventSubscriptionInput,
    ) -> async_graphql::Result<SubscriptionView> {
        let g = gate(ctx);
        let what = "update_event_subscription";
        let p = g.own_partner_id(Action::ManageSubscriptions, what, &subscription_id)?;
        let types = check_types(&input.event_types).map_err(refused)?;
        let url = check_url(&input.url, &app(ctx).events).map_err(refused)?;
        let region = g.scoped_region(Action::ManageSubscriptions, what, input.region)?;
        g.note_change();
        let v = update(
            ctx,
            &p,
            &subscription_id,
            json!({"event_types": types, "url": url.as_str(),
                   "region": region.unwrap_or_else(|| "*".into())}),
        )
        .await?;
        Ok(view(&v))
    }

    /// Stops deliveries (events keep being queued for it).
    async fn disable_event_subscription(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
    ) -> async_graphql::Result<SubscriptionView> {
        let g = gate(ctx);
        let p = g.own_partner_id(
            Action::ManageSubscriptions,
            "disable_event_subscription",
            &subscription_id,
        )?;
        g.note_change();
        let now = ts(chrono::Utc::now());
        let v = update(
            ctx,
            &p,
            &subscription_id,
            json!({"status": "DISABLED", "disabled_at": now, "disabled_reason": "disabled by its owner"}),
        )
        .await?;
        Ok(view(&v))
    }

    /// Re-enables a subscription (disabled by its owner or after persistent failure); delivery
    /// resumes with the first undelivered event of each subject.
    async fn enable_event_subscription(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
    ) -> async_graphql::Result<SubscriptionView> {
        let g = gate(ctx);
        let p = g.own_partner_id(
            Action::ManageSubscriptions,
            "enable_event_subscription",
            &subscription_id,
        )?;
        g.note_change();
        let v = update(
            ctx,
            &p,
            &subscription_id,
            json!({"status": "ACTIVE", "disabled_at": null, "disabled_reason": null}),
        )
        .await?;
        Ok(view(&v))
    }

    /// A new signing secret (shown this once); the previous one keeps signing alongside it for
    /// the configured grace period, so receivers can switch without losing a delivery.
    async fn rotate_event_subscription_secret(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
    ) -> async_graphql::Result<WithSecret> {
        let g = gate(ctx);
        let p = g.own_partner_id(
            Action::ManageSubscriptions,
            "rotate_event_subscription_secret",
            &subscription_id,
        )?;
        let current = own(ctx, &p, &subscription_id).await?;
        g.note_change();
        let grace = chrono::Duration::from_std(app(ctx).events.rotation_grace)
            .unwrap_or_else(|_| chrono::Duration::days(1));
        let secret = new_secret();
        let v = update(
            ctx,
            &p,
            &subscription_id,
            json!({"secret": secret, "previous_secret": current["secret"],
                   "previous_secret_until": ts(chrono::Utc::now() + grace)}),
        )
        .await?;
        Ok(WithSecret {
            subscription: view(&v),
            secret,
        })
    }

    /// Deletes a subscription and its undelivered events (the delivery log stays).
    async fn delete_event_subscription(
        &self,
        ctx: &Context<'_>,
        subscription_id: String,
    ) -> async_graphql::Result<bool> {
        let g = gate(ctx);
        let p = g.own_partner_id(
            Action::ManageSubscriptions,
            "delete_event_subscription",
            &subscription_id,
        )?;
        g.note_change();
        let gone = app(ctx)
            .store
            .delete_subscription(&subscription_id, &p)
            .await
            .map_err(store_err)?;
        if !gone {
            return Err(ApiError::NotFound("no subscription with this id".into()).into());
        }
        Ok(true)
    }
}

/// A change event as the GraphQL subscription streams it (the CloudEvent's attributes).
#[derive(SimpleObject, Clone)]
#[graphql(name = "ChangeEvent")]
pub struct ChangeEventView {
    pub id: String,
    #[graphql(name = "type")]
    pub event_type: String,
    pub source: String,
    /// The family id or offer id the event is about.
    pub subject: String,
    /// The per-subject sequence (from 1).
    pub sequence: i64,
    pub time: Option<String>,
    pub region: Option<String>,
    /// The event's data object (identifiers masked for roles that do not see them).
    pub data: Json<Value>,
}

pub fn event_view(e: &CloudEvent, mask: bool) -> ChangeEventView {
    let mut data = e.data.clone();
    if mask {
        for_each_string(&mut data, &mut |s| {
            if let Some(m) = mask_identifiers(s) {
                *s = m;
            }
        });
    }
    ChangeEventView {
        id: e.id.clone(),
        event_type: e.event_type.clone(),
        source: e.source.clone(),
        subject: e.subject.clone(),
        sequence: e.sequence,
        time: e.time.clone(),
        region: e.region.clone(),
        data: Json(data),
    }
}

pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Change events as this instance fans them out, of the given types (default: all), within
    /// the principal's region scope. Best effort (a slow consumer skips events): use a webhook
    /// subscription for at-least-once delivery.
    async fn change_events(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = ChangeEventView>> {
        let g = ctx
            .data_unchecked::<std::sync::Arc<super::access::Gate>>()
            .clone();
        g.require(Action::ReceiveEvents, "change_events", "*")?;
        let types = match types {
            Some(t) => Some(check_types(&t).map_err(refused)?),
            None => None,
        };
        let mask = !g.principal().sees_full_identifiers();
        let rx = app(ctx).event_hub.subscribe();
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(e) => return Some((e, rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(stream.filter_map(move |e| {
            let keep = g.admits_event(e.region.as_deref())
                && types
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|x| *x == e.event_type));
            let out = keep.then(|| event_view(&e, mask));
            async move { out }
        }))
    }
}

/// A new, active subscription of `partner` (checked types, URL and region scope): its random id,
/// its signing secret (shown once) and the properties the store keeps. Shared by the GraphQL
/// mutation and DCI `subscribe`.
pub(super) fn new_subscription(
    partner: &str,
    types: &[String],
    region: Option<String>,
    url: &str,
) -> (String, String, serde_json::Value) {
    let id = format!("sub_{}", crate::secret::random_hex::<12>());
    let secret = new_secret();
    let now = ts(chrono::Utc::now());
    let props = json!({
        "subscription_id": id, "partner_id": partner, "event_types": types,
        "region": region.unwrap_or_else(|| "*".into()), "url": url,
        "status": "ACTIVE", "secret": secret, "created_at": now, "updated_at": now,
    });
    (id, secret, props)
}
