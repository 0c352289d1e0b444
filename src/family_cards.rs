//! Family cards on top of the store: a person's family as of a date, a card by its id, and the
//! materialisation of cards (one `Family` node per anchor) after a load.

use crate::domain::family::{
    is_candidate_anchor, CompositionError, FamilyId, MarriageSummary, Resolver,
};
use crate::domain::ids::{Iin, Sex};
use crate::domain::snapshot::FamilySnapshot;
use crate::store::{LoadScope, LoadedNeighbourhood, Store, StoreError};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum FamilyError {
    #[error("no person with this IIN in the registry")]
    PersonNotFound,
    #[error("no family card with this id")]
    FamilyNotFound,
    #[error("{0}")]
    Composition(#[from] CompositionError),
    #[error(
        "on {0} the anchor of this card belonged to another family (the card was not in force)"
    )]
    CardNotInForce(NaiveDate),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Card reads whose anchor lay outside the first load (two or more links from the person asked
/// for) and cost a second round trip, and all card reads: for the benchmarks' report.
static SECOND_LOADS: AtomicU64 = AtomicU64::new(0);
static CARD_READS: AtomicU64 = AtomicU64::new(0);

/// `(card reads by person, of which needed a second round trip)` since start-up.
pub fn card_read_counts() -> (u64, u64) {
    (
        CARD_READS.load(Ordering::Relaxed),
        SECOND_LOADS.load(Ordering::Relaxed),
    )
}

/// The family `iin` belongs to on `as_of`, with every fact (rules may run on it).
pub async fn family_of_person(
    store: &Store,
    iin: &Iin,
    as_of: NaiveDate,
) -> Result<FamilySnapshot, FamilyError> {
    family_of_person_in(store, iin, as_of, LoadScope::Full).await
}

/// The family `iin` belongs to on `as_of`, loading the facts of `scope`. ONE round trip when the
/// anchor is the person or one of their direct relatives (a child's parent, a husband's wife):
/// the load holds the person's neighbourhood, from which the anchor is resolved, and the
/// anchor's, from which the card is built — exactly the facts two separate loads would give.
/// An anchor further away (a child counted with a step-parent's family) costs a second load.
pub async fn family_of_person_in(
    store: &Store,
    iin: &Iin,
    as_of: NaiveDate,
    scope: LoadScope,
) -> Result<FamilySnapshot, FamilyError> {
    CARD_READS.fetch_add(1, Ordering::Relaxed);
    let card = store
        .load_card(iin, scope)
        .await?
        .ok_or(FamilyError::PersonNotFound)?;
    let own = card.around(iin).ok_or(FamilyError::PersonNotFound)?;
    let anchor = Resolver::new(&own.neighbourhood, as_of)
        .anchor_for(iin)?
        .clone();
    let ln = if &anchor == iin {
        own
    } else if let Some(ln) = card.into_around(&anchor) {
        // The load's last use: its entries move into the anchor's neighbourhood.
        ln
    } else {
        SECOND_LOADS.fetch_add(1, Ordering::Relaxed);
        store
            .load_neighbourhood_in(&anchor, scope)
            .await?
            .ok_or(FamilyError::PersonNotFound)?
    };
    Ok(FamilySnapshot::build(
        &ln.neighbourhood,
        &anchor,
        as_of,
        &ln.co_registrations,
    )?)
}

/// The family anchored at `anchor` on `as_of`, or `CardNotInForce` when the anchor belonged to
/// another family that day. One round trip.
pub async fn family_of_anchor(
    store: &Store,
    anchor: &Iin,
    as_of: NaiveDate,
    scope: LoadScope,
) -> Result<FamilySnapshot, FamilyError> {
    let ln = store
        .load_neighbourhood_in(anchor, scope)
        .await?
        .ok_or(FamilyError::PersonNotFound)?;
    let r = Resolver::new(&ln.neighbourhood, as_of);
    if r.anchor_for(anchor)? != anchor {
        return Err(FamilyError::CardNotInForce(as_of));
    }
    Ok(FamilySnapshot::build(
        &ln.neighbourhood,
        anchor,
        as_of,
        &ln.co_registrations,
    )?)
}

/// The snapshot of the card anchored at `anchor` from its loaded neighbourhood, or `None` when
/// the card is not in force on `as_of` (the anchor was not alive, or belonged to another family).
pub fn snapshot_of_anchor(
    ln: &LoadedNeighbourhood,
    anchor: &Iin,
    as_of: NaiveDate,
) -> Result<Option<FamilySnapshot>, CompositionError> {
    let r = Resolver::new(&ln.neighbourhood, as_of);
    match r.anchor_for(anchor) {
        Ok(a) if a == anchor => {}
        Ok(_) | Err(CompositionError::NotAlive(..)) => return Ok(None),
        Err(e) => return Err(e),
    }
    FamilySnapshot::build(&ln.neighbourhood, anchor, as_of, &ln.co_registrations).map(Some)
}

/// A family card by id on `as_of`, or `CardNotInForce` when its anchor belonged to another
/// family that day. ONE round trip: the card's Family node and its anchor's neighbourhood come in
/// one statement, with every fact (a card by id is asked for rarely enough that a second,
/// composition-only statement is not worth keeping in step).
pub async fn family_by_id(
    store: &Store,
    family_id: &str,
    as_of: NaiveDate,
) -> Result<FamilySnapshot, FamilyError> {
    let ln = store
        .load_family_by_id(family_id)
        .await?
        .ok_or(FamilyError::FamilyNotFound)?;
    let anchor = ln.focus.clone();
    if Resolver::new(&ln.neighbourhood, as_of).anchor_for(&anchor)? != &anchor {
        return Err(FamilyError::CardNotInForce(as_of));
    }
    Ok(FamilySnapshot::build(
        &ln.neighbourhood,
        &anchor,
        as_of,
        &ln.co_registrations,
    )?)
}

/// Creates a `Family` node for every person who is a candidate anchor on `on` (idempotent).
/// Returns the number of cards written.
pub async fn materialise_family_cards(store: &Store, on: NaiveDate) -> Result<usize, FamilyError> {
    let mut after = String::new();
    let mut written = 0;
    loop {
        let page = store.family_candidates_page(&after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last["iin"].as_str().unwrap_or_default().to_string();
        let rows: Vec<Value> = page
            .iter()
            .filter_map(|r| {
                let iin = Iin::parse(r["iin"].as_str()?).ok()?;
                let sex: Sex = serde_json::from_value(r["sex"].clone()).ok()?;
                let birth: NaiveDate = serde_json::from_value(r["birth_date"].clone()).ok()?;
                let death: Option<NaiveDate> = serde_json::from_value(r["death_date"].clone()).ok()?;
                let marriages: Vec<MarriageSummary> =
                    serde_json::from_value(r["marriages"].clone()).unwrap_or_default();
                is_candidate_anchor(sex, birth, death, &marriages, on).then(|| {
                    json!({"family_id": FamilyId::for_anchor(&iin).as_str(), "anchor_iin": iin.as_str()})
                })
            })
            .collect();
        written += rows.len();
        if !rows.is_empty() {
            store.upsert_families(&Value::Array(rows)).await?;
        }
    }
    Ok(written)
}
