//! Benchmarks of the investigators' link queries and signals against a loaded database
//! (`family-card bench links …`; results in `docs/benchmarks.md`, never asserted by tests):
//! neighbourhood and path latency as ratios to the raw link-record statements of the same
//! persons, and the recall and false positives of the generator's planted patterns
//! (`planted.tsv`, written by `family-card generate`).

use crate::domain::ids::Iin;
use crate::domain::links::{Explorer, LinkFilter, MAX_NODES, MAX_PATHS};
use crate::domain::signals::{self, SignalCatalog};
use crate::store::Store;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Percentile of sorted durations.
fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `samples` persons picked uniformly (seeded splitmix64) from every stored person.
async fn pick_persons(store: &Store, samples: usize, seed: u64) -> anyhow::Result<Vec<Iin>> {
    let all = crate::bench::stored_persons(store).await?;
    let mut rng = crate::bench::SplitMix64::new(seed);
    let mut next = move || rng.next_u64();
    Ok((0..samples)
        .filter_map(|_| Iin::parse(&all[(next() % all.len() as u64) as usize]).ok())
        .collect())
}

/// Latencies of one kind of query, and of the raw statements it issued.
pub struct Timing {
    pub samples: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
    /// The same link-record statements replayed for the same persons, hop by hop.
    pub raw_p50: Duration,
    pub raw_p95: Duration,
    pub mean_persons: f64,
}

/// Runs `ex` to its end, recording the persons asked for at each hop.
async fn explore_recorded(store: &Store, ex: &mut Explorer) -> anyhow::Result<Vec<Vec<Iin>>> {
    let mut hops = vec![];
    while let Some(want) = ex.wants() {
        let mut recs = vec![];
        for chunk in want.chunks(200) {
            recs.extend(store.link_records(chunk).await?);
        }
        hops.push(want);
        ex.absorb(recs);
    }
    Ok(hops)
}

/// Replays the link-record statements of `hops` (the raw database work of one exploration).
async fn replay(store: &Store, hops: &[Vec<Iin>]) -> anyhow::Result<()> {
    for want in hops {
        for chunk in want.chunks(200) {
            std::hint::black_box(store.link_records(chunk).await?);
        }
    }
    Ok(())
}

/// Times each exploration against the raw replay of its statements. Each sample is first
/// explored once untimed (to learn its statements, and so that both sides meet a warm cache),
/// then the query and the raw replay are timed in alternating order (raw first on even
/// samples), so the cache favours neither side.
/// One exploration to time: start, person hops, path target.
type Spec = (Iin, usize, Option<Iin>);

fn explorer(spec: &Spec) -> Explorer {
    Explorer::new(
        spec.0.clone(),
        LinkFilter::all(None),
        spec.1,
        MAX_NODES,
        spec.2.clone(),
    )
}

async fn time_explorations(store: &Store, specs: Vec<Spec>, paths: bool) -> anyhow::Result<Timing> {
    let (mut full, mut raw, mut persons) = (vec![], vec![], 0usize);
    let n = specs.len();
    for (k, spec) in specs.iter().enumerate() {
        let mut warm = explorer(spec);
        let hops = explore_recorded(store, &mut warm).await?;
        let time_query = || async {
            let mut ex = explorer(spec);
            let t = Instant::now();
            explore_recorded(store, &mut ex).await?;
            let s = ex.slice();
            if paths {
                std::hint::black_box(ex.paths(MAX_PATHS));
            }
            Ok::<_, anyhow::Error>((t.elapsed(), s.records.len()))
        };
        let time_raw = || async {
            let t = Instant::now();
            replay(store, &hops).await?;
            Ok::<_, anyhow::Error>(t.elapsed())
        };
        let (q, r) = if k % 2 == 0 {
            let r = time_raw().await?;
            (time_query().await?, r)
        } else {
            let q = time_query().await?;
            (q, time_raw().await?)
        };
        full.push(q.0);
        persons += q.1;
        raw.push(r);
    }
    full.sort();
    raw.sort();
    Ok(Timing {
        samples: n,
        p50: pct(&full, 0.5),
        p95: pct(&full, 0.95),
        max: full.last().copied().unwrap_or_default(),
        raw_p50: pct(&raw, 0.5),
        raw_p95: pct(&raw, 0.95),
        mean_persons: persons as f64 / n.max(1) as f64,
    })
}

/// `neighbourhood(hops: 2)` over every link kind for random persons.
pub async fn neighbourhood(store: &Store, samples: usize, seed: u64) -> anyhow::Result<Timing> {
    let picks = pick_persons(store, samples, seed).await?;
    let specs = picks.into_iter().map(|i| (i, 2, None)).collect();
    time_explorations(store, specs, false).await
}

/// `paths(maxHops: 6)` between random pairs of persons.
pub async fn paths(store: &Store, samples: usize, seed: u64) -> anyhow::Result<Timing> {
    let picks = pick_persons(store, samples * 2, seed).await?;
    let specs = picks
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| {
            (
                c[0].clone(),
                crate::domain::links::MAX_PATH_HOPS,
                Some(c[1].clone()),
            )
        })
        .collect();
    time_explorations(store, specs, true).await
}

