//! Round trips per family card, counted on the wire: a small Bolt proxy between a second
//! service and the test database parses the client's chunked messages (RUN, PULL, RESET, …)
//! and counts request bursts (client bytes after server bytes = one round trip). Also: a card
//! read through the relatives' load gives exactly the snapshot of the anchor's own load, for
//! every person of the sample.

use crate::helpers::*;
use family_card::domain::family::Resolver;
use family_card::domain::ids::Iin;
use family_card::domain::snapshot::FamilySnapshot;
use family_card::family_cards;
use family_card::store::{LoadScope, Store};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bolt messages and round trips seen by the proxy.
#[derive(Debug, Default, Clone, PartialEq)]
struct Wire {
    run: usize,
    pull: usize,
    reset: usize,
    begin: usize,
    route: usize,
    other: usize,
    round_trips: usize,
}

/// Parses the client → server byte stream of one connection: a 20-byte handshake, then
/// messages as chunks (`u16` length, data; a zero length ends a message). A message is a
/// PackStream struct: marker byte, then the signature.
struct ClientParser {
    handshake_left: usize,
    buf: Vec<u8>,
    message: Vec<u8>,
}

impl ClientParser {
    fn feed(&mut self, bytes: &[u8], wire: &mut Wire) {
        let skip = self.handshake_left.min(bytes.len());
        self.handshake_left -= skip;
        self.buf.extend_from_slice(&bytes[skip..]);
        loop {
            if self.buf.len() < 2 {
                return;
            }
            let len = u16::from_be_bytes([self.buf[0], self.buf[1]]) as usize;
            if len == 0 {
                self.buf.drain(..2);
                match self.message.get(1) {
                    Some(0x10) => wire.run += 1,
                    Some(0x3F) => wire.pull += 1,
                    Some(0x0F) => wire.reset += 1,
                    Some(0x11) => wire.begin += 1,
                    Some(0x66) => wire.route += 1,
                    _ => wire.other += 1,
                }
                self.message.clear();
                continue;
            }
            if self.buf.len() < 2 + len {
                return;
            }
            self.message.extend_from_slice(&self.buf[2..2 + len]);
            self.buf.drain(..2 + len);
        }
    }
}

