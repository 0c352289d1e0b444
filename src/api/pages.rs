//! The service's web pages: GraphiQL at `/` and `/graphiql`, the dashboard at `/dashboard`, the
//! investigators' explorer at `/explorer`, their files under `/assets/`.
//!
//! Every byte a page needs is embedded in the binary at build time from `web/` (the vendored npm
//! bundles in `web/vendor/`, pinned by `web/package-lock.json`, and the page's own script and
//! style), so the pages work offline: no request leaves the machine. Asset paths carry a digest of
//! the content (`/assets/<digest>/<name>`), so they are cached for a year and a new build can
//! never be served a stale file. The pages' Content-Security-Policy allows nothing but this
//! service: no inline script, no other origin.
//!
//! The pages themselves carry no data: the dashboard's figures come from the GraphQL API
//! (`dashboard { … }`), with the token the page keeps (the same as GraphiQL's), under the same
//! authentication, policy and region scope as every other query. The explorer draws the link
//! queries' slices (`neighbourhood`, `paths`, `signals`, `timeline`) with Cytoscape.js and keeps
//! its views in cases (`pinCaseView`): it holds nothing either, and its reads name the active
//! case (`caseId`) so the audit trail links them to it.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The policy of every page: scripts, styles, fonts, images and requests from this service only
/// (`data:` for the fonts and icons GraphiQL's stylesheet inlines); no framing, no plugins.
///
/// One inline style is allowed by its hash: the scroll lock GraphiQL's dialogs (Radix,
/// react-remove-scroll) inject while open. Its text depends on the scrollbar gap and the body's
/// margins, which the page's layout keeps at zero (the body never scrolls), so it is constant
/// for graphiql 3.8.3; the browser test (`tools/browser-test`, opens a dialog) fails on any CSP
/// violation, so a version bump that changes it is caught.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";
const HTML: &str = "text/html; charset=utf-8";
/// For paths whose content can never change (they carry its digest).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ct:expr, $dir:literal) => {
        Asset {
            name: $name,
            content_type: $ct,
            bytes: include_bytes!(concat!("../../web/", $dir, $name)),
        }
    };
}

/// The files the pages load. The vendored ones are byte-for-byte npm's (see `web/vendor.sh`).
const ASSETS: &[Asset] = &[
    asset!("react.production.min.js", JS, "vendor/"),
    asset!("react-dom.production.min.js", JS, "vendor/"),
    asset!("graphiql.min.js", JS, "vendor/"),
    asset!("graphiql.min.css", CSS, "vendor/"),
    asset!("echarts.common.min.js", JS, "vendor/"),
    asset!("cytoscape.min.js", JS, "vendor/"),
    asset!("graphiql.js", JS, ""),
    asset!("dashboard.js", JS, ""),
    asset!("dashboard.css", CSS, ""),
    asset!("explorer.js", JS, ""),
    asset!("explorer.css", CSS, ""),
    asset!("graphiql-page.css", CSS, ""),
    asset!("favicon.svg", SVG, ""),
];

/// The pages with `{{name}}` placeholders for their assets' paths.
const GRAPHIQL_TEMPLATE: &str = include_str!("../../web/graphiql.html");
const DASHBOARD_TEMPLATE: &str = include_str!("../../web/dashboard.html");
const EXPLORER_TEMPLATE: &str = include_str!("../../web/explorer.html");

struct Site {
    graphiql_html: String,
    dashboard_html: String,
    explorer_html: String,
    /// `"<digest>/<name>"` → asset.
    assets: HashMap<String, &'static Asset>,
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let mut graphiql = GRAPHIQL_TEMPLATE.to_string();
    let mut dashboard = DASHBOARD_TEMPLATE.to_string();
    let mut explorer = EXPLORER_TEMPLATE.to_string();
    let mut assets = HashMap::new();
    for a in ASSETS {
        let digest = hex::encode(&Sha256::digest(a.bytes)[..8]);
        let key = format!("{digest}/{}", a.name);
        for html in [&mut graphiql, &mut dashboard, &mut explorer] {
            *html = html.replace(&format!("{{{{{}}}}}", a.name), &format!("/assets/{key}"));
        }
        assets.insert(key, a);
    }
    debug_assert!(
        !graphiql.contains("{{") && !dashboard.contains("{{") && !explorer.contains("{{"),
        "an asset of a page in web/ is not embedded"
    );
    Site {
        graphiql_html: graphiql,
        dashboard_html: dashboard,
        explorer_html: explorer,
        assets,
    }
});

/// `/` and `/graphiql` (GraphiQL), `/dashboard`, `/explorer` and `/assets/<digest>/<name>`, for
/// any router state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(graphiql))
        .route("/graphiql", get(graphiql))
        .route("/dashboard", get(dashboard))
        .route("/explorer", get(explorer))
        .route("/assets/{digest}/{name}", get(asset))
}

/// The GraphiQL page (also served by `GET /graphql`).
pub async fn graphiql() -> Response {
    page(SITE.graphiql_html.clone())
}

/// The dashboard page: charts drawn from `dashboard { … }` aggregates.
pub async fn dashboard() -> Response {
    page(SITE.dashboard_html.clone())
}

/// The investigators' explorer: link slices drawn as a graph, paths, signals, timeline, cases.
pub async fn explorer() -> Response {
    page(SITE.explorer_html.clone())
}

fn page(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(HTML)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        html,
    )
        .into_response()
}

async fn asset(Path((digest, name)): Path<(String, String)>) -> Response {
    let nosniff = (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    match SITE.assets.get(&format!("{digest}/{name}")) {
        Some(a) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(a.content_type),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
                nosniff,
            ],
            a.bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                nosniff,
            ],
            "no such asset (asset paths change with every build: reload the page)",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_of_the_pages_is_embedded_and_nothing_else_is() {
        let pages = [
            &SITE.graphiql_html,
            &SITE.dashboard_html,
            &SITE.explorer_html,
        ];
        for html in pages {
            assert!(!html.contains("{{"), "unfilled placeholder in {html}");
            assert!(!html.contains("http://") && !html.contains("https://"));
            assert!(!html.contains("<script>"), "inline script");
            assert!(!html.contains(" style="), "inline style");
        }
        for key in SITE.assets.keys() {
            let used = pages
                .iter()
                .any(|html| html.contains(&format!("\"/assets/{key}\"")));
            assert!(used, "{key} unused");
        }
    }
}
