//! The invariants of ARCHITECTURE.md that a grep can check (rust-analyzer's tidy tests do the
//! same): a change that crosses a boundary fails here with the file and line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Lines of `text` (outside `#[cfg(test)]` modules, roughly: up to the first one) containing `needle`.
fn hits(file: &str, text: &str, needle: &str) -> Vec<String> {
    let body = text.split("#[cfg(test)]").next().unwrap_or(text);
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//") && l.contains(needle))
        .map(|(i, l)| format!("{file}:{}: {}", i + 1, l.trim()))
        .collect()
}

fn forbid(pred: impl Fn(&str) -> bool, needles: &[&str], why: &str) {
    let mut found = vec![];
    for (f, t) in src() {
        if pred(&f) {
            for n in needles {
                found.extend(hits(&f, &t, n));
            }
        }
    }
    assert!(found.is_empty(), "{why}:\n{}", found.join("\n"));
}

#[test]
fn domain_is_pure() {
    forbid(
        |f| f.starts_with("src/domain/"),
        &[
            "neo4rs",
            "axum",
            "async_graphql",
            "tokio",
            "reqwest",
            "std::fs",
            "std::net",
        ],
        "src/domain must not do I/O or know the database, HTTP or GraphQL",
    );
}

#[test]
fn only_the_store_speaks_cypher() {
    forbid(
        |f| !f.starts_with("src/store/"),
        &["neo4rs::", "query(cypher::"],
        "only src/store talks to the database",
    );
}

#[test]
fn only_the_api_knows_graphql_and_http() {
    // app.rs starts the server, bench.rs drives it, main.rs is the CLI.
    let allowed = |f: &str| {
        f.starts_with("src/api/") || ["src/app.rs", "src/bench.rs", "src/main.rs"].contains(&f)
    };
    forbid(
        |f| !allowed(f),
        &["async_graphql", "axum::"],
        "only src/api knows GraphQL and HTTP",
    );
}

#[test]
fn the_policy_is_asked_only_through_the_gate() {
    forbid(
        |f| f != "src/api/access.rs" && f != "src/api/policy.rs",
        &["policy::decide", "decide_role(", "decide(&"],
        "resolvers and routes ask the policy through api::access::Gate",
    );
}

#[test]
fn no_development_principal_and_no_cdn() {
    forbid(
        |_| true,
        &[
            "x-principal-role",
            "from_dev_headers",
            "GraphiQLSource",
            "unpkg.com",
            "cdn.jsdelivr",
        ],
        "principals come only from validated tokens; pages load nothing from a CDN",
    );
}