/// `paths(maxHops: 6)` between the planted persons of `planted.tsv` and a person two links
/// away from them (pairs that are connected, so the search runs to the target).
pub async fn planted_paths(store: &Store, planted: &Path) -> anyhow::Result<Timing> {
    let mut specs = vec![];
    for (_, _, iin) in read_planted(planted)? {
        let mut ex = Explorer::new(iin.clone(), LinkFilter::all(None), 2, MAX_NODES, None);
        store.explore(&mut ex).await?;
        let s = ex.slice();
        if let Some(far) = s.records.keys().rev().find(|k| **k != iin) {
            specs.push((iin, crate::domain::links::MAX_PATH_HOPS, Some(far.clone())));
        }
    }
    time_explorations(store, specs, true).await
}

fn read_planted(planted: &Path) -> anyhow::Result<Vec<(String, bool, Iin)>> {
    let text = std::fs::read_to_string(planted)?;
    let mut out = vec![];
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        anyhow::ensure!(f.len() == 3, "{}: bad line {line:?}", planted.display());
        out.push((f[0].to_string(), f[1] == "hit", Iin::parse(f[2])?));
    }
    Ok(out)
}

/// Per pattern: planted hits found / planted, look-alikes that hit / look-alikes.
#[derive(Debug, Default)]
pub struct Recall {
    pub by_pattern: BTreeMap<String, [usize; 4]>,
    pub elapsed: Duration,
    pub slices: usize,
}

/// Evaluates the signals for every IIN of `planted.tsv` on `as_of` (the generator's date).
pub async fn recall(
    store: &Store,
    catalog: &SignalCatalog,
    planted: &Path,
    as_of: NaiveDate,
) -> anyhow::Result<Recall> {
    let rules = catalog
        .in_force(as_of)
        .ok_or_else(|| anyhow::anyhow!("no signal rules in force on {as_of}"))?;
    let text = std::fs::read_to_string(planted)?;
    let mut out = Recall::default();
    let t = Instant::now();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        anyhow::ensure!(f.len() == 3, "{}: bad line {line:?}", planted.display());
        let (pattern, hit, iin) = (f[0], f[1] == "hit", Iin::parse(f[2])?);
        let Some(slice) = store
            .signal_slice(&iin, rules.assets_on_relatives.max_links)
            .await?
        else {
            anyhow::bail!("planted person {} is not stored", iin.as_str());
        };
        out.slices += 1;
        let found = signals::evaluate(&slice, &iin, as_of, rules)
            .iter()
            .any(|h| h.signal.code() == pattern);
        let e = out.by_pattern.entry(pattern.to_string()).or_default();
        if hit {
            e[1] += 1;
            e[0] += found as usize;
        } else {
            e[3] += 1;
            e[2] += found as usize;
        }
    }
    out.elapsed = t.elapsed();
    Ok(out)
}

/// The same check on the hits a finished `signals run --as-of` stored: a planted pattern is
/// found when a stored hit of its signal names the planted person (subject or evidence).
pub async fn stored_recall(
    store: &Store,
    planted: &Path,
    as_of: NaiveDate,
) -> anyhow::Result<Recall> {
    let mut out = Recall::default();
    let t = Instant::now();
    for (pattern, hit, iin) in read_planted(planted)? {
        let found = store
            .signals_naming(&iin, &as_of.to_string())
            .await?
            .contains(&pattern);
        out.slices += 1;
        let e = out.by_pattern.entry(pattern).or_default();
        if hit {
            e[1] += 1;
            e[0] += found as usize;
        } else {
            e[3] += 1;
            e[2] += found as usize;
        }
    }
    out.elapsed = t.elapsed();
    Ok(out)
}

/// Prints a timing line.
pub fn print_timing(what: &str, t: &Timing) {
    println!(
        "{what}: {} samples, {:.1} persons loaded on average\n  \
         p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms; raw statements p50 {:.1} ms  p95 {:.1} ms; \
         ratio p50 {:.2}  p95 {:.2}",
        t.samples,
        t.mean_persons,
        ms(t.p50),
        ms(t.p95),
        ms(t.max),
        ms(t.raw_p50),
        ms(t.raw_p95),
        t.p50.as_secs_f64() / t.raw_p50.as_secs_f64().max(1e-9),
        t.p95.as_secs_f64() / t.raw_p95.as_secs_f64().max(1e-9),
    );
}

/// Prints the recall table.
pub fn print_recall(r: &Recall) {
    println!("pattern                      found/planted   look-alikes hit");
    for (p, [f, n, fp, m]) in &r.by_pattern {
        println!("{p:<28} {f:>5}/{n:<5}        {fp:>5}/{m:<5}");
    }
    println!(
        "{} signal slices evaluated in {:.1} s ({:.1} per second)",
        r.slices,
        r.elapsed.as_secs_f64(),
        r.slices as f64 / r.elapsed.as_secs_f64().max(1e-9)
    );
}
