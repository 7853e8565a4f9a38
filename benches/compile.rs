//! `cargo bench`: load, validate and compile generated catalogues of 50, 500
//! and 1000 services; `obsctl render` as a whole (in process, writing its
//! files); then `obsctl test` on them (every generated test, in every
//! environment); report wall time (best of several runs) and peak heap.
//! Targets on a 2-core machine at 1000 services: compile under 1 s, test
//! under 2 s, each under 200 MB; `render` within [`RENDER_HEAP_BUDGET`] of
//! heap (checked: the bench fails above it — render once held every
//! expanded test series and every file's text at once, 100 MB). Its wall
//! time and peak RSS as a process: `benches/render.sh`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak heap of `obsctl render` at 1000 generated services (measured
/// 28.8 MB by heaptrack since dashboard bodies are held as text and the
/// dashboards' `alarms` are made when read; 39.0 MB before, 97.5 MB before
/// render stopped holding test series and file texts).
const RENDER_HEAP_BUDGET: f64 = 34.0e6;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then run once, small.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if quick { &[50] } else { &[50, 500, 1000] };
    println!(
        "{:>8} {:>10} {:>12} {:>12} {:>12}",
        "services", "resources", "best time", "median", "peak heap"
    );
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let cat = dir.path().join("gen");
        obsctl::generate::write_catalogue(&cat, n).expect("write catalogue");
        let runs = if quick { 1 } else { 7 };
        let mut times: Vec<Duration> = Vec::new();
        let mut peak = 0;
        let mut resources = 0;
        for _ in 0..runs {
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let start = Instant::now();
            let (_, states) =
                obsctl::run::load_and_compile(&cat, None).expect("generated catalogue is valid");
            // The resources' JSON (the render measurement below includes
            // the dashboard previews).
            let files = obsctl::snapshot::files(&states, obsctl::snapshot::Previews::Skip);
            times.push(start.elapsed());
            resources = states.iter().map(|s| s.resources.len()).sum::<usize>();
            assert_eq!(files.len(), resources);
            peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
        }
        times.sort();
        println!(
            "{n:>8} {resources:>10} {:>10.1}ms {:>10.1}ms {:>10.1}MB",
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            peak as f64 / 1e6
        );
    }
    println!();
    println!(
        "obsctl render (the whole command, in process, writing its files; warm)\n{:>8} {:>10} {:>12} {:>12} {:>12}",
        "services", "files", "best time", "median", "peak heap"
    );
    let mut over_budget = false;
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let cat = dir.path().join("gen");
        obsctl::generate::write_catalogue(&cat, n).expect("write catalogue");
        let out = dir.path().join("snapshots");
        let cli = <obsctl::cli::Cli as clap::Parser>::parse_from([
            "obsctl",
            "-d",
            cat.to_str().expect("utf-8 path"),
            "render",
            "--out",
            out.to_str().expect("utf-8 path"),
        ]);
        let runs = if quick { 1 } else { 7 };
        let mut times: Vec<Duration> = Vec::new();
        let mut peak = 0;
        // The first run writes every file; the measured ones find them.
        obsctl::run::run(&cli, &mut std::io::sink()).expect("render");
        for _ in 0..runs {
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let start = Instant::now();
            obsctl::run::run(&cli, &mut std::io::sink()).expect("render");
            times.push(start.elapsed());
            peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
        }
        let files = walk(&out);
        times.sort();
        println!(
            "{n:>8} {files:>10} {:>10.1}ms {:>10.1}ms {:>10.1}MB",
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            peak as f64 / 1e6
        );
        if n == 1000 && peak as f64 > RENDER_HEAP_BUDGET {
            println!(
                "render of 1000 services peaked at {:.1} MB of heap, over its budget of {:.1} MB",
                peak as f64 / 1e6,
                RENDER_HEAP_BUDGET / 1e6
            );
            over_budget = true;
        }
    }
    println!();
    println!(
        "obsctl test (load, compile, expand, run; no --mutate)\n{:>8} {:>10} {:>12} {:>12} {:>12}",
        "services", "cases", "best time", "median", "peak heap"
    );
    for &n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let cat = dir.path().join("gen");
        obsctl::generate::write_catalogue(&cat, n).expect("write catalogue");
        let runs = if quick { 1 } else { 5 };
        let mut times: Vec<Duration> = Vec::new();
        let mut peak = 0;
        let mut cases = 0;
        for _ in 0..runs {
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let start = Instant::now();
            let (cat, states) =
                obsctl::run::load_and_compile_with(&cat, None, false).expect("valid");
            let mut problems = obsctl::diagnostic::Problems::default();
            let report = obsctl::testing::run(
                &cat,
                &states,
                None,
                false,
                obsctl::testing::Plots::No,
                &mut problems,
            );
            times.push(start.elapsed());
            assert!(problems.is_empty(), "{:?}", problems.0.first());
            assert_eq!(report.failed(), 0, "generated tests pass");
            assert!(
                (report.coverage.percent() - 100.0).abs() < 1e-9,
                "fully covered"
            );
            cases = report.cases.len();
            peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
        }
        times.sort();
        println!(
            "{n:>8} {cases:>10} {:>10.1}ms {:>10.1}ms {:>10.1}MB",
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            peak as f64 / 1e6
        );
    }
    println!();
    println!(
        "validate, Cat House shape (per-service dashboards with alarm status and thresholds)\n{:>8} {:>12}",
        "services", "time"
    );
    let shapes: &[usize] = if quick {
        &[50]
    } else {
        &[250, 500, 1000, 2000]
    };
    for &n in shapes {
        let tmp = cat_house_shaped(n);
        let cat = tmp.path().join("definitions/cat-house");
        let start = Instant::now();
        // Its environment-wide dashboards exceed CloudWatch's widget limit
        // past ~100 services: a located problem; validation runs in full.
        let _ = obsctl::run::load_and_compile(&cat, None);
        let took = start.elapsed();
        println!("{n:>8} {:>10.1}ms", took.as_secs_f64() * 1e3);
        // Was 0.6 / 2 / 10 / 51 s (quadratic: every alarm per graph row).
        if n == 2000 && took > Duration::from_secs(2) {
            println!("validate of a 2000-service Cat House shape took {took:?}, over 2 s");
            over_budget = true;
        }
    }
    if over_budget {
        std::process::exit(1);
    }
}

/// The Cat House catalogue (with its templates) with `n` services instead
/// of five, in a git work tree.
fn cat_house_shaped(n: usize) -> tempfile::TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(tmp.path().join(".git")).expect(".git");
    for dir in ["definitions/cat-house", "templates/cat-house"] {
        copy(&root.join(dir), &tmp.path().join(dir));
    }
    let mut services = String::from("services:\n");
    for i in 0..n {
        services.push_str(&format!(
            "  svc-{i:04}:\n    port: {}\n    owner: platform\n    business_events: [user_created]\n",
            8000 + i % 1000
        ));
    }
    std::fs::write(
        tmp.path().join("definitions/cat-house/services.yaml"),
        services,
    )
    .expect("services");
    tmp
}

/// Copies a directory tree.
fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("dir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// Files under `dir`.
fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { walk(&p) } else { 1 }
                })
                .sum()
        })
        .unwrap_or(0)
}
