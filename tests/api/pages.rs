//! The web pages work offline: GraphiQL and its assets come from the service itself (vendored
//! in `web/`), and a headless Chromium with everything but the service blocked runs a query.

use crate::helpers::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The values of the `src="..."` and `href="..."` attributes of a page.
fn linked_paths(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            out.push(rest[..rest.find('"').expect("closing quote")].to_string());
        }
    }
    out
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", r.url()))
        .to_str()
        .unwrap()
}

#[test]
fn graphiql_and_its_assets_are_served_by_the_service() {
    run(async {
        let base = &app().base_url;
        let page = reqwest::get(format!("{base}/")).await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&page, "x-content-type-options"), "nosniff");
        let csp = header(&page, "content-security-policy").to_string();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        let html = page.text().await.unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "the page names another origin:\n{html}"
        );
        assert!(!html.contains("<script>"), "inline script:\n{html}");
        for other in ["/graphiql", "/graphql"] {
            let r = reqwest::get(format!("{base}{other}")).await.unwrap();
            assert_eq!(r.status(), 200, "{other}");
            assert_eq!(
                r.text().await.unwrap(),
                html,
                "{other} is not the same page"
            );
        }

        let links = linked_paths(&html);
        assert_eq!(links.len(), 7, "{links:?}");
        for link in &links {
            assert!(link.starts_with("/assets/"), "{link} is not an asset path");
            let r = reqwest::get(format!("{base}{link}")).await.unwrap();
            assert_eq!(r.status(), 200, "{link}");
            let want = if link.ends_with(".js") {
                "text/javascript; charset=utf-8"
            } else if link.ends_with(".css") {
                "text/css; charset=utf-8"
            } else if link.ends_with(".svg") {
                "image/svg+xml"
            } else {
                panic!("{link}: an asset of unexpected kind")
            };
            assert_eq!(header(&r, "content-type"), want, "{link}");
            assert_eq!(header(&r, "x-content-type-options"), "nosniff");
            assert!(header(&r, "cache-control").contains("immutable"), "{link}");
            // Byte for byte the file in web/ (vendored or the page's own).
            let name = link.rsplit('/').next().unwrap();
            let file = [
                repo_path("web/vendor").join(name),
                repo_path("web").join(name),
            ]
            .into_iter()
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name} is not in web/ nor web/vendor/"));
            let body = r.bytes().await.unwrap();
            assert!(body[..] == std::fs::read(&file).unwrap()[..], "{link}");
        }

        let missing = reqwest::get(format!("{base}/assets/0000000000000000/graphiql.min.js"))
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    });
}

/// `web/vendor/` is what `web/vendor.sh` makes from the lock file (checksums recorded by it).
#[test]
fn vendored_files_match_their_recorded_checksums() {
    let dir = repo_path("web/vendor");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let mut checked = 0;
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").expect("sha256sum format");
        let got = hex::encode(Sha256::digest(std::fs::read(dir.join(name)).unwrap()));
        assert_eq!(
            got, sum,
            "web/vendor/{name} differs from SHA256SUMS: rerun web/vendor.sh"
        );
        checked += 1;
    }
    assert!(checked >= 4);
    // The versions vendored are the ones web/package.json pins.
    let pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_path("web/package.json")).unwrap())
            .unwrap();
    let versions = std::fs::read_to_string(dir.join("VERSIONS")).unwrap();
    for line in versions.lines() {
        let (name, version) = line.split_once(' ').unwrap();
        assert_eq!(pkg["dependencies"][name], version, "{name}");
    }
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Headless Chromium, every request outside the service aborted: GraphiQL loads, runs
/// `{ benefits { code name } }` and shows the data (tools/browser-test/graphiql.mjs). The
/// screenshot stays in `target/browser-artefacts/graphiql.png`.
#[test]
fn graphiql_runs_a_query_in_a_browser_with_the_network_blocked() {
    let screenshot = target_dir().join("browser-artefacts/graphiql.png");
    let token = token("analyst", "*");
    let report = browser(&["--token", &token], Some(&screenshot));
    assert!(
        report["result"].as_str().unwrap().contains("benefits"),
        "{report}"
    );
    assert!(
        screenshot.exists(),
        "no screenshot at {}",
        screenshot.display()
    );
}

