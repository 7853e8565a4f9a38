//! Command-line interface types (clap derive). No behaviour here.

use crate::report::plan::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// What an IAM policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFor {
    /// `obsctl plan`: reads.
    Plan,
    /// `obsctl apply`: reads and writes.
    Apply,
    /// `obsctl verify`: reads of metric data and log events only.
    Verify,
    /// `obsctl verify --drill`: verify's reads, SetAlarmState on the
    /// environment's alarms, temporary SQS queues on its topics.
    Drill,
    /// `obsctl import`: plan's reads of every kind under the prefix, the
    /// tags of any alarm, a few events of any log group.
    Import,
}

/// `--rate-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum RateLimit {
    /// AWS's default quotas.
    #[default]
    Aws,
    /// No client-side limit.
    None,
    /// A factor of the default quotas.
    Factor(f64),
}

/// Smallest `--rate-limit` factor: ten times slower than AWS's quotas (a
/// smaller one would leave an apply waiting minutes per call, silently).
pub const MIN_RATE_FACTOR: f64 = 0.1;
/// Largest `--rate-limit` factor (quota increases are rarely above this).
pub const MAX_RATE_FACTOR: f64 = 1000.0;

/// Parses `--rate-limit`: `aws`, `none`, or a finite factor within
/// [`MIN_RATE_FACTOR`]..=[`MAX_RATE_FACTOR`].
pub fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    match s {
        "aws" => Ok(RateLimit::Aws),
        "none" => Ok(RateLimit::None),
        factor => match factor.parse::<f64>() {
            Ok(f) if (MIN_RATE_FACTOR..=MAX_RATE_FACTOR).contains(&f) => Ok(RateLimit::Factor(f)),
            _ => Err(format!(
                "use aws, none or a factor of AWS's quotas from {MIN_RATE_FACTOR} to {MAX_RATE_FACTOR}"
            )),
        },
    }
}

/// Output formats of the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// For people.
    Text,
    /// The report as JSON.
    Json,
}

/// Output formats of `iam-policy` and `schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFormat {
    /// The document itself (IAM policy, JSON Schema).
    Json,
    /// For people: a table of actions, resources and sources; the
    /// catalogue reference.
    Markdown,
}

