//! `cargo bench --bench scale`: plan and apply generated catalogues of 100,
//! 1000 and 5000 services against the in-memory fake AWS, with AWS's
//! default rate quotas enforced by obsctl's own limiter and 40 ms per call,
//! on tokio's paused clock: modelled time passes without waiting (a first
//! apply of 5000 services is over two hours of it), so the whole run takes
//! about a minute of real time.
//!
//! For each size: the first apply (its read and its writes), a no-op plan,
//! and a plan after one threshold changed in every service. Each row gives
//! the calls made and the floor (`obsctl::floor`: the fewest calls per API
//! and the least time at the quotas), the modelled time, and the real wall
//! time. Targets: calls ≤ floor + 2% for every API, modelled time ≤ 1.15 ×
//! the floor's, and a no-op plan of 1000 services ≤ 120 s.
//!
//! `cargo bench --bench scale -- --apis` also prints calls per API.
//! `cargo test --benches` runs it once at 20 services (no targets checked).

use obsctl::aws::Rates;
use obsctl::aws::fake::FakeAws;
use obsctl::floor::{self, Floor};
use obsctl::resource::{Kind, Resource};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Modelled round trip of one AWS call.
const LATENCY: Duration = Duration::from_millis(40);

struct Row {
    what: String,
    calls: BTreeMap<String, u64>,
    floor: Floor,
    modelled: f64,
    wall: f64,
}

impl Row {
    fn worst_api(&self) -> (String, f64) {
        let mut worst = (String::from("-"), 0.0);
        for (api, n) in &self.calls {
            let least = self.floor.calls.get(api).copied().unwrap_or(0);
            let over = if least == 0 {
                if *n == 0 { 0.0 } else { f64::INFINITY }
            } else {
                *n as f64 / least as f64 - 1.0
            };
            if over > worst.1 {
                worst = (api.clone(), over);
            }
        }
        worst
    }

    fn print(&self, apis: bool) -> bool {
        let total: u64 = self.calls.values().sum();
        let least: u64 = self.floor.calls.values().sum();
        let (api, over) = self.worst_api();
        let ratio = if self.floor.seconds > 0.0 {
            self.modelled / self.floor.seconds
        } else {
            1.0
        };
        let ok = over <= 0.02 && ratio <= 1.15;
        println!(
            "  {:<28} {:>7} {:>7} {:>+7.1}% {:<38} {:>9.1} {:>9.1} {:>6.3} {:>7.2} {}",
            self.what,
            total,
            least,
            over * 100.0,
            if over > 0.0 { api.as_str() } else { "" },
            self.modelled,
            self.floor.seconds,
            ratio,
            self.wall,
            if ok { "ok" } else { "MISSED" }
        );
        if apis {
            let mut all: BTreeSet<&String> = self.calls.keys().collect();
            all.extend(self.floor.calls.keys());
            for a in all {
                println!(
                    "      {a:<40} {:>7} calls, floor {:>7}",
                    self.calls.get(a).copied().unwrap_or(0),
                    self.floor.calls.get(a).copied().unwrap_or(0)
                );
            }
        }
        ok
    }
}

fn calls_of(aws: &obsctl::aws::Aws) -> BTreeMap<String, u64> {
    aws.stats()
        .snapshot()
        .into_iter()
        .map(|(k, v)| (k, v.calls))
        .collect()
}

fn none(_: &str) -> Option<String> {
    None
}

/// Plans `desired` against `fake` with fresh counters; the read's row.
async fn plan(
    fake: &FakeAws,
    desired: &obsctl::compile::DesiredState,
    what: &str,
) -> (obsctl::plan::Plan, Row) {
    let aws = fake.aws_with(Rates::default());
    let kinds: BTreeSet<Kind> = Kind::ALL.iter().copied().collect();
    let wall = Instant::now();
    let started = tokio::time::Instant::now();
    aws.identity().identity().await.expect("identity");
    let plan = obsctl::run::make_plan(&aws, desired, &kinds, false, &none)
        .await
        .expect("plan");
    let row = Row {
        what: what.to_string(),
        calls: calls_of(&aws),
        floor: plan.read_floor.clone().unwrap_or_default(),
        modelled: started.elapsed().as_secs_f64(),
        wall: wall.elapsed().as_secs_f64(),
    };
    (plan, row)
}

