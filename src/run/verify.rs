//! `obsctl verify`: the catalogue against the account's data (read-only).

use super::{session_checked, stdout_error};
use crate::cli::{AwsArgs, Cli};
use crate::error::{EXIT_FINDINGS, EXIT_OK, Error};
use crate::report::plan::Format;
use crate::verify::check::{self, Level, Window};
use crate::verify::report::{self, Report};
use crate::verify::{queries, targets};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The options of `verify`.
pub(super) struct VerifyArgs<'a> {
    pub env: &'a str,
    pub since: u64,
    pub format: Format,
    pub junit: Option<&'a Path>,
    pub strict: bool,
    pub queries: bool,
    pub max_scan: Option<u64>,
    /// `--backtest`, with the flap window (seconds).
    pub backtest: Option<u64>,
    /// `--drill`.
    pub drill: Option<DrillArgs>,
}

/// The options of `verify --drill`.
pub(super) struct DrillArgs {
    /// `--yes`: no confirmation.
    pub yes: bool,
    /// `--drill-timeout`, seconds.
    pub timeout: u64,
}

/// The window saved queries run over.
const QUERY_WINDOW_SECONDS: i64 = 15 * 60;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

pub(super) async fn verify_command(
    cli: &Cli,
    args: &VerifyArgs<'_>,
    aws: &AwsArgs,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let check = |cat: &crate::catalogue::Catalogue| {
        if args.drill.is_some() {
            drill_allowed(cat, args.env)
        } else {
            Ok(())
        }
    };
    let s = session_checked(cli, args.env, aws, &check).await?;
    let locate = |o: &crate::diagnostic::Origin| s.cat.locate(o, true);
    // The drill is allowed and confirmed before anything is read.
    let drill_routes = match &args.drill {
        Some(d) => Some(confirm_drill(&s, args.env, d, &locate)?),
        None => None,
    };
    let targets = targets::targets(&s.desired, &locate);
    let services: BTreeSet<String> = s.cat.services.keys().cloned().collect();
    let window = Window::last(now_ms(), i64::try_from(args.since).unwrap_or(3 * 3600));
    let started = tokio::time::Instant::now();
    // The cost, before the queries run: on stdout under the text report's
    // heading, else on stderr (stdout is JSON or Markdown).
    let text = args.format == Format::Text;
    if text {
        writeln!(
            out,
            "{}",
            report::heading(&s.desired.catalogue, &s.desired.env, &window)
        )
        .map_err(stdout_error)?;
    }
    // Progress on stderr when it is a terminal (AWS quotas make large
    // catalogues take minutes: FilterLogEvents runs at 5 a second).
    let progress = std::io::stderr().is_terminal();
    let mut written = Ok(());
    let mut announce = |step: check::Step| {
        let line = match step {
            check::Step::Estimate(e) => report::estimate_line(e),
            check::Step::Series { metrics } if progress => {
                format!("… listing the series of {metrics} metric filter metrics")
            }
            check::Step::Nearby { metrics } if progress => {
                format!("… looking for what exists near {metrics} metrics without data")
            }
            check::Step::LogGroups { groups } if progress => {
                format!("… reading {groups} log groups")
            }
            check::Step::Series { .. }
            | check::Step::Nearby { .. }
            | check::Step::LogGroups { .. } => {
                return;
            }
        };
        let estimate = matches!(step, check::Step::Estimate(_));
        let result = if text && estimate {
            writeln!(out, "{line}").and_then(|()| out.flush())
        } else {
            writeln!(std::io::stderr(), "{line}")
        };
        // The first failure is the one reported.
        if written.is_ok() {
            written = result;
        }
    };
    let obs = check::observe(&s.aws, &targets, window, &services, &mut announce)
        .await
        .map_err(Error::Aws)?;
    written.map_err(stdout_error)?;
    let (queries, query_estimate) = if args.queries {
        let targets = queries::query_targets(&s.desired, &locate);
        let groups: BTreeSet<String> = targets
            .iter()
            .flat_map(|t| t.log_groups.iter().cloned())
            .collect();
        let qwindow = Window::last(now_ms(), QUERY_WINDOW_SECONDS);
        let ingested = queries::incoming_bytes(&s.aws, &groups, qwindow)
            .await
            .map_err(Error::Aws)?;
        let estimate = queries::estimate(&targets, &ingested);
        let line = queries::estimate_line(&estimate);
        if text {
            writeln!(out, "{line}").and_then(|()| out.flush())
        } else {
            writeln!(std::io::stderr(), "{line}")
        }
        .map_err(stdout_error)?;
        let options = queries::QueryOptions {
            window: qwindow,
            max_scan: args.max_scan,
            poll: std::time::Duration::from_millis(500),
            timeout: std::time::Duration::from_secs(120),
        };
        let found = queries::run(&s.aws, &targets, &ingested, options)
            .await
            .map_err(Error::Aws)?;
        (found, Some(estimate))
    } else {
        (Vec::new(), None)
    };
    let mut floor = obs.floor;
    let backtest = match args.backtest {
        Some(flap) => {
            let b = backtest(&s, window, flap, text, out, &mut floor).await?;
            Some(b)
        }
        None => None,
    };
    let drill = match (&args.drill, drill_routes) {
        (Some(d), Some(routes)) => Some(drill(&s, routes, d, &mut floor).await?),
        _ => None,
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(e) = &query_estimate {
        // One IncomingBytes batch; per query started one StartQuery and at
        // least one GetQueryResults; a StopQuery per query stopped.
        let count = |f: &dyn Fn(queries::Outcome) -> bool| {
            queries.iter().filter(|q| f(q.outcome)).count() as u64
        };
        let attempted = count(&|o| o != queries::Outcome::NotRun);
        let started = count(&|o| matches!(o, queries::Outcome::Ended | queries::Outcome::Stopped));
        let stopped = count(&|o| o == queries::Outcome::Stopped);
        let groups = u64::from(e.queries > 0);
        *floor.entry("cloudwatch:GetMetricData".into()).or_default() += groups;
        for (api, n) in [
            ("logs:StartQuery", attempted),
            ("logs:GetQueryResults", started),
            ("logs:StopQuery", stopped),
        ] {
            if n > 0 {
                floor.insert(api.into(), n);
            }
        }
    }
    let (metrics, filters) = check::judge(&targets, &obs.observed, window, &services);
    let calls: BTreeMap<String, u64> = s
        .aws
        .stats()
        .snapshot()
        .into_iter()
        .filter(|(api, _)| api != "sts:GetCallerIdentity")
        .map(|(api, c)| (api, c.calls))
        .collect();
    let rates = s.aws.stats().rates();
    let floor_seconds: f64 = crate::aws::Api::ALL
        .iter()
        .filter_map(|api| {
            let n = *floor.get(&api.action())? as f64;
            Some(rates.per_second(*api).map_or(0.0, |r| n / r))
        })
        .sum::<f64>()
        + 0.0;
    let r = Report {
        version: 1,
        catalogue: s.desired.catalogue.clone(),
        env: s.desired.env.clone(),
        window,
        metrics,
        filters,
        skipped: targets.skipped.clone(),
        queries,
        query_estimate,
        estimate: obs.estimate,
        calls,
        floor,
        floor_seconds,
        seconds,
        backtest,
        drill,
    };
    if let Some(path) = args.junit {
        std::fs::write(path, report::junit(&r, args.strict)).map_err(|e| Error::io(path, e))?;
    }
    match args.format {
        Format::Text => report::text(out, &r),
        Format::Json => report::json(out, &r),
        // A pull-request comment is Markdown.
        Format::Markdown | Format::Github => report::markdown(out, &r),
    }
    .map_err(stdout_error)?;
    if aws.verbose {
        report::calls(out, &r).map_err(stdout_error)?;
    }
    let failing = r.count(Level::Problem)
        + if args.strict {
            r.count(Level::Warning)
        } else {
            0
        };
    Ok(if failing > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

/// `--backtest`: the estimate printed, the data and the live alarms' history
/// read, every alarm replayed.
async fn backtest(
    s: &super::Session,
    window: Window,
    flap: u64,
    text: bool,
    out: &mut dyn Write,
    floor: &mut BTreeMap<String, u64>,
) -> Result<crate::verify::backtest_report::Backtest, Error> {
    use crate::verify::{backtest, backtest_report};
    let fetch = backtest::plan(&s.desired, window);
    let calls = fetch.floor();
    let line = backtest_report::estimate_line(fetch.queries(), calls);
    if text {
        writeln!(out, "{line}").and_then(|()| out.flush())
    } else {
        writeln!(std::io::stderr(), "{line}")
    }
    .map_err(stdout_error)?;
    let answers = backtest::fetch(&s.aws, &fetch).await.map_err(Error::Aws)?;
    // Which alarms exist live (DescribeAlarms by the environment's prefix),
    // and their history over the replay.
    let (live, pages) = backtest::live_alarms(&s.aws, &s.desired.prefix)
        .await
        .map_err(Error::Aws)?;
    let mut history = BTreeMap::new();
    let mut history_calls = 0u64;
    for name in live.iter().filter(|n| {
        s.desired.resources.keys().any(|(k, key)| {
            key == *n
                && matches!(
                    k,
                    crate::resource::Kind::MetricAlarm | crate::resource::Kind::CompositeAlarm
                )
        })
    }) {
        let h = crate::aws::data::alarm_history(&s.aws, name, fetch.epoch, window.end)
            .await
            .map_err(Error::Aws)?;
        history_calls += (h.len() as u64)
            .div_ceil(crate::aws::data::HISTORY_PAGE as u64)
            .max(1);
        history.insert(name.clone(), h);
    }
    *floor.entry("cloudwatch:GetMetricData".into()).or_default() += calls;
    *floor.entry("cloudwatch:DescribeAlarms".into()).or_default() += pages;
    if history_calls > 0 {
        *floor
            .entry("cloudwatch:DescribeAlarmHistory".into())
            .or_default() += history_calls;
    }
    let replay = backtest::Replay::new(&fetch, &answers);
    let alarms = replay.run(i64::try_from(flap).unwrap_or(600), &history);
    Ok(backtest_report::Backtest {
        flap_window: i64::try_from(flap).unwrap_or(600),
        queries: fetch.queries(),
        calls,
        dollars: backtest_report::dollars(fetch.queries()),
        alarms,
    })
}

/// Refuses the drill where the catalogue does not allow it.
fn drill_allowed(cat: &crate::catalogue::Catalogue, env: &str) -> Result<(), Error> {
    if cat.environments.get(env).is_some_and(|e| e.spec.drill) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--drill sends real notifications, and environment `{env}` does not allow it: add `drill: true` under `environments: {env}:` in obsctl.yaml (after agreeing it with whoever receives them)"
    )))
}