/// Monitoring as code for AWS: compile a YAML catalogue into CloudWatch
/// dashboards, alarms, metric filters, saved queries and SNS topics.
#[derive(Debug, Parser)]
#[command(name = "obsctl", version, about)]
pub struct Cli {
    /// Catalogue directory (holds obsctl.yaml).
    #[arg(
        short = 'd',
        long = "definitions",
        global = true,
        default_value = "definitions"
    )]
    pub definitions: PathBuf,
    /// The directory every file the catalogue reads must be inside (after
    /// symlinks): default, the enclosing git work tree, else the catalogue
    /// directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the catalogue; report every problem with file:line:column.
    Validate,
    /// Write every resource as canonical JSON under snapshots/.
    Render {
        /// Only this environment (default: every environment).
        #[arg(long)]
        env: Option<String>,
        /// Output directory (default: snapshots/<catalogue>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail (exit 1) listing every stale, missing or extra file.
        #[arg(long)]
        check: bool,
        /// Do not write the dashboard previews (<env>/previews/*.svg); with
        /// --check, do not compare them.
        #[arg(long)]
        no_previews: bool,
    },
    /// Print the catalogue's JSON Schema, or the catalogue reference
    /// generated from it (Markdown).
    Schema {
        /// `json` (the JSON Schema) or `markdown` (the reference,
        /// docs/reference/catalogue.md).
        #[arg(long, value_enum, default_value = "json")]
        format: PolicyFormat,
        /// Write nothing; fail (exit 1) when FILE differs.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
    /// Write the on-call documentation (Markdown): alarm catalogue, SLOs and
    /// error budgets, dashboard index per environment; query library and
    /// the on-call page.
    Docs {
        /// Only this environment (default: every environment).
        #[arg(long)]
        env: Option<String>,
        /// Output directory (default: snapshots/<catalogue>/docs).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail (exit 1) listing every stale, missing or extra file.
        #[arg(long)]
        check: bool,
    },
    /// Print the least-privilege IAM policy (JSON) for `plan`, `apply` or
    /// `verify` of one environment: the actions obsctl calls, scoped to the
    /// environment's resource ARNs where AWS supports it.
    IamPolicy {
        /// Environment.
        #[arg(long)]
        env: String,
        /// `plan` (reads: a CI role), `apply` (reads and writes: a deploy
        /// role), `verify` (metric data and log events: a scheduled check)
        /// `drill` (`verify --drill`: verify's reads, SetAlarmState on
        /// the environment's alarms, temporary SQS queues subscribed to its
        /// topics) or `import` (`obsctl import`: plan's reads under the
        /// prefix, before the environment is in a catalogue).
        #[arg(long = "for", value_enum, default_value = "apply")]
        purpose: PolicyFor,
        /// With `--for plan`: also what `plan --backtest` reads
        /// (cloudwatch:GetMetricData).
        #[arg(long)]
        backtest: bool,
        /// With `--for import`: the prefix `import --prefix` is given
        /// (default: `<project>-<env>-`, the project the catalogue's, or
        /// the catalogue directory's name when it holds none yet).
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// With `--for import`: the region (default: the environment's in
        /// the catalogue, else `AWS_REGION`, else any).
        #[arg(long, value_name = "R")]
        region: Option<String>,
        /// `json` (the policy document) or `markdown` (one row per action
        /// with its resource and Service Authorization Reference page).
        #[arg(long, value_enum, default_value = "json")]
        format: PolicyFormat,
        /// Write nothing; fail (exit 1) when FILE differs from the policy.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
        /// Kinds.
        #[command(flatten)]
        scope: Scope,
    },
    /// Run the catalogue's tests offline: feed log lines and metric samples
    /// through the compiled filters and alarms, check states and routes.
    ///
    /// An alarm expectation without `at:` is checked at the test's end: the
    /// last time the test mentions (its latest log event, metric sample or
    /// `_` step, or another expectation's `at:`); a failure there names that
    /// time. Every expectation must name an alarm or filter some run of the
    /// test has, and every test must expand to at least one case with at
    /// least one expectation.
    Test {
        /// Only this environment (default: every environment).
        #[arg(long)]
        env: Option<String>,
        /// Also write the results as JUnit XML to FILE (with coverage and
        /// mutation results as suite properties, and each surviving mutant
        /// as a failed test case).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write the coverage, with every uncovered alarm and metric
        /// filter, as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        coverage_report: Option<PathBuf>,
        /// Fail (exit 1) when coverage is below PCT percent.
        #[arg(long, value_name = "PCT")]
        min_coverage: Option<f64>,
        /// Mutation testing: change each alarm in turn and report every
        /// change no test catches (exit 1 when one survives). Runs only
        /// when every test passes on the unmutated catalogue.
        #[arg(long)]
        mutate: bool,
        /// Write an SVG plot (series, datapoints, threshold, M of N, states,
        /// notifications, the failed expectation) of each alarm a failed
        /// expectation names, under DIR/<env>/<test>/<alarm>.svg; JUnit
        /// links them.
        #[arg(long, value_name = "DIR")]
        plots: Option<PathBuf>,
        /// With --plots: plot every alarm the tests expect something of,
        /// not only failed ones.
        #[arg(long, requires = "plots")]
        plots_all: bool,
        /// Only tests whose name contains this text.
        name_filter: Option<String>,
    },
    /// Compare the catalogue with live AWS and show what apply would change.
    Plan {
        /// Environment to plan.
        #[arg(long)]
        env: String,
        /// Also write the plan (JSON) to FILE, for `apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// With `--format github`: where the full plan is (the CI run and
        /// its artifact), linked when the comment is cut to GitHub's limit.
        #[arg(long, value_name = "URL")]
        full_plan_url: Option<String>,
        /// Exit 2 when there are changes (0 when none, 1 on error).
        #[arg(long)]
        detailed_exitcode: bool,
        /// For each alarm the plan changes, how often it would have gone
        /// to ALARM over the window under the live configuration and under
        /// the catalogue's (the window's data replayed through the alarm
        /// engine; GetMetricData is billed, the cost is printed).
        #[arg(long)]
        backtest: bool,
        /// With `--backtest`: the window, the last DURATION (at most 14d).
        #[arg(long, value_name = "DURATION", default_value = "14d", value_parser = parse_since, requires = "backtest")]
        since: u64,
        /// Scope.
        #[command(flatten)]
        scope: Scope,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Mute the notifications of an environment's alarms now, for a while
    /// (a deploy): a one-time alarm mute rule, tagged ad hoc, with its
    /// expiry. Plan and apply leave it alone while it runs and delete it
    /// once expired.
    Mute {
        /// Environment.
        #[arg(long)]
        env: String,
        /// How long (`20m`, `1h30m`; 1 minute to 15 days, rounded up to whole
        /// minutes). The window opens at the start of the current minute.
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
        /// Only these services' alarms (comma-separated; default: every
        /// alarm with actions).
        #[arg(long, value_delimiter = ',', value_name = "SERVICES")]
        services: Vec<String>,
        /// Why (the rule's description and its `obsctl:reason` tag).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// End the environment's running ad-hoc mutes (`obsctl mute`) now.
    Unmute {
        /// Environment.
        #[arg(long)]
        env: String,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Write a catalogue from an account's existing monitoring: the
    /// alarms, dashboards, metric filters, saved queries, mute rules, topics
    /// and subscriptions under a name prefix, with their structure found
    /// (templates over services, overrides, severities and routes). The
    /// report lists what was imported and skipped, the audit findings and
    /// the round trip.
    Import {
        /// The environment the account is (its name in the catalogue).
        #[arg(long)]
        env: String,
        /// Directory to write the catalogue to (must not hold one yet).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Name prefix of the resources to import, `<project>-<env>-`
        /// (default: the out directory's name as the project).
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// Only resources whose name matches this regular expression;
        /// alarms, topics and dashboards outside the prefix that match are
        /// read too, and keep their names; saved queries, adopted by
        /// rename.
        #[arg(long, value_name = "REGEX")]
        names: Option<String>,
        /// Only resources carrying this tag (`KEY=VALUE`; repeat for
        /// several, all must match). Kinds without tags (metric filters,
        /// saved queries) are not filtered; subscriptions follow their
        /// topic.
        #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
        /// Keep email endpoints in the files (default: `${env:NAME}`
        /// placeholders, like every https endpoint).
        #[arg(long)]
        keep_emails: bool,
        /// Output format of the report.
        #[arg(long, value_enum, default_value = "text")]
        format: ImportFormat,
        /// Read the resources from a Terraform state instead of the
        /// account: the output of `terraform show -json` (no AWS call; the
        /// region and account come from the state's ARNs, or `--region`).
        #[arg(long, value_name = "FILE")]
        from_terraform: Option<PathBuf>,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Make live AWS match the catalogue (or a saved plan FILE).
    Apply {
        /// Environment to apply.
        #[arg(long)]
        env: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// Scope.
        #[command(flatten)]
        scope: Scope,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
        /// How long to wait while another apply of the environment holds
        /// the apply lock (`30s`, `10m`, `1h`); 0 (the default): fail at
        /// once, naming the other apply.
        #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_lock_timeout)]
        lock_timeout: std::time::Duration,
        /// A plan saved with `plan --out`; refused if live state moved since.
        file: Option<PathBuf>,
    },
    /// Check the catalogue against the account's data, read-only: does
    /// every metric an alarm or widget reads exist with exactly its
    /// dimensions and have datapoints in the window; does every metric
    /// filter match, and does its log group receive events. Exit 2 when a
    /// problem is found (0 when none, 1 on error).
    Verify {
        /// Environment to verify.
        #[arg(long)]
        env: String,
        /// The window: the last DURATION (`3h`, `90m`, `2d`; at most `14d`).
        #[arg(long, value_name = "DURATION", default_value = "3h", value_parser = parse_since)]
        since: u64,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also write JUnit XML to FILE: one test case per metric and per
        /// metric filter.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Exit 2 for quiet metrics, filters and queries too (no datapoints
        /// or rows although nothing says they are wrong).
        #[arg(long)]
        strict: bool,
        /// Also run every saved query over the last 15 minutes (Logs
        /// Insights bills by data scanned; the estimate is printed first).
        #[arg(long)]
        queries: bool,
        /// With `--queries`: do not start a query estimated to scan more
        /// than BYTES, and stop one that has (`500M`, `2G`; K, M, G are
        /// powers of 1024).
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes, requires = "queries")]
        max_scan: Option<u64>,
        /// Also replay the window's data through the alarm engine `obsctl
        /// test` uses: per alarm, times to ALARM, time in ALARM, flaps and
        /// notifications per topic; for alarms that exist live, the
        /// engine's transitions against AWS's alarm history.
        #[arg(long)]
        backtest: bool,
        /// With `--backtest`: ALARM↔OK changes this close to the previous
        /// one count as flaps.
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_flap_window, requires = "backtest")]
        flap_window: u64,
        /// Also drill every notification route: subscribe a temporary SQS
        /// queue to its topics, set one of its alarms to ALARM and back to
        /// OK, and report which topics delivered, with latency. Sends real
        /// notifications to the on-call: only in environments with `drill:
        /// true`, and with `--yes` or a confirmation on a terminal.
        #[arg(long)]
        drill: bool,
        /// With `--drill`: do not ask for confirmation.
        #[arg(long, requires = "drill")]
        yes: bool,
        /// With `--drill`: the longest wait for one notification.
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_drill_timeout, requires = "drill")]
        drill_timeout: u64,
        /// AWS connection.
        #[command(flatten)]
        aws: AwsArgs,
    },
}

