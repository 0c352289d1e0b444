//! GraphQL for the proactive flow: offers with their history, campaign figures, and the
//! mutations an operator or an eGov front end uses to answer an offer (the same path as an SMS
//! reply).

use super::error::{ApiError, ApiResult};
use super::schema::gate;
use super::AppContext;
use crate::domain::ids::Iban;
use crate::domain::offer::OfferEvent;
use crate::proactive::{self, FlowError};
use async_graphql::{Context, Object, SimpleObject};
use serde_json::Value;

fn app<'a>(ctx: &'a Context<'_>) -> &'a AppContext {
    ctx.data_unchecked::<AppContext>()
}

fn text(v: &Value, k: &str) -> Option<String> {
    match &v[k] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// An offer of the proactive flow.
#[derive(SimpleObject)]
#[graphql(name = "Offer")]
pub struct OfferView {
    pub offer_id: String,
    pub benefit: String,
    pub family_id: String,
    pub recipient_iin: String,
    /// DETECTED, NOTIFIED, CONSENTED, ACCOUNT_CONFIRMED, ASSIGNED, PAYMENT_ORDERED, REFUSED, EXPIRED.
    pub state: String,
    pub amount_kzt: Option<i64>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// When the offer SMS was accepted by the gateway, and when the reply window closes.
    pub sent_at: Option<String>,
    pub expires_at: Option<String>,
    pub replied_at: Option<String>,
    /// Every state change, oldest first.
    pub transitions: Vec<OfferTransitionView>,
    /// Every SMS sent for this offer (offer, reminder, account request, assignment).
    pub messages: Vec<OfferMessageView>,
    pub payment_orders: Vec<PaymentOrderView>,
}

#[derive(SimpleObject)]
#[graphql(name = "OfferTransition")]
pub struct OfferTransitionView {
    pub from: String,
    pub to: String,
    pub event: String,
    pub at: String,
    /// Who caused it: `campaign`, `sms:+7…`, `operator:<subject>`.
    pub actor: String,
}

#[derive(SimpleObject)]
#[graphql(name = "OfferMessage")]
pub struct OfferMessageView {
    pub message_id: String,
    pub kind: String,
    pub sender: String,
    pub status: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
}

#[derive(SimpleObject)]
#[graphql(name = "PaymentOrder")]
pub struct PaymentOrderView {
    pub order_id: String,
    pub amount_kzt: Option<i64>,
    /// Masked unless the principal sees full identifiers.
    pub iban: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub created_at: String,
}

/// Campaign figures for one benefit.
#[derive(SimpleObject)]
#[graphql(name = "ProactiveFigures")]
pub struct FiguresView {
    pub benefit: String,
    pub detected: i64,
    pub notified: i64,
    pub replied: i64,
    pub consented: i64,
    pub refused: i64,
    pub expired: i64,
    pub assigned: i64,
    pub payment_ordered: i64,
}

fn offer_view(ctx: &Context<'_>, v: &Value) -> OfferView {
    let o = &v["offer"];
    let full = gate(ctx).principal().sees_full_identifiers();
    let iin = text(o, "recipient_iin").unwrap_or_default();
    let recipient_iin = match crate::domain::ids::Iin::parse(&iin) {
        Ok(i) if !full => i.masked(),
        _ => iin,
    };
    let mut raw: Vec<&Value> = v["transitions"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    raw.sort_by_key(|t| t["seq"].as_i64().unwrap_or(0));
    let transitions: Vec<OfferTransitionView> = Some(raw)
        .map(|a| {
            a.into_iter()
                .map(|t| OfferTransitionView {
                    from: text(t, "from").unwrap_or_default(),
                    to: text(t, "to").unwrap_or_default(),
                    event: text(t, "event").unwrap_or_default(),
                    at: text(t, "at").unwrap_or_default(),
                    actor: text(t, "actor").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut messages: Vec<OfferMessageView> = v["messages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| OfferMessageView {
                    message_id: text(m, "message_id").unwrap_or_default(),
                    kind: text(m, "kind").unwrap_or_default(),
                    sender: text(m, "sender").unwrap_or_default(),
                    status: text(m, "status").unwrap_or_default(),
                    sent_at: text(m, "sent_at"),
                    attempts: m["attempts"].as_i64().unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    messages.sort_by(|a, b| a.message_id.cmp(&b.message_id));
    let payment_orders = v["payment_orders"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| PaymentOrderView {
                    order_id: text(p, "order_id").unwrap_or_default(),
                    amount_kzt: p["amount_kzt"].as_i64(),
                    iban: text(p, "iban").map(|i| match Iban::parse(&i) {
                        Ok(x) if !full => x.masked(),
                        _ => i,
                    }),
                    period_from: text(p, "period_from"),
                    period_to: text(p, "period_to"),
                    created_at: text(p, "created_at").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    OfferView {
        offer_id: text(o, "offer_id").unwrap_or_default(),
        benefit: text(o, "benefit").unwrap_or_default(),
        family_id: text(o, "family_id").unwrap_or_default(),
        recipient_iin,
        state: text(o, "state").unwrap_or_default(),
        amount_kzt: o["amount_kzt"].as_i64(),
        period_from: text(o, "period_from"),
        period_to: text(o, "period_to"),
        sent_at: text(o, "sent_at"),
        expires_at: text(o, "expires_at"),
        replied_at: text(o, "replied_at"),
        transitions,
        messages,
        payment_orders,
    }
}

fn flow_error(e: FlowError) -> ApiError {
    match e {
        FlowError::NoOffer(_) => ApiError::NotFound("no offer with this id".into()),
        FlowError::Illegal(i) => ApiError::bad_input("offerId", i),
        FlowError::Conflict(id) => ApiError::bad_input(
            "offerId",
            format!("the offer {id} changed concurrently; reload it and try again"),
        ),
        FlowError::Account(m) => ApiError::bad_input("account", m),
        FlowError::Store(s) => ApiError::from(crate::family_cards::FamilyError::Store(s)),
    }
}

#[derive(Default)]
pub struct ProactiveQuery;

#[Object]
impl ProactiveQuery {
    /// An offer with its state history, messages and payment orders.
    #[graphql(complexity = "10 + child_complexity")]
    async fn offer(&self, ctx: &Context<'_>, offer_id: String) -> async_graphql::Result<OfferView> {
        let v = gate(ctx).offer(&offer_id).await?;
        Ok(offer_view(ctx, &v))
    }

    /// Campaign figures per benefit (aggregates; no personal data).
    async fn proactive_figures(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FiguresView>> {
        gate(ctx).national_aggregate("proactive_figures")?;
        let f = proactive::figures(&app(ctx).store)
            .await
            .map_err(|e| ApiError::from(crate::family_cards::FamilyError::Store(e)))?;
        Ok(f.into_iter()
            .map(|f| FiguresView {
                benefit: f.benefit,
                detected: f.detected,
                notified: f.notified,
                replied: f.replied,
                consented: f.consented,
                refused: f.refused,
                expired: f.expired,
                assigned: f.assigned,
                payment_ordered: f.payment_ordered,
            })
            .collect())
    }
}

pub struct MutationRoot;

impl MutationRoot {
    async fn act(
        ctx: &Context<'_>,
        offer_id: &str,
        event: OfferEvent,
        action: &str,
    ) -> async_graphql::Result<OfferView> {
        let g = gate(ctx);
        g.may_answer_offer(offer_id, action).await?;
        let a = app(ctx);
        proactive::answer(
            &a.store,
            &a.proactive,
            &a.titles,
            offer_id,
            event,
            &format!("operator:{}", g.principal().subject),
            chrono::Utc::now(),
        )
        .await
        .map_err(flow_error)?;
        let v = g.offer(offer_id).await?;
        Ok(offer_view(ctx, &v))
    }
}

fn parse_account(account: Option<String>) -> ApiResult<Option<Iban>> {
    account
        .map(|a| Iban::parse(&a).map_err(|e| ApiError::bad_input("account", e)))
        .transpose()
}

#[Object(name = "ProactiveMutation")]
impl MutationRoot {
    /// The citizen consents (optionally giving the account to pay to; otherwise the account
    /// known from the registry is used, or one is asked for).
    async fn consent_offer(
        &self,
        ctx: &Context<'_>,
        offer_id: String,
        account: Option<String>,
    ) -> async_graphql::Result<OfferView> {
        let account = parse_account(account)?;
        Self::act(
            ctx,
            &offer_id,
            OfferEvent::Consent { account },
            "consent_offer",
        )
        .await
    }

    /// The citizen refuses. The entitlement is kept: an ordinary application stays possible.
    async fn refuse_offer(
        &self,
        ctx: &Context<'_>,
        offer_id: String,
    ) -> async_graphql::Result<OfferView> {
        Self::act(ctx, &offer_id, OfferEvent::Refuse, "refuse_offer").await
    }

    /// The account to pay to, after a consent given without one.
    async fn confirm_account(
        &self,
        ctx: &Context<'_>,
        offer_id: String,
        account: String,
    ) -> async_graphql::Result<OfferView> {
        let account = parse_account(Some(account))?.expect("given");
        Self::act(
            ctx,
            &offer_id,
            OfferEvent::ConfirmAccount { account },
            "confirm_account",
        )
        .await
    }
}
