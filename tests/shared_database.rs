//! Commands share the running service's database: while `serve` runs on a data directory, `assess`
//! on the same directory uses its database (no second one) and answers as GraphQL does; a second
//! `serve` there says so in one line and leaves the first one's files alone; a busy port fails at
//! once naming the flag.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_family-card"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "info,neo4rs=warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("FAMILY_CARD_DB_URI");
    c
}

fn snapshot(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        if m.is_file() {
            out.push((
                e.file_name().to_string_lossy().to_string(),
                m.len(),
                m.modified().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn assess_uses_the_running_serves_database_and_a_second_serve_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let mut serve = bin()
        .args(["--data-dir", data_arg, "--db-heap", "512m", "serve"])
        .args(["--bind", "127.0.0.1:0", "--load", "fixtures/sample"])
        .args(["--proactive-every", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read serve's output on a thread that keeps draining it (a closed pipe would stop serve).
    let stdout = serve.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut port = None;
    let mut token = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(300)) {
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            port.get_or_insert_with(|| rest.split('/').next().unwrap().to_string());
        }
        if let Some(t) = line.split("#token=").nth(1) {
            token = Some(t.trim().to_string());
            break;
        }
    }
    let (port, token) = (
        port.expect("serve printed its URL"),
        token.expect("a token"),
    );
    let record = data.join(family_card::localdb::RUNNING_RECORD);
    assert!(record.exists(), "serve records how to reach its database");
    let recorded = std::fs::read_to_string(&record).unwrap();

    // assess on the same directory: no second database, the same answer as GraphQL.
    let started = Instant::now();
    let out = bin()
        .args(["--data-dir", data_arg, "assess", "--as-of", "2026-06-15"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "assess failed:\n{stderr}");
    assert!(
        stderr.contains("using the database of the running `serve`"),
        "assess did not use serve's database (record {recorded}, now there: {}):\n{stderr}",
        record.exists()
    );
    assert!(
        !stderr.contains("local ArcadeDB ready"),
        "assess started a database of its own:\n{stderr}"
    );
    eprintln!("assess over the shared database: {:?}", started.elapsed());
    let tsv = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let body: serde_json::Value = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            reqwest::Client::new()
                .post(format!("http://127.0.0.1:{port}/graphql"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"query": r#"{ family(iin: "880315401029", asOf: "2026-06-15") { familyId wellbeing { level total } } }"#}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    };
    let fam = &body["data"]["family"];
    let id = fam["familyId"].as_str().unwrap_or_else(|| panic!("{body}"));
    let row: Vec<&str> = tsv
        .lines()
        .find(|l| l.split('\t').nth(col("family_id")) == Some(id))
        .unwrap_or_else(|| panic!("{id} not in assess's report:\n{tsv}"))
        .split('\t')
        .collect();
    assert_eq!(
        row[col("level")],
        fam["wellbeing"]["level"].as_str().unwrap()
    );
    assert_eq!(
        row[col("total")],
        fam["wellbeing"]["total"].to_string(),
        "{row:?} vs {fam}"
    );

    // A second serve on the directory: one plain line, nothing of the first one's touched.
    let before = snapshot(&data);
    let started = Instant::now();
    let second = bin()
        .args(["--data-dir", data_arg, "serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("already running"), "{err}");
    assert_eq!(
        snapshot(&data),
        before,
        "the second serve touched the first one's files"
    );

    // A busy port (serve's own) fails within a second, naming the flag.
    let other = dir.path().join("other");
    let started = Instant::now();
    let busy = bin()
        .args(["--data-dir", other.to_str().unwrap(), "serve"])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&busy.stderr);
    assert!(!busy.status.success() && err.contains("--bind"), "{err}");

    // The first serve stops (Ctrl-C): its record goes with it.
    unsafe {
        libc::kill(serve.id() as i32, libc::SIGINT);
    }
    let _ = serve.wait();
    assert!(!record.exists(), "the record outlived its serve");
}