/// Applies `plan` with fresh counters; the writes' row.
async fn apply(fake: &FakeAws, plan: &obsctl::plan::Plan, what: &str) -> Row {
    let aws = fake.aws_with(Rates::default());
    let wall = Instant::now();
    let started = tokio::time::Instant::now();
    let report =
        obsctl::apply::apply(&aws, plan, &none, &obsctl::apply::Unfenced, &mut |_, _| {}).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    Row {
        what: what.to_string(),
        calls: calls_of(&aws),
        floor: floor::apply(plan, &Rates::default()),
        modelled: started.elapsed().as_secs_f64(),
        wall: wall.elapsed().as_secs_f64(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = !args.iter().any(|a| a == "--bench");
    let apis = args.iter().any(|a| a == "--apis");
    let sizes: &[usize] = if quick { &[20] } else { &[100, 1000, 5000] };
    println!(
        "  {:<28} {:>7} {:>7} {:>8} {:<38} {:>9} {:>9} {:>6} {:>7}",
        "services / step",
        "calls",
        "floor",
        "over",
        "(worst API)",
        "modelled",
        "floor s",
        "ratio",
        "wall s"
    );
    let mut all_ok = true;
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let cat = dir.path().join("gen");
        obsctl::generate::write_catalogue(&cat, n).expect("write catalogue");
        // Compiled for the fake's account, so ARNs in actions match.
        let (catalogue, mut problems) = obsctl::catalogue::load(&cat).expect("load");
        obsctl::catalogue::validate::validate(&catalogue, &mut problems);
        let mut states = obsctl::compile::compile_with_account(
            &catalogue,
            Some("staging"),
            Some("123456789012"),
            &mut problems,
        );
        assert!(problems.is_empty(), "{:?}", problems.0.first());
        let desired = states.remove(0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let rows = rt.block_on(async {
            let fake = FakeAws::default().with_latency(LATENCY);
            let mut rows = Vec::new();
            let (first, row) = plan(&fake, &desired, &format!("{n}: first apply, read")).await;
            rows.push(row);
            rows.push(apply(&fake, &first, &format!("{n}: first apply, writes")).await);
            let (noop, row) = plan(&fake, &desired, &format!("{n}: no-op plan")).await;
            assert!(noop.is_empty(), "a plan after apply is empty");
            rows.push(row);
            let mut changed = desired.clone();
            let mut edited = 0;
            for ((kind, key), r) in changed.resources.iter_mut() {
                if let (Kind::MetricAlarm, Resource::MetricAlarm(a)) = (kind, r)
                    && key.ends_with("-high-cpu")
                    && let Some(t) = a.threshold.as_mut()
                {
                    *t += 1.0;
                    edited += 1;
                }
            }
            assert_eq!(edited, n, "one threshold per service");
            let (p, row) = plan(&fake, &changed, &format!("{n}: plan, 1 threshold/svc")).await;
            assert_eq!(p.changes.len(), n);
            rows.push(row);
            rows
        });
        for row in &rows {
            all_ok &= row.print(apis) || quick;
        }
        if n == 1000
            && let Some(noop) = rows.iter().find(|r| r.what.contains("no-op"))
        {
            all_ok &= noop.modelled <= 120.0;
        }
    }
    if !quick {
        println!(
            "\ntargets (calls ≤ floor + 2% per API, modelled ≤ 1.15 × floor, 1000-service no-op plan ≤ 120 s): {}",
            if all_ok { "met" } else { "MISSED" }
        );
    }
}