/// Parses `--tag KEY=VALUE`.
pub fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}`: write KEY=VALUE")),
    }
}

/// Parses `--drill-timeout`: 1 second to 15 minutes.
pub fn parse_drill_timeout(s: &str) -> Result<u64, String> {
    let secs = crate::notation::duration(s)?;
    match u64::try_from(secs) {
        Ok(secs) if (1..=900).contains(&secs) => Ok(secs),
        _ => Err(format!("`{s}`: the drill waits 1s to 15m per notification")),
    }
}

/// Parses `--flap-window`: a duration of at least one minute.
pub fn parse_flap_window(s: &str) -> Result<u64, String> {
    let secs = crate::notation::duration(s)?;
    match u64::try_from(secs) {
        Ok(secs) if secs >= 60 => Ok(secs),
        _ => Err(format!("`{s}`: the flap window is at least 1m")),
    }
}

/// Parses `--since`: a duration (`3h`, `90m`, `2d`; a bare number is
/// seconds) from one minute to 14 days, in whole minutes.
pub fn parse_since(s: &str) -> Result<u64, String> {
    let secs = crate::notation::duration(s)?;
    let secs = u64::try_from(secs).map_err(|_| format!("`{s}`: a time cannot be negative"))?;
    if !(60..=14 * 86_400).contains(&secs) || secs % 60 != 0 {
        return Err(format!(
            "`{s}`: use whole minutes from 1m to 14d (GetMetricData keeps 1-minute data 15 days)"
        ));
    }
    Ok(secs)
}

/// Parses `--max-scan`: bytes, with an optional `K`, `M` or `G` (powers
/// of 1024; a trailing `B` or `iB` is allowed).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, ' '),
    };
    let factor: u64 = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => return Err(format!("`{s}`: use bytes, or K, M, G")),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("`{s}` is not a size (e.g. 500M)"))
}

/// Parses `--lock-timeout`: a duration (`90s`, `10m`, `1h30m`; a bare
/// number is seconds), at most a day.
pub fn parse_lock_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs = crate::notation::duration(s)?;
    let secs = u64::try_from(secs).map_err(|_| format!("`{s}`: a time cannot be negative"))?;
    if secs > 86_400 {
        return Err(format!("`{s}` is longer than a day"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Which kinds to read, plan and apply (like Terraform's `-target`).
#[derive(Debug, Clone, Default, Args)]
pub struct Scope {
    /// Only these kinds, comma-separated: dashboards, metric-alarms,
    /// composite-alarms, metric-filters, query-definitions, topics,
    /// subscriptions, alarm-mute-rules (planned with the alarms they
    /// target), log-groups (included with filters and queries).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub only: Vec<String>,
    /// Every kind except these (same names).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub except: Vec<String>,
    /// Take over prefixed resources without obsctl's tags whose names the
    /// catalogue generates (hand-made alarms, dashboards, topics): they are
    /// tagged and updated to the catalogue's content. `plan --adopt` shows it.
    #[arg(long)]
    pub adopt: bool,
}

/// How to reach AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// AWS profile (default: the environment's `profile`, then the standard chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region (default: the environment's `region`).
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint URL, for emulators and private endpoints.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Client-side rate limits: `aws` (AWS's default quotas), `none`, or a
    /// factor of the defaults from 0.1 to 1000 (e.g. `2` for doubled quotas).
    #[arg(long, default_value = "aws", env = "OBSCTL_RATE_LIMIT", value_parser = parse_rate_limit)]
    pub rate_limit: RateLimit,
    /// Print AWS calls per API.
    #[arg(short, long)]
    pub verbose: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_windows() {
        assert_eq!(parse_bytes("500"), Ok(500));
        assert_eq!(parse_bytes("500M"), Ok(500 << 20));
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert_eq!(parse_bytes("1k"), Ok(1024));
        assert_eq!(parse_bytes("4KB"), Ok(4096));
        assert!(parse_bytes("1.5G").is_err());
        assert!(parse_bytes("99999999999G").is_err());
        assert_eq!(parse_since("3h"), Ok(10_800));
        assert_eq!(parse_since("14d"), Ok(14 * 86_400));
        assert!(parse_since("30s").is_err());
        assert!(parse_since("15d").is_err());
    }
}
