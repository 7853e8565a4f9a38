//! `obsctl plan`: reads live state and shows what apply would change;
//! [`make_plan`] is also what apply (and the tests) plan with.

use super::{color, kinds, secret, session, stdout_error};
use crate::aws::Aws;
use crate::cli::{AwsArgs, Cli, Scope};
use crate::compile::DesiredState;
use crate::error::{EXIT_CHANGES, EXIT_CONFLICTS, EXIT_OK, Error};
use crate::lock::Locks;
use crate::plan::{Note, Plan};
use crate::report::plan::Format;
use crate::resource::Kind;
use crate::{live, plan, report};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// Reads live state and computes the plan for `kinds`; `secret` resolves
/// `${env:NAME}` endpoints.
pub async fn make_plan(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    adopt: bool,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Error> {
    let started = tokio::time::Instant::now();
    let live = live::read(aws, desired, kinds).await.map_err(Error::Aws)?;
    let read_seconds = started.elapsed().as_secs_f64();
    let mut plan =
        plan::compute(desired, &live, kinds, adopt, secret).map_err(|m| Error::MissingSecret {
            var: m.0,
            needed_by: m.1,
        })?;
    if !plan.blockers.is_empty() {
        return Err(Error::Blocked {
            env: desired.env.clone(),
            blockers: plan.blockers,
        });
    }
    plan.calls = aws.stats().snapshot();
    plan.read_seconds = read_seconds;
    let rates = aws.stats().rates();
    plan.read_floor = Some(crate::floor::plan(&live.counts, rates));
    plan.apply_floor = Some(crate::floor::apply(&plan, rates));
    Ok(plan)
}

#[expect(clippy::too_many_arguments, reason = "one per command-line option")]
pub(super) async fn plan_command(
    cli: &Cli,
    env: &str,
    file: Option<&Path>,
    (format, full_plan_url): (Format, Option<&str>),
    detailed: bool,
    backtest: Option<u64>,
    scope: &Scope,
    args: &AwsArgs,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let kinds = kinds(scope)?;
    let s = session(cli, env, args).await?;
    let mut plan = make_plan(&s.aws, &s.desired, &kinds, scope.adopt, &secret).await?;
    // Plan takes no lock, but says when an apply is running: its changes
    // may be landing while this plan read. No lock group yet is no apply.
    match Locks::new(&s.aws, &s.desired.project, env).running().await {
        Ok(Some(busy)) => plan.notes.push(Note::ApplyRunning {
            env: env.to_string(),
            holder: busy.holder,
            stream: busy.stream,
            created: busy.created,
        }),
        Ok(None) => {}
        Err(e) => plan.notes.push(Note::LockUnread { code: e.code }),
    }
    let backtest = match backtest {
        Some(since) => Some(plan_backtest(&s, &plan, since).await?),
        None => None,
    };
    if let Some(path) = file {
        let text = serde_json::to_string_pretty(&plan).unwrap_or_default();
        std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))?;
    }
    match format {
        Format::Text => report::plan::text(out, &plan, color()).map_err(stdout_error)?,
        Format::Json => match &backtest {
            // The plan's JSON with the backtest as one more member.
            Some(b) => {
                let mut value = serde_json::to_value(&plan).unwrap_or_default();
                if let Some(o) = value.as_object_mut() {
                    o.insert(
                        "backtest".into(),
                        serde_json::to_value(b).unwrap_or_default(),
                    );
                }
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                )
                .map_err(stdout_error)?
            }
            None => report::plan::json(out, &plan).map_err(stdout_error)?,
        },
        Format::Markdown => report::plan::markdown(out, &plan).map_err(stdout_error)?,
        Format::Github => {
            let comment =
                report::plan::github(&plan, full_plan_url, report::plan::GITHUB_COMMENT_LIMIT);
            write!(out, "{comment}").map_err(stdout_error)?;
        }
    }
    if let Some(b) = &backtest {
        match format {
            Format::Text => crate::verify::backtest_report::plan_text(out, b),
            // After the comment: Markdown too.
            Format::Markdown | Format::Github => {
                crate::verify::backtest_report::plan_markdown(out, b)
            }
            Format::Json => Ok(()),
        }
        .map_err(stdout_error)?;
    }
    if args.verbose {
        report::plan::calls(
            out,
            &plan.calls,
            plan.read_floor.as_ref(),
            plan.read_seconds,
        )
        .map_err(stdout_error)?;
        if let Some(f) = plan.apply_floor.as_ref().filter(|_| !plan.is_empty()) {
            report::plan::apply_floor(out, f).map_err(stdout_error)?;
        }
    }
    Ok(if !detailed {
        EXIT_OK
    } else if !plan.conflicts.is_empty() {
        // Issue 19, finding 1: conflicts hide catalogue resources that are
        // never applied; CI must not stay green on them.
        EXIT_CONFLICTS
    } else if !plan.is_empty() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

/// `plan --backtest`: the alarms the plan changes, replayed over the last
/// `since` seconds under their live and their catalogue configuration.
async fn plan_backtest(
    s: &super::Session,
    plan: &Plan,
    since: u64,
) -> Result<crate::verify::backtest_report::PlanBacktest, Error> {
    use crate::verify::{backtest, backtest_report, check::Window};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    let window = Window::last(now, i64::try_from(since).unwrap_or(14 * 86_400));
    let changed: Vec<(String, &'static str)> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, Kind::MetricAlarm | Kind::CompositeAlarm))
        .filter_map(|c| {
            let action = match c.action {
                plan::Action::Create => "create",
                plan::Action::Delete => "delete",
                plan::Action::Update | plan::Action::Adopt if c.rewrite => "update",
                plan::Action::Update | plan::Action::Adopt => return None,
            };
            Some((c.key.clone(), action))
        })
        .collect();
    let (live, _) = backtest::live_alarm_configs(&s.aws, &s.desired.prefix)
        .await
        .map_err(Error::Aws)?;
    let (state, pairs) = backtest::plan_state(&s.desired, &changed, &live);
    let fetch = backtest::plan(&state, window);
    let line = backtest_report::estimate_line(fetch.queries(), fetch.floor());
    // On stderr: stdout carries the plan (JSON must stay one document).
    writeln!(std::io::stderr(), "{line}").map_err(stdout_error)?;
    let answers = backtest::fetch(&s.aws, &fetch).await.map_err(Error::Aws)?;
    let replayed = backtest::Replay::new(&fetch, &answers).run(600, &Default::default());
    Ok(backtest_report::plan_backtest(
        window, &fetch, &pairs, &replayed,
    ))
}