/// Refuses the drill where the catalogue does not allow it, and without
/// `--yes` unless confirmed on a terminal. Returns the routes to drill.
fn confirm_drill(
    s: &super::Session,
    env: &str,
    d: &DrillArgs,
    locate: &crate::verify::targets::Locate,
) -> Result<Vec<crate::verify::drill::Route>, Error> {
    use crate::verify::drill;
    drill_allowed(&s.cat, env)?;
    let routes = drill::routes(&s.desired, locate);
    if d.yes {
        return Ok(routes);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "--drill sends real notifications to every route's subscribers: pass --yes to run it without a terminal".into(),
        ));
    }
    let mut err = std::io::stderr();
    let topics: BTreeSet<String> = routes.iter().flat_map(|r| r.topics()).collect();
    let _ = writeln!(
        err,
        "The drill sets one alarm per route to ALARM and back to OK in `{env}`: {} route(s), {} topic(s); their subscribers receive a test notification:",
        routes.len(),
        topics.len()
    );
    for r in &routes {
        let _ = writeln!(err, "  {}", r.label());
    }
    let _ = write!(err, "Type `yes` to go on: ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::Usage(format!("no answer read: {e}")))?;
    if answer.trim() != "yes" {
        return Err(Error::Usage("drill not confirmed; nothing was sent".into()));
    }
    Ok(routes)
}

