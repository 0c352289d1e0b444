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