/// A token given as `/#token=...` leaves the address bar, is kept for the tab and sent as
/// `Authorization: Bearer ...` and accepted by the service; "Sign out" clears it.
#[test]
fn graphiql_sends_the_token_from_the_fragment() {
    let token = token_with("investigator", "*", "browser", Some("CASE-BROWSER"), None);
    let shot = target_dir().join("browser-artefacts/graphiql-token.png");
    let report = browser(&["--token", &token], Some(&shot));
    assert!(
        report["result"].as_str().unwrap().contains("benefits"),
        "{report}"
    );
}

/// The server refusing a request without a token (401) is explained in the page's token bar.
#[test]
fn graphiql_explains_a_refusal() {
    let report = browser(
        &["--expect", "unauthorized"],
        Some(&target_dir().join("browser-artefacts/graphiql-401.png")),
    );
    assert!(
        report["result"].as_str().unwrap().contains("401"),
        "{report}"
    );
}

/// Runs `tools/browser-test/graphiql.mjs` against the test server with `args`; asserts it passed
/// and returns its JSON report.
fn browser(args: &[&str], screenshot: Option<&Path>) -> serde_json::Value {
    let (ok, report, output) = browser_at(&app().base_url, args, screenshot);
    assert!(ok, "browser test {args:?} failed:\n{output}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["blocked"], serde_json::json!([]), "{report}");
    eprintln!("browser test {args:?}: {report}");
    report
}

/// Runs the browser script against `url`: whether it passed, its JSON report, its output.
fn browser_at(
    url: &str,
    args: &[&str],
    screenshot: Option<&Path>,
) -> (bool, serde_json::Value, String) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "no Chromium at {chromium}: install it (`apt-get install -y chromium`, as .ci/run does) \
         or set CHROMIUM to its path; the browser tests do not skip"
    );
    let tool = repo_path("tools/browser-test");
    assert!(
        tool.join("node_modules/puppeteer-core").exists(),
        "tools/browser-test/node_modules is missing: run `npm ci --prefix tools/browser-test` \
         (scripts/test.sh does)"
    );
    let mut cmd = Command::new("node");
    cmd.arg(tool.join("graphiql.mjs"))
        .args(["--url", url, "--chromium", &chromium])
        .args(args);
    if let Some(s) = screenshot {
        let _ = std::fs::remove_file(s);
        cmd.arg("--screenshot").arg(s);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let output = format!(
        "({})\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{output}"));
    (out.status.success(), report, output)
}

/// The wall itself: a page reaching for CDNs (as the old GraphiQL page did) fails the script,
/// which names every request it blocked.
#[test]
fn the_browser_test_blocks_and_reports_requests_outside_the_service() {
    const CDN_PAGE: &str = r#"<!doctype html><html><head>
<link rel="stylesheet" href="https://unpkg.com/graphiql/graphiql.min.css">
</head><body><div id="graphiql">Loading...</div>
<script src="https://cdn.jsdelivr.net/npm/react@18/umd/react.production.min.js"></script>
<img src="http://203.0.113.7/pixel.png" alt="">
</body></html>"#;
    let url = run(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = axum::Router::new().route(
            "/",
            axum::routing::get(|| async { axum::response::Html(CDN_PAGE) }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}")
    });
    let (ok, report, output) = browser_at(&url, &["--timeout-ms", "3000"], None);
    eprintln!("browser test of a CDN page: {report}");
    assert!(
        !ok,
        "the script passed a page that loads from CDNs:\n{output}"
    );
    assert_eq!(report["ok"], false, "{report}");
    let blocked = report["blocked"].to_string();
    for u in [
        "https://unpkg.com/graphiql/graphiql.min.css",
        "https://cdn.jsdelivr.net/npm/react@18/umd/react.production.min.js",
        "http://203.0.113.7/pixel.png",
    ] {
        assert!(blocked.contains(u), "{u} not reported as blocked: {report}");
    }
}

/// A service of its own for the dashboard test: a second local ArcadeDB with the sample, on which
/// the country-wide jobs run on three dates and a campaign goes out — writes the shared database's
/// tests must not see (their campaigns would offer the sample's entitlements).
struct DashboardApp {
    rt: tokio::runtime::Runtime,
    base_url: String,
    ctx: family_card::api::AppContext,
    _db: family_card::localdb::LocalDb,
    _dir: tempfile::TempDir,
}