/// Listens on a free port and forwards every connection to `target` (`host:port`), counting.
async fn counting_proxy(target: String) -> (String, Arc<Mutex<Wire>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let wire = Arc::new(Mutex::new(Wire::default()));
    let w = wire.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = tokio::net::TcpStream::connect(&target).await.unwrap();
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            let server_spoke = Arc::new(AtomicBool::new(true));
            let (w1, s1) = (w.clone(), server_spoke.clone());
            tokio::spawn(async move {
                let mut p = ClientParser {
                    handshake_left: 20,
                    buf: vec![],
                    message: vec![],
                };
                let mut b = vec![0u8; 64 * 1024];
                while let Ok(n) = cr.read(&mut b).await {
                    if n == 0 {
                        break;
                    }
                    {
                        let mut wire = w1.lock().unwrap();
                        if s1.swap(false, Ordering::SeqCst) {
                            wire.round_trips += 1;
                        }
                        p.feed(&b[..n], &mut wire);
                    }
                    if sw.write_all(&b[..n]).await.is_err() {
                        break;
                    }
                }
            });
            tokio::spawn(async move {
                let mut b = vec![0u8; 64 * 1024];
                while let Ok(n) = sr.read(&mut b).await {
                    if n == 0 {
                        break;
                    }
                    server_spoke.store(true, Ordering::SeqCst);
                    if cw.write_all(&b[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (format!("bolt://{addr}"), wire)
}

/// A second service on the test database, its Bolt traffic through a counting proxy.
struct CountedService {
    url: String,
    token: String,
    wire: Arc<Mutex<Wire>>,
    _dir: tempfile::TempDir,
}

async fn counted_service() -> CountedService {
    let a = app();
    let target = a
        .db_config
        .uri
        .trim_start_matches("bolt://")
        .trim_start_matches("neo4j://")
        .to_string();
    let (uri, wire) = counting_proxy(target).await;
    let mut cfg = a.db_config.clone();
    cfg.uri = uri;
    let store = Store::connect(&cfg)
        .await
        .expect("connects through the proxy");
    let dir = tempfile::tempdir().unwrap();
    let mut settings = family_card::app::Settings::local(dir.path()).unwrap();
    settings.bind = "127.0.0.1:0".into();
    settings.limits.rate_per_second = 1e6;
    settings.limits.rate_burst = 1e6;
    // Only the requests under test may cross the proxy: the change-event worker's polls would be
    // counted as the card's statements.
    settings.events.enabled = false;
    let application = family_card::app::Application::build(
        settings,
        store,
        family_card::rules::RuleSet::bundled(),
        family_card::domain::offer::ProactiveRules::bundled(),
    )
    .await
    .expect("builds");
    let token = application
        .app
        .local_issuer
        .as_ref()
        .unwrap()
        .mint(&family_card::api::auth::local::TokenRequest {
            subject: "round-trips".into(),
            role: "analyst".into(),
            region: "*".into(),
            partner_id: None,
            purpose: None,
            ttl: std::time::Duration::from_secs(600),
        })
        .unwrap();
    let url = format!("http://127.0.0.1:{}/graphql", application.port);
    tokio::spawn(application.run_until(std::future::pending()));
    CountedService {
        url,
        token,
        wire,
        _dir: dir,
    }
}

impl CountedService {
    /// The Bolt traffic of one request (after the service has warmed its connection).
    async fn traffic_of(&self, query: &str, variables: Value) -> (Value, Wire) {
        *self.wire.lock().unwrap() = Wire::default();
        let body: Value = reqwest::Client::new()
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        let w = self.wire.lock().unwrap().clone();
        (body, w)
    }
}

/// The README's selection, with nested members' families and entitlements.
const CARD: &str = "query($iin: String!, $asOf: NaiveDate) { family(iin: $iin, asOf: $asOf) { \
familyId anchorIin size members(first: 5) { edges { node { iin fullName role age \
family(asOf: $asOf) { familyId size } entitlements(asOf: $asOf) { benefit } } } } \
household { addressId residents outsideFamily } assets { realEstate { areaM2 } vehicles { kind } } \
wellbeing { level } } }";

/// An anchor of the sample with a child counted in the family, and that child.
async fn anchor_and_child() -> (String, String) {
    let d = reference_date();
    for iin in sample_iins() {
        let Ok(s) = family_cards::family_of_person(&app().store, &iin, d).await else {
            continue;
        };
        if s.composition.anchor != iin {
            continue;
        }
        if let Some(c) = s.members.iter().find(|m| m.role.is_child()) {
            return (iin.as_str().into(), c.iin().as_str().into());
        }
    }
    panic!("the sample has a family with a child");
}

#[test]
fn a_family_card_costs_one_round_trip_for_an_anchor_and_for_a_member_with_nested_fields() {
    run(async {
        let (anchor, child) = anchor_and_child().await;
        let svc = counted_service().await;
        let vars = |iin: &str| json!({"iin": iin, "asOf": reference_date().to_string()});
        // Warm: the pool holds one open connection afterwards.
        svc.traffic_of(CARD, vars(&anchor)).await;
        for (who, iin) in [("anchor", &anchor), ("child", &child)] {
            let (body, w) = svc.traffic_of(CARD, vars(iin)).await;
            assert_eq!(body["data"]["family"]["anchorIin"], json!(anchor), "{who}");
            assert!(body["data"]["family"]["size"].as_u64().unwrap() >= 2);
            assert_eq!(
                (w.run, w.round_trips, w.reset, w.begin),
                (1, 1, 0, 0),
                "{who}: one statement, one round trip, no RESET: {w:?}"
            );
        }
        // A composition-only selection: one round trip too (the narrower statement).
        let (_, w) = svc
            .traffic_of(
                "query($iin: String!) { family(iin: $iin) { familyId members { edges { node { iin role } } } } }",
                json!({"iin": child}),
            )
            .await;
        assert_eq!((w.run, w.round_trips, w.reset), (1, 1, 0), "{w:?}");
    });
}

#[test]
fn a_family_card_by_id_costs_one_round_trip_and_equals_the_card_by_iin() {
    run(async {
        let (anchor, child) = anchor_and_child().await;
        let d = reference_date();
        let by_iin = family_cards::family_of_person(&app().store, &Iin::parse(&child).unwrap(), d)
            .await
            .unwrap();
        let id = by_iin.composition.family_id.as_str().to_string();
        // The same card, loaded by its id: the same snapshot as by a member's IIN.
        let by_id = family_cards::family_by_id(&app().store, &id, d)
            .await
            .unwrap();
        assert_eq!(by_id, by_iin);
        let svc = counted_service().await;
        const BY_ID: &str =
            "query($id: String!, $asOf: NaiveDate) { family(familyId: $id, asOf: $asOf) { \
familyId anchorIin size members(first: 5) { edges { node { iin role } } } \
household { addressId residents } wellbeing { level } } }";
        let vars = json!({"id": id, "asOf": d.to_string()});
        svc.traffic_of(BY_ID, vars.clone()).await;
        let (body, w) = svc.traffic_of(BY_ID, vars).await;
        assert_eq!(body["data"]["family"]["familyId"], json!(id));
        assert_eq!(body["data"]["family"]["anchorIin"], json!(anchor));
        assert_eq!(
            (w.run, w.round_trips, w.reset, w.begin),
            (1, 1, 0, 0),
            "one statement, one round trip, no RESET: {w:?}"
        );
        // An unknown id: one round trip too, and a clear not-found.
        let unknown =
            json!({"query": BY_ID, "variables": {"id": "FAM-UNKNOWN", "asOf": d.to_string()}});
        *svc.wire.lock().unwrap() = Wire::default();
        let body: Value = reqwest::Client::new()
            .post(&svc.url)
            .bearer_auth(&svc.token)
            .json(&unknown)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_some(), "{body}");
        assert_eq!(svc.wire.lock().unwrap().run, 1);
    });
}

#[test]
fn the_by_id_statement_is_the_neighbourhood_statement_after_its_head() {
    let tail = |text: &str| text[text.find("\nOPTIONAL MATCH (f0)").unwrap()..].to_string();
    assert_eq!(
        tail(family_card::store::cypher::FAMILY_NEIGHBOURHOOD_BY_ID),
        tail(family_card::store::cypher::FAMILY_NEIGHBOURHOOD)
    );
}

/// The reference: the person's own neighbourhood to resolve the anchor, then the anchor's own
/// load — what the service did before one load held both.
async fn two_loads(store: &Store, iin: &Iin, d: chrono::NaiveDate) -> Option<FamilySnapshot> {
    let ln = store.load_neighbourhood(iin).await.unwrap()?;
    let anchor = Resolver::new(&ln.neighbourhood, d)
        .anchor_for(iin)
        .ok()?
        .clone();
    let la = store.load_neighbourhood(&anchor).await.unwrap()?;
    FamilySnapshot::build(&la.neighbourhood, &anchor, d, &la.co_registrations).ok()
}

#[test]
fn a_card_read_in_one_load_equals_the_anchors_own_load_for_every_sample_person() {
    run(async {
        let store = &app().store;
        let mut compared = 0;
        for d in [reference_date(), date("2020-01-01")] {
            for iin in sample_iins() {
                let expected = two_loads(store, &iin, d).await;
                let full = family_cards::family_of_person_in(store, &iin, d, LoadScope::Full)
                    .await
                    .ok();
                let composition =
                    family_cards::family_of_person_in(store, &iin, d, LoadScope::Composition)
                        .await
                        .ok();
                let with_assets = family_cards::family_of_person_in(
                    store,
                    &iin,
                    d,
                    LoadScope::CompositionWithAssets,
                )
                .await
                .ok();
                assert_eq!(full, expected, "{iin} on {d}");
                assert_eq!(
                    composition.map(|s| (s.composition, s.household)),
                    expected.clone().map(|s| (s.composition, s.household)),
                    "{iin} on {d}: composition-only load"
                );
                // The README's screen: the same card and every member's asset registries.
                let assets_of = |s: FamilySnapshot| {
                    let assets: Vec<_> = s
                        .members
                        .iter()
                        .map(|m| {
                            let f = &m.facts;
                            (
                                f.real_estate.clone(),
                                f.vehicles.clone(),
                                f.land_plots.clone(),
                                f.farms.clone(),
                            )
                        })
                        .collect();
                    (s.composition, s.household, assets)
                };
                assert_eq!(
                    with_assets.map(assets_of),
                    expected.map(assets_of),
                    "{iin} on {d}: composition and assets load"
                );
                compared += 1;
            }
        }
        assert!(compared > 50);
    });
}

/// `person(iin:)` loads the person alone (not the radius-3 neighbourhood around it), with the
/// facts a neighbourhood load gives the same person.
#[test]
fn a_persons_own_load_has_the_facts_of_the_neighbourhood_load() {
    run(async {
        let store = &app().store;
        let mut compared = 0;
        for iin in sample_iins() {
            let own = store.load_person(&iin).await.unwrap();
            let in_neighbourhood = store
                .load_neighbourhood(&iin)
                .await
                .unwrap()
                .and_then(|ln| ln.neighbourhood.persons.get(&iin).map(|f| (**f).clone()));
            assert!(own.is_some(), "{iin}");
            assert_eq!(own, in_neighbourhood, "{iin}");
            compared += 1;
        }
        assert!(compared > 50);
        let unknown = Iin::parse("950115401235").unwrap();
        assert_eq!(store.load_person(&unknown).await.unwrap(), None);
    });
}

#[test]
fn the_composition_statement_has_the_same_head_as_the_full_one() {
    let head = |text: &str| {
        let from = text.find("UNWIND $iins").unwrap();
        let to = text.find("  [(p)-[l:PARENT_OF]").unwrap();
        text[from..to].to_string()
    };
    assert_eq!(
        head(family_card::store::cypher::CARD_COMPOSITION),
        head(family_card::store::cypher::FAMILY_NEIGHBOURHOOD)
    );
    assert_eq!(
        head(family_card::store::cypher::CARD_ASSETS),
        head(family_card::store::cypher::FAMILY_NEIGHBOURHOOD)
    );
}

/// `neo4j://` (a routing URI) against the local engine, through the counting proxy. Without the
/// `cluster` feature neo4rs connects straight to the one address with a routing context in its
/// HELLO (what a Neo4j cluster's server-side routing answers); with it, the driver first asks for
/// the routing table (ROUTE, which ArcadeDB answers with itself in every role) and then sends
/// reads to the readers it names. Either way a card read gives the same snapshot as over `bolt://`.
#[test]
fn a_routing_uri_reads_the_same_card_as_a_direct_one() {
    run(async {
        let a = app();
        let target = a.db_config.uri.trim_start_matches("bolt://").to_string();
        let (proxied, wire) = counting_proxy(target).await;
        let mut cfg = a.db_config.clone();
        cfg.uri = proxied.replacen("bolt://", "neo4j://", 1);
        let store = Store::connect(&cfg).await.expect("a neo4j:// URI connects");
        let (anchor, child) = anchor_and_child().await;
        let d = reference_date();
        for iin in [anchor, child] {
            let iin = Iin::parse(&iin).unwrap();
            let routed = family_cards::family_of_person(&store, &iin, d)
                .await
                .unwrap();
            let direct = family_cards::family_of_person(&a.store, &iin, d)
                .await
                .unwrap();
            assert_eq!(routed, direct, "{iin}");
        }
        let w = wire.lock().unwrap().clone();
        if cfg!(feature = "cluster") {
            assert!(
                w.route >= 1,
                "the routing driver asks for the routing table: {w:?}"
            );
        } else {
            assert_eq!(w.route, 0, "{w:?}");
            assert!(w.run >= 2, "both reads went to the one address: {w:?}");
        }
    });
}

/// The vendored neo4rs reads a row straight from its wire bytes (`vendor/neo4rs/PATCHED.md`, 5):
/// for every sample person, at every scope, every column and every decoded entry of the card
/// statement's rows equal what neo4rs's value tree of the same row gives.
#[test]
fn a_cards_rows_decode_from_their_bytes_as_from_the_value_tree() {
    run(async {
        let store = &app().store;
        let mut rows = 0;
        for iin in sample_iins() {
            for scope in [
                LoadScope::Full,
                LoadScope::Composition,
                LoadScope::CompositionWithAssets,
            ] {
                rows += store
                    .card_rows_decode_alike(&iin, scope)
                    .await
                    .unwrap_or_else(|e| panic!("{iin} {scope:?}: {e}"));
            }
        }
        assert!(rows > 150, "{rows}");
    });
}