/// `--drill`: leftovers of killed drills removed, every route drilled,
/// everything temporary removed again (also on an error or Ctrl-C).
async fn drill(
    s: &super::Session,
    routes: Vec<crate::verify::drill::Route>,
    d: &DrillArgs,
    floor: &mut BTreeMap<String, u64>,
) -> Result<crate::verify::drill::Drill, Error> {
    use crate::verify::{drill, drill_run};
    use std::sync::Mutex;
    let now_s = now_ms().div_euclid(1000);
    let topics: Vec<String> = routes
        .iter()
        .flat_map(|r| r.topics())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (leftovers_removed, mut cleanup_failures) =
        drill_run::remove_leftovers(&s.aws, &s.desired.prefix, &topics, now_s)
            .await
            .map_err(Error::Aws)?;
    let run = drill_run::run_id(now_ms());
    let opts = drill_run::Options {
        run: run.clone(),
        env_prefix: s.desired.prefix.clone(),
        partition: crate::resource::partition(&s.desired.region).to_string(),
        region: s.desired.region.clone(),
        account: s.desired.account.clone(),
        timeout: std::time::Duration::from_secs(d.timeout),
        poll_seconds: 1,
        now_s,
    };
    let temps = Mutex::new(drill_run::Temporaries::default());
    let progress_on = std::io::stderr().is_terminal();
    let mut progress = move |line: String| {
        if progress_on {
            let _ = writeln!(std::io::stderr(), "… {line}");
        }
    };
    let outcome = tokio::select! {
        r = drill_run::run(&s.aws, &routes, &opts, &temps, &mut progress) => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    cleanup_failures.extend(drill_run::cleanup(&s.aws, &run, &temps).await);
    let (results, interrupted) = match outcome {
        Some(r) => (r.map_err(Error::Aws)?, false),
        None => (Vec::new(), true),
    };
    // The floor: per drilled route two SetAlarmState; per topic one queue
    // (CreateQueue, GetQueueAttributes, Subscribe, ListSubscriptionsByTopic,
    // Unsubscribe, DeleteQueue) and at least one ReceiveMessage per
    // notification awaited.
    let drilled = results.iter().filter(|r| r.drilled.is_ok()).count() as u64;
    let probed = results
        .iter()
        .flat_map(|r| r.topics.iter().map(|t| t.topic.clone()))
        .collect::<BTreeSet<_>>()
        .len() as u64;
    let awaited: u64 = results
        .iter()
        .map(|r| {
            r.topics
                .iter()
                .map(|t| u64::from(t.alarm.is_some()) + u64::from(t.ok.is_some()))
                .sum::<u64>()
        })
        .sum();
    for (api, n) in [
        ("cloudwatch:SetAlarmState", 2 * drilled),
        ("sqs:CreateQueue", probed),
        ("sqs:GetQueueAttributes", probed),
        ("sns:Subscribe", probed),
        ("sns:ListSubscriptionsByTopic", probed),
        ("sns:Unsubscribe", probed),
        ("sqs:DeleteQueue", probed),
        ("sqs:ReceiveMessage", awaited),
        ("sqs:ListQueues", 1),
    ] {
        if n > 0 {
            *floor.entry(api.into()).or_default() += n;
        }
    }
    Ok(drill::Drill {
        run,
        timeout_s: d.timeout,
        routes: results,
        leftovers_removed,
        cleanup_failures,
        interrupted,
    })
}
