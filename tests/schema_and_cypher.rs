//! Contract checks that need no database: the committed GraphQL SDL matches the code, and every
//! Cypher file passes Neo4j's own parser (so what runs on ArcadeDB here also parses on Neo4j 5).

use std::path::Path;
use std::process::Command;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn committed_sdl_matches_the_schema() {
    let sdl = family_card::api::sdl();
    let path = repo("schema/schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &sdl).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("schema/schema.graphql exists");
    assert!(
        committed == sdl,
        "schema/schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test --test schema_and_cypher` \
         (or `cargo run -- schema > schema/schema.graphql`) and review the diff"
    );
}

#[test]
fn every_cypher_file_parses_with_neo4js_grammar() {
    let lint = repo("tools/cypher-lint");
    assert!(
        lint.join("node_modules/@neo4j-cypher/language-support").is_dir(),
        "the Neo4j Cypher parser is not installed: run `npm ci --prefix tools/cypher-lint` (scripts/test.sh does)"
    );
    let out = Command::new("node")
        .arg(lint.join("lint.mjs"))
        .arg(repo("cypher"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Cypher that Neo4j 5 would reject:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 errors"), "{stdout}");
}

#[test]
fn every_cypher_file_is_embedded_and_uses_parameters_only() {
    let files: Vec<String> = std::fs::read_dir(repo("cypher"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| f.ends_with(".cypher"))
        .collect();
    let embedded: Vec<&str> = family_card::store::cypher::ALL
        .iter()
        .map(|(f, _)| *f)
        .collect();
    for f in &files {
        assert!(
            embedded.contains(&f.as_str()),
            "{f} is not embedded in src/store/cypher.rs"
        );
    }
    for (f, text) in family_card::store::cypher::ALL {
        // String literals in statements would be values spliced in; values travel as $parameters.
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            assert!(!line.contains('"'), "{f}: string literal in Cypher: {line}");
        }
    }
}