fn dashboard_app() -> DashboardApp {
    use family_card::domain::offer::{OfferEvent, ProactiveRules};
    use family_card::jobs::JobOptions;
    use family_card::localdb::{default_cache_dir, LocalDb, LocalDbOptions};
    use family_card::proactive::gateway::{FileGateway, SmsGateway};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (db, base_url, ctx) = rt.block_on(async {
        let mut settings = family_card::app::Settings::local(&dir.path().join("state")).unwrap();
        settings.bind = "127.0.0.1:0".into();
        settings.id_key = family_card::secret::Secret::new(TEST_ID_KEY);
        family_card::app::install_id_key(&settings.id_key);
        let db = LocalDb::start(&LocalDbOptions {
            cache_dir: default_cache_dir(),
            data_dir: dir.path().join("db"),
            heap: "512m".into(),
        })
        .await
        .expect("a second local ArcadeDB starts");
        let store = family_card::store::Store::connect(&db.db_config())
            .await
            .unwrap();
        store.apply_schema().await.unwrap();
        family_card::ingest::load_dir(&store, &repo_path("fixtures/sample"), &Default::default())
            .await
            .unwrap();
        family_card::family_cards::materialise_family_cards(&store, reference_date())
            .await
            .unwrap();
        // The stored history: levels on the three dates of fixtures/expected; detection on two.
        let rules = family_card::rules::RuleSet::bundled();
        let opts = JobOptions::default();
        for d in ["2024-06-15", "2025-06-15", "2026-06-15"] {
            let r = family_card::jobs::recompute::recompute_wellbeing(
                &store,
                &rules.wellbeing,
                &rules.legal,
                date(d),
                &opts,
            )
            .await
            .unwrap();
            assert!(r.finished);
        }
        for d in ["2026-05-15", "2026-06-15"] {
            let r = family_card::jobs::detect::detect(
                &store,
                &rules.benefits,
                &rules.legal,
                date(d),
                &opts,
            )
            .await
            .unwrap();
            assert!(r.finished);
        }
        // A campaign (SMS to a file), then one offer consented to and one refused.
        let proactive_rules = ProactiveRules::bundled();
        let titles = family_card::api::benefit_titles();
        let sms = SmsGateway::File(FileGateway::new(dir.path().join("sms.ndjson")));
        family_card::proactive::run_campaign(
            &store,
            &proactive_rules,
            &titles,
            &sms,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let notified = store.offers_in_state("NOTIFIED", "", 10).await.unwrap();
        assert!(notified.len() >= 2, "offers sent: {notified:?}");
        for (o, event) in notified
            .iter()
            .zip([OfferEvent::Consent { account: None }, OfferEvent::Refuse])
        {
            family_card::proactive::answer(
                &store,
                &proactive_rules,
                &titles,
                o["offer_id"].as_str().unwrap(),
                event,
                "operator:dashboard-test",
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        }
        let application =
            family_card::app::Application::build(settings, store, rules, proactive_rules)
                .await
                .unwrap();
        let base_url = format!("http://127.0.0.1:{}", application.port);
        let ctx = application.app.clone();
        tokio::spawn(application.run_until(std::future::pending()));
        (db, base_url, ctx)
    });
    DashboardApp {
        rt,
        base_url,
        ctx,
        _db: db,
        _dir: dir,
    }
}

impl DashboardApp {
    fn token(&self, role: &str, region: &str) -> String {
        self.ctx
            .local_issuer
            .as_ref()
            .unwrap()
            .mint(&family_card::api::auth::local::TokenRequest {
                subject: format!("dashboard-{role}"),
                role: role.into(),
                region: region.into(),
                partner_id: (role == "partner").then(|| "partner-test".into()),
                purpose: None,
                ttl: std::time::Duration::from_secs(3600),
            })
            .unwrap()
    }
    fn gql(&self, query: &str, token: &str) -> serde_json::Value {
        self.rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}/graphql", self.base_url))
                .bearer_auth(token)
                .json(&serde_json::json!({"query": query}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }
}

const DASHBOARD_QUERY: &str = r#"{ dashboard(asOf: "2026-06-15") { region asOf
  regions { region families needShare rank levels { level families } }
  wellbeingTrend { asOf families levels { level families } }
  benefitsByMonth { month benefit entitlements amountKzt }
  funnel { benefit detected notified consented refused expired assigned paid awaitingOffer notifiedRate overallRate }
  jobRuns { job runId seconds processed total progress finished } } }"#;

/// The dashboard: its aggregates over GraphQL (region scope applied, no personal data), then the
/// page in headless Chromium with the network blocked draws every chart from the sample
/// (tools/browser-test/dashboard.mjs); the screenshot stays in
/// `target/browser-artefacts/dashboard.png`.
///
/// It runs alone (the exclusive turn): a second database and a browser starting beside the
/// other tests slow them past their timing margins.
#[test]
fn the_dashboard_draws_every_chart_from_the_sample_in_a_browser() {
    run_exclusive(async {
        tokio::task::spawn_blocking(dashboard_in_a_browser)
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    });
}

fn dashboard_in_a_browser() {
    let d = dashboard_app();

    // National: every region, three dates of history, two detection months, the funnel, the jobs.
    let national = d.gql(DASHBOARD_QUERY, &d.token("analyst", "*"));
    assert!(national["errors"].is_null(), "{national}");
    let dash = &national["data"]["dashboard"];
    assert_eq!(dash["region"], serde_json::Value::Null);
    let regions = dash["regions"].as_array().unwrap();
    assert!(regions.len() >= 3, "{dash}");
    assert_eq!(regions[0]["rank"], 1);
    let families: i64 = regions
        .iter()
        .map(|r| r["families"].as_i64().unwrap())
        .sum();
    let trend = dash["wellbeingTrend"].as_array().unwrap();
    let dates: Vec<&str> = trend.iter().map(|p| p["asOf"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2024-06-15", "2025-06-15", "2026-06-15"], "{dash}");
    assert_eq!(trend[2]["families"].as_i64().unwrap(), families);
    let months: std::collections::BTreeSet<&str> = dash["benefitsByMonth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert!(months.contains("2026-06"), "{dash}");
    let funnel = dash["funnel"].as_array().unwrap();
    let sum = |k: &str| -> i64 { funnel.iter().map(|f| f[k].as_i64().unwrap()).sum() };
    assert!(
        sum("detected") >= sum("notified") && sum("notified") >= 2,
        "{dash}"
    );
    assert_eq!(sum("consented"), 1, "{dash}");
    assert_eq!(sum("refused"), 1, "{dash}");
    let jobs = dash["jobRuns"].as_array().unwrap();
    assert_eq!(
        jobs.len(),
        5,
        "three recompute dates, two detection dates: {dash}"
    );
    assert!(jobs
        .iter()
        .all(|j| j["finished"] == true && j["progress"] == 1.0));
    let text = national.to_string();
    for p in sample_records("persons.ndjson") {
        assert!(
            !text.contains(p["iin"].as_str().unwrap()),
            "the dashboard shows a person's IIN"
        );
    }

    // A regional analyst sees its own region only, and no job runs (they have no region).
    let astana = d.gql(DASHBOARD_QUERY, &d.token("analyst", "ASTANA"));
    let dash = &astana["data"]["dashboard"];
    assert_eq!(dash["region"], "ASTANA", "{astana}");
    let regions = dash["regions"].as_array().unwrap();
    assert!(regions.iter().all(|r| r["region"] == "ASTANA"), "{astana}");
    assert_eq!(dash["jobRuns"], serde_json::Value::Null);
    assert_eq!(
        error_code(&astana).as_deref(),
        Some("FORBIDDEN"),
        "{astana}"
    );
    let other = d.gql(
        r#"{ dashboard(region: "SHYMKENT") { region } }"#,
        &d.token("analyst", "ASTANA"),
    );
    assert_eq!(error_code(&other).as_deref(), Some("FORBIDDEN"), "{other}");
    // Auditors read no aggregates; without a token nothing is answered.
    let auditor = d.gql(DASHBOARD_QUERY, &d.token("auditor", "*"));
    assert_eq!(
        error_code(&auditor).as_deref(),
        Some("FORBIDDEN"),
        "{auditor}"
    );
    let anonymous = d.rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/graphql", d.base_url))
            .json(&serde_json::json!({"query": "{ dashboard { region } }"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(anonymous, 401);

    // The page: no data in it, its own script, the same CSP as GraphiQL.
    let page = d.rt.block_on(async {
        let r = reqwest::get(format!("{}/dashboard", d.base_url))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let csp = header(&r, "content-security-policy").to_string();
        assert!(
            csp.starts_with("default-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        r.text().await.unwrap()
    });
    assert!(
        !page.contains("<script>") && !page.contains("https://"),
        "{page}"
    );
    let links = linked_paths(&page);
    for name in ["echarts.common.min.js", "dashboard.js", "dashboard.css"] {
        assert!(links.iter().any(|l| l.ends_with(name)), "{name}: {links:?}");
    }

    // In the browser, national: every chart drawn.
    let shot = target_dir().join("browser-artefacts/dashboard.png");
    let (ok, report, output) = dashboard_browser(&d.base_url, &d.token("analyst", "*"), &[], &shot);
    assert!(ok, "dashboard browser test failed:\n{output}");
    assert_eq!(report["blocked"], serde_json::json!([]), "{report}");
    assert!(shot.exists(), "no screenshot at {}", shot.display());
    eprintln!("dashboard browser test: {report}");
    // Regional: the same page, the job runs panel explains the refusal.
    let shot = target_dir().join("browser-artefacts/dashboard-astana.png");
    let (ok, report, output) = dashboard_browser(
        &d.base_url,
        &d.token("analyst", "ASTANA"),
        &["--expect", "jobs-forbidden"],
        &shot,
    );
    assert!(ok, "regional dashboard browser test failed:\n{output}");
    eprintln!("regional dashboard browser test: {report}");
}

fn dashboard_browser(
    url: &str,
    token: &str,
    args: &[&str],
    screenshot: &Path,
) -> (bool, serde_json::Value, String) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "no Chromium at {chromium}");
    let _ = std::fs::remove_file(screenshot);
    let out = Command::new("node")
        .arg(repo_path("tools/browser-test/dashboard.mjs"))
        .args(["--url", url, "--chromium", &chromium, "--token", token])
        .args(args)
        .arg("--screenshot")
        .arg(screenshot)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let output = format!(
        "({})\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{output}"));
    (out.status.success(), report, output)
}

/// The README's example query answers, and the members' ages are taken on the family's date
/// (`asOf`), not today.
#[test]
fn the_readme_example_query_answers_with_ages_on_the_familys_date() {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let start = readme.find("```graphql\n").expect("a graphql block") + 11;
    let query = &readme[start..start + readme[start..].find("```").unwrap()];
    run(async {
        let body = gql(query, serde_json::json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        assert!(
            body["data"]["family"]["size"].as_i64().unwrap() > 1,
            "{body}"
        );
        let q = r#"{ family(iin: "880315401029", asOf: "2026-06-15") { asOf
            members(first: 20) { edges { node { birthDate age ageToday: age(asOf: "2030-01-01") } } } } }"#;
        let body = gql(q, serde_json::json!({})).await;
        let on = date("2026-06-15");
        for e in body["data"]["family"]["members"]["edges"]
            .as_array()
            .unwrap()
        {
            let n = &e["node"];
            let born = date(n["birthDate"].as_str().unwrap());
            let years = on.years_since(born).unwrap() as i64;
            assert_eq!(n["age"].as_i64().unwrap(), years, "{n}");
            let later = date("2030-01-01").years_since(born).unwrap() as i64;
            assert_eq!(n["ageToday"].as_i64().unwrap(), later, "{n}");
        }
    });
}

/// The investigators' explorer (`/explorer`) in headless Chromium with the network blocked
/// (tools/browser-test/explorer.mjs): a search for a member of the sample's F17 shared-address
/// cluster (real estate left out of the query) draws all twelve men inside one household compound
/// around the flat, expanding the flat's owner with every kind adds the flat, two selected men are joined by a highlighted path through the flat, the
/// shared-address hit is highlighted with its evidence, a case is opened, read under, noted and
/// a view pinned and reopened, and the graph is downloaded as a PNG. Then, over GraphQL, the
/// case holds the note and the pinned view, and the audit trail has the reads done under it with
/// the case id. The screenshot stays in `target/browser-artefacts/explorer.png`.
#[test]
fn the_explorer_draws_the_f17_cluster_and_keeps_a_case_in_a_browser() {
    let subject = "explorer-investigator";
    let token = token_with(
        "investigator",
        "ALMATY_CITY",
        subject,
        Some("F17 review"),
        None,
    );
    let cluster: Vec<String> = sample_records("registrations.ndjson")
        .into_iter()
        .filter(|r| r["address_id"] == "AD-17")
        .map(|r| r["iin"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cluster.len(), 12, "F17 is twelve men at one flat");

    // The page: its own script and Cytoscape from the service, the pages' CSP.
    let html = run(async {
        let r = reqwest::get(format!("{}/explorer", app().base_url))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let csp = header(&r, "content-security-policy").to_string();
        assert_eq!(csp, family_card::api::pages::CONTENT_SECURITY_POLICY);
        r.text().await.unwrap()
    });
    assert!(
        !html.contains("<script>") && !html.contains("https://"),
        "{html}"
    );
    let links = linked_paths(&html);
    for name in ["cytoscape.min.js", "explorer.js", "explorer.css"] {
        assert!(links.iter().any(|l| l.ends_with(name)), "{name}: {links:?}");
    }

    let shot = target_dir().join("browser-artefacts/explorer.png");
    let _ = std::fs::remove_file(&shot);
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "no Chromium at {chromium}");
    let persons = cluster.join(",");
    let mut cmd = Command::new("node");
    cmd.arg(repo_path("tools/browser-test/explorer.mjs"))
        .args(["--url", &app().base_url, "--chromium", &chromium])
        .args([
            "--token",
            &token,
            "--iin",
            &cluster[1],
            "--as-of",
            "2026-06-15",
        ])
        .args(["--hops", "1", "--expect-persons", &persons])
        .args([
            "--household",
            "dwelling:AD-17",
            "--hide-kind",
            "OWNS_REAL_ESTATE",
        ])
        .args([
            "--expand",
            &cluster[0],
            "--expand-adds",
            "real_estate:RE-17",
        ])
        .args(["--path-from", &cluster[1], "--path-to", &cluster[5]])
        .args(["--signal", "shared_address_cluster"])
        .arg("--screenshot")
        .arg(&shot);
    // The page writes (a case, audit records): it runs in the shared turn, never beside a test
    // that needs the database to itself.
    let out = run(async move {
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
    })
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let output = format!(
        "({})\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{output}"));
    assert!(
        out.status.success(),
        "explorer browser test failed:\n{output}"
    );
    assert_eq!(report["blocked"], serde_json::json!([]), "{report}");
    assert!(shot.exists(), "no screenshot at {}", shot.display());
    eprintln!("explorer browser test: {report}");

    // The case the page opened holds its note and the pinned view (the graph the page drew).
    let case_id = report["result"]["caseId"].as_str().unwrap().to_string();
    let body = run(gql_as(
        r#"query($id: String!) { case(id: $id) { caseId status subjects notes { text by }
             pinnedViews { name by slice } } }"#,
        serde_json::json!({"id": case_id}),
        &token,
    ));
    let c = &body["data"]["case"];
    assert_eq!(c["status"], "OPEN", "{body}");
    assert_eq!(c["subjects"], serde_json::json!([cluster[1]]), "{body}");
    assert_eq!(c["notes"][0]["by"], subject, "{body}");
    let views = c["pinnedViews"].as_array().unwrap();
    assert_eq!(views.len(), 1, "{body}");
    assert_eq!(views[0]["name"], "cluster with path and hit");
    let slice: serde_json::Value =
        serde_json::from_str(views[0]["slice"].as_str().unwrap()).expect("the view is JSON");
    assert_eq!(slice["format"], "family-card-explorer/1");
    let ids: Vec<&str> = slice["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for p in &cluster {
        assert!(
            ids.contains(&format!("person:{p}").as_str()),
            "{p}: {ids:?}"
        );
    }
    assert!(ids.contains(&"dwelling:AD-17"));
    assert!(!slice["path"].as_array().unwrap().is_empty(), "{slice}");
    assert!(!slice["evidence"].as_array().unwrap().is_empty(), "{slice}");

    // The reads the page did under the case carry its id in the audit trail; those before do not.
    let path = family_card::audit::file_in(&app().state_dir.join("audit"));
    let (rows, _) = family_card::audit::search(
        &path,
        &family_card::audit::AuditQuery {
            subject: Some(subject.into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    let reads = |under: Option<&str>| {
        rows.iter()
            .filter(|r| r.draft.case_id.as_deref() == under)
            .flat_map(|r| r.draft.accesses.iter())
            .filter(|a| a.action == "neighbourhood" && a.outcome == "allowed")
            .count()
    };
    assert!(reads(Some(&case_id)) >= 1, "{rows:?}");
    assert!(
        reads(None) >= 2,
        "the search and the expansion before the case: {rows:?}"
    );
}
