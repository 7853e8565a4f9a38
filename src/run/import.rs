//! `obsctl import`: reads the account's resources under a prefix with the
//! live readers `plan` uses (so they are normalized as plan sees them),
//! turns them into a catalogue ([`crate::import`], pure), writes it, then
//! validates it — a metric a namespace does not publish is an audit finding,
//! and its namespace is declared external, with a comment, so the catalogue
//! still validates — and checks the round trip: the catalogue compiled and
//! compared with what was read, as `plan` compares.

use super::{retry_policy, stdout_error};
use crate::aws::Rates;
use crate::aws::sdk::ConnectOptions;
use crate::cli::{AwsArgs, ImportFormat, RateLimit};
use crate::compile::{DesiredState, compile_with_account, name_prefix, query_prefix};
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::import::{Finding, Input, RoundTrip};
use crate::live::LiveState;
use crate::ownership::{ConflictReason, mark_query};
use crate::resource::{Kind, Resource};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The options of `obsctl import`.
pub struct ImportArgs<'a> {
    pub env: &'a str,
    pub dir: &'a Path,
    pub prefix: Option<&'a str>,
    pub names: Option<&'a str>,
    /// `--tag KEY=VALUE`, all of them.
    pub tags: &'a [(String, String)],
    pub keep_emails: bool,
    pub format: ImportFormat,
    /// `--from-terraform FILE`.
    pub from_terraform: Option<&'a Path>,
    pub aws: &'a AwsArgs,
}

/// The project a prefix names (`<project>-<env>-`).
fn project_of(prefix: &str, env: &str) -> Option<String> {
    for sep in ["-", "_"] {
        if let Some(p) = prefix.strip_suffix(&format!("{sep}{env}{sep}"))
            && !p.is_empty()
            && name_prefix(crate::catalogue::model::DEFAULT_NAMING, p, env) == prefix
        {
            return Some(p.to_string());
        }
    }
    None
}

/// The state `import` reads with, and `iam-policy --for import` is
/// generated for: nothing desired, the names under `prefix` read as the
/// environment's. The region is the given one, else the environment's in
/// `catalogue`, else `AWS_REGION`, else any (`*`); the account is the
/// environment's in `catalogue`, else any.
pub fn probe_for(
    prefix: &str,
    env: &str,
    region: Option<String>,
    catalogue: Option<&crate::catalogue::Catalogue>,
) -> Result<DesiredState, Error> {
    let project = project_of(prefix, env).ok_or_else(|| {
        Error::Usage(format!(
            "--prefix `{prefix}` does not end with `-{env}-`: obsctl names resources `<project>-<env>-…`, so the prefix must be `<project>-{env}-`"
        ))
    })?;
    let declared = catalogue.and_then(|c| c.environments.get(env));
    let region = region
        .or_else(|| declared.map(|e| e.region.clone()))
        .or_else(|| std::env::var("AWS_REGION").ok())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "*".to_string());
    let account = declared
        .and_then(|e| e.account_id.clone())
        .unwrap_or_else(|| "*".to_string());
    Ok(DesiredState {
        catalogue: project.clone(),
        project: project.clone(),
        env: env.to_string(),
        region,
        prefix: prefix.to_string(),
        query_prefix: query_prefix(crate::catalogue::model::DEFAULT_NAMING, &project, env),
        account,
        import: true,
        ..DesiredState::default()
    })
}

fn name_of(r: &Resource) -> String {
    match r {
        Resource::MetricAlarm(a) => a.alarm_name.clone(),
        Resource::CompositeAlarm(a) => a.alarm_name.clone(),
        Resource::Dashboard(d) => d.dashboard_name.clone(),
        Resource::MetricFilter(f) => f.filter_name.clone(),
        Resource::QueryDefinition(q) => q.name.clone(),
        Resource::Topic(t) => t.name.clone(),
        Resource::Subscription(s) => s.topic_name.clone(),
        Resource::LogGroup(g) => g.log_group_name.clone(),
        Resource::AlarmMuteRule(m) => m.name.clone(),
        Resource::LogAlarm(a) => a.alarm_name.clone(),
    }
}

pub(super) async fn import_command(a: &ImportArgs<'_>, out: &mut dyn Write) -> Result<i32, Error> {
    if a.dir.join("obsctl.yaml").exists() {
        if a.from_terraform.is_some() {
            return Err(Error::Usage(format!(
                "{} already holds a catalogue: --from-terraform imports into a new directory only",
                a.dir.display()
            )));
        }
        // Another environment of an existing catalogue.
        return super::import_env::import_environment(a, out).await;
    }
    let default_prefix;
    let prefix = match a.prefix {
        Some(p) => p,
        None => {
            let project = a
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            default_prefix = format!("{project}-{}-", a.env);
            &default_prefix
        }
    };
    let project = project_of(prefix, a.env).ok_or_else(|| {
        Error::Usage(format!(
            "--prefix `{prefix}` does not end with `-{env}-`: obsctl names resources `<project>-<env>-…`, so the prefix must be `<project>-{env}-`",
            env = a.env
        ))
    })?;
    let names = match a.names {
        Some(r) => Some(regex::Regex::new(r).map_err(|e| Error::Usage(format!("--names: {e}")))?),
        None => None,
    };
    let kinds: BTreeSet<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| *k != Kind::LogGroup)
        .collect();
    let source = match a.from_terraform {
        Some(path) => from_terraform(a, path, prefix, &project)?,
        None => from_account(a, prefix, &project, &kinds).await?,
    };
    let Source {
        mut live,
        account,
        region,
        json_groups,
        skipped: source_skipped,
    } = source;
    if let Some(re) = &names {
        live.resources.retain(|_, r| re.is_match(&name_of(r)));
    }
    select_by_tags(&mut live, a.tags);
    live.resources.retain(|(k, _), _| *k != Kind::LogGroup);
    let resources: Vec<Resource> = live.resources.values().cloned().collect();
    let who = crate::aws::Identity {
        account,
        arn: String::new(),
    };
    let mut input = Input {
        project: project.clone(),
        env: a.env.to_string(),
        region: region.clone(),
        account: who.account.clone(),
        prefix: prefix.to_string(),
        resources: &resources,
        keep_emails: a.keep_emails,
        external: BTreeMap::new(),
        json_groups,
    };
    // Validate; namespaces whose metrics are not published as watched are
    // declared external (each finding kept) and the catalogue written again.
    let mut findings: Vec<Finding> = Vec::new();
    let (imported, validated) = loop {
        let imported = crate::import::build(&input);
        write_files(a.dir, &imported.files)?;
        match crate::run::load_and_compile_with(a.dir, Some(a.env), false) {
            Ok(done) => break (imported, Some(done)),
            Err(Error::Invalid(problems)) => {
                // Findings of unpublished metrics are kept as found (their
                // lines in the first catalogue written); their namespaces
                // are declared external and the catalogue written again.
                let (unpublished, other): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| {
                    unpublished_namespace(&p.message)
                        .is_some_and(|ns| !input.external.contains_key(&ns))
                });
                if unpublished.is_empty() {
                    findings.extend(other.into_iter().map(|p| problem_finding(a.dir, p)));
                    break (imported, None);
                }
                for p in unpublished {
                    if let Some(ns) = unpublished_namespace(&p.message) {
                        input
                            .external
                            .entry(ns)
                            .or_default()
                            .push(p.message.clone());
                    }
                    findings.push(problem_finding(a.dir, p));
                }
            }
            Err(e) => return Err(e),
        }
    };
    let mut report = imported.report.clone();
    report.skipped.extend(source_skipped);
    report.findings.splice(0..0, findings);
    report.validates = validated.is_some();
    for ((kind, name), reason) in &live.conflicts {
        let why = match reason {
            ConflictReason::OtherCatalogue { owner, .. } => {
                format!("owned by another catalogue (`obsctl:catalogue` = {owner})")
            }
            ConflictReason::OtherEnvironment { env, .. } => {
                format!("owned by environment {env} of this catalogue")
            }
            ConflictReason::DifferentQueries { ids } => format!(
                "{} saved queries share this name and differ: obsctl cannot tell which one to keep",
                ids.len()
            ),
            ConflictReason::Untagged { .. } => "untagged".to_string(),
        };
        report.skipped.push(crate::import::Skipped {
            kind: kind.plural().to_string(),
            name: name.clone(),
            reason: why,
        });
    }
    if let Some((cat, states)) = &validated {
        for s in states {
            for w in &s.warnings {
                report.findings.push(Finding {
                    file: relative(a.dir, &w.file),
                    pointer: String::new(),
                    line: w.line,
                    message: w.message.clone(),
                    help: w.help.clone(),
                });
            }
        }
        // What was skipped (and reported so) is not in the catalogue: the
        // round trip compares what was imported.
        let skipped: BTreeSet<(String, String)> = report
            .skipped
            .iter()
            .map(|s| (s.kind.clone(), s.name.clone()))
            .collect();
        let mut imported_live = live.clone();
        imported_live
            .resources
            .retain(|(k, name), _| !skipped.contains(&(k.plural().to_string(), name.clone())));
        report.round_trip = Some(round_trip(
            cat,
            a.env,
            &who.account,
            &imported_live,
            &kinds,
            &imported.secrets,
        ));
    }
    locate(a.dir, &mut report.findings);
    report
        .findings
        .sort_by(|x, y| (&x.file, x.line).cmp(&(&y.file, y.line)));
    match a.format {
        ImportFormat::Text => report
            .text(out, &a.dir.display().to_string())
            .map_err(stdout_error)?,
        ImportFormat::Json => {
            let mut v = serde_json::to_value(&report).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "compression".into(),
                    serde_json::json!(report.compression()),
                );
            }
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
            .map_err(stdout_error)?;
        }
    }
    Ok(if report.validates { EXIT_OK } else { 1 })
}

/// `--tag`: the resources of taggable kinds carrying every tag given, the
/// subscriptions of the topics kept, and the kinds without tags as read.
fn select_by_tags(live: &mut LiveState, tags: &[(String, String)]) {
    if tags.is_empty() {
        return;
    }
    live.resources.retain(|_, r| match r.compared_tags() {
        Some(have) => tags
            .iter()
            .all(|(k, v)| have.iter().any(|t| t.key == *k && t.value == *v)),
        None => true,
    });
    let topics: BTreeSet<String> = live
        .resources
        .values()
        .filter_map(|r| {
            if let Resource::Topic(t) = r {
                Some(t.name.clone())
            } else {
                None
            }
        })
        .collect();
    live.resources.retain(|_, r| {
        if let Resource::Subscription(s) = r {
            topics.contains(&s.topic_name)
        } else {
            true
        }
    });
}

/// Where the resources come from: the account, or a Terraform state.
pub(super) struct Source {
    pub(super) live: LiveState,
    pub(super) account: String,
    pub(super) region: String,
    pub(super) json_groups: BTreeSet<String>,
    pub(super) skipped: Vec<crate::import::Skipped>,
}

/// The account's resources under the prefix, read as `plan` reads them.
pub(super) async fn from_account(
    a: &ImportArgs<'_>,
    prefix: &str,
    project: &str,
    kinds: &BTreeSet<Kind>,
) -> Result<Source, Error> {
    let region = a
        .aws
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Error::Usage("give the region with --region (or AWS_REGION)".into()))?;
    let rates = match a.aws.rate_limit {
        RateLimit::Aws => Rates::default(),
        RateLimit::None => Rates::unlimited(),
        RateLimit::Factor(f) => Rates::scaled(f),
    };
    let options = ConnectOptions {
        profile: a.aws.profile.clone(),
        region: Some(region.clone()),
        endpoint_url: a.aws.endpoint_url.clone(),
        rates: Some(rates),
        retry: retry_policy(),
    };
    let aws = crate::aws::sdk::connect(&options).await;
    let who = aws.identity().identity().await.map_err(Error::Aws)?;
    let mut probe = probe_for(prefix, a.env, Some(region.clone()), None)?;
    probe.account = who.account.clone();
    debug_assert_eq!(probe.project, project);
    let names = a.names.and_then(|r| regex::Regex::new(r).ok());
    let (live, skipped, json_groups) = read_account(&aws, &probe, kinds, names.as_ref()).await?;
    Ok(Source {
        live,
        account: who.account,
        region,
        json_groups,
        skipped,
    })
}

/// What `import` reads from the account with `probe` ([`probe_for`]):
/// the live state under the prefix as `plan` reads it, with `names` also
/// the matching alarms outside the prefix; what was skipped as another
/// catalogue's or environment's; the log groups whose recent events are
/// JSON (sampled where space-delimited filters read them).
pub async fn read_account(
    aws: &crate::aws::Aws,
    probe: &DesiredState,
    kinds: &BTreeSet<Kind>,
    names: Option<&regex::Regex>,
) -> Result<(LiveState, Vec<crate::import::Skipped>, BTreeSet<String>), Error> {
    // Topics outside the prefix whose names match are read as if the
    // catalogue named them (the topic reader then reads their tags,
    // attributes and subscriptions as for any of its own).
    let mut probe = probe.clone();
    if let Some(re) = names
        && kinds.contains(&Kind::Topic)
    {
        let arns = crate::aws::all_pages(|next| aws.sns().list_topics(next))
            .await
            .map_err(Error::Aws)?;
        for arn in arns {
            let name = crate::live::topic_name(&arn);
            if !name.starts_with(probe.prefix.as_str()) && re.is_match(name) {
                probe.resources.insert(
                    (Kind::Topic, name.to_string()),
                    Resource::Topic(Box::new(crate::resource::Topic {
                        name: name.to_string(),
                        attributes: BTreeMap::new(),
                        tags: Vec::new(),
                    })),
                );
            }
        }
    }
    // Dashboards outside the prefix whose names match, likewise.
    if let Some(re) = names
        && kinds.contains(&Kind::Dashboard)
    {
        let all = crate::aws::all_pages(|next| aws.cloudwatch().list_dashboards("", next))
            .await
            .map_err(Error::Aws)?;
        for name in all {
            if !name.starts_with(probe.prefix.as_str()) && re.is_match(&name) {
                probe.resources.insert(
                    (Kind::Dashboard, name.clone()),
                    Resource::Dashboard(Box::new(crate::resource::Dashboard {
                        dashboard_name: name,
                        body: crate::resource::Body::default(),
                        tags: Vec::new(),
                    })),
                );
            }
        }
    }
    // Saved queries outside the prefix whose names match: they have no
    // tags, so they are adopted by rename (read as replaced ones).
    if let Some(re) = names
        && kinds.contains(&Kind::QueryDefinition)
    {
        let all = crate::aws::all_pages(|next| aws.logs().describe_query_definitions("", next))
            .await
            .map_err(Error::Aws)?;
        for (_, q) in all {
            if !q.name.starts_with(probe.query_prefix.as_str()) && re.is_match(&q.name) {
                probe.replaced_queries.insert(q.name);
            }
        }
    }
    let probe = &probe;
    let mut live = crate::live::read(aws, probe, kinds)
        .await
        .map_err(Error::Aws)?;
    let mut skipped = Vec::new();
    if let Some(re) = names {
        named_outside(aws, probe, re, kinds, &mut live, &mut skipped).await?;
    }
    let resources: Vec<Resource> = live.resources.values().cloned().collect();
    let json_groups = json_log_groups(aws, &resources).await;
    Ok((live, skipped, json_groups))
}

/// With `--names`, the alarms outside the prefix whose names match: made
/// by hand under names of their own (`HighCPU-api-prod`), they keep them
/// (the catalogue names them with an override's `name`). Alarms tagged for
/// another catalogue or environment are skipped as theirs.
async fn named_outside(
    aws: &crate::aws::Aws,
    probe: &DesiredState,
    re: &regex::Regex,
    kinds: &BTreeSet<Kind>,
    live: &mut LiveState,
    skipped: &mut Vec<crate::import::Skipped>,
) -> Result<(), Error> {
    use crate::aws::all_pages;
    use crate::ownership::{ENV_TAG, OWNER_TAG};
    let all = all_pages(|next| async move {
        let page = aws.cloudwatch().describe_alarms("", next).await?;
        Ok((page.alarms, page.next))
    })
    .await
    .map_err(Error::Aws)?;
    for (arn, alarm) in all {
        let name = alarm.name().to_string();
        if name.starts_with(probe.prefix.as_str()) || !re.is_match(&name) {
            continue;
        }
        let kind = alarm.kind();
        if !kinds.contains(&kind) {
            continue;
        }
        let tags = aws.cloudwatch().list_tags(&arn).await.map_err(Error::Aws)?;
        let value = |k: &str| tags.iter().find(|t| t.key == k).map(|t| t.value.clone());
        let theirs = match (value(OWNER_TAG), value(ENV_TAG)) {
            (Some(p), _) if p != probe.project => {
                Some(format!("owned by another catalogue (`{OWNER_TAG}` = {p})"))
            }
            (Some(_), Some(e)) if e != probe.env => {
                Some(format!("owned by environment {e} of this catalogue"))
            }
            _ => None,
        };
        if let Some(reason) = theirs {
            skipped.push(crate::import::Skipped {
                kind: kind.plural().to_string(),
                name,
                reason,
            });
            continue;
        }
        live.ids.insert((kind, name.clone()), arn);
        live.resources
            .insert((kind, name), alarm.into_resource(tags));
    }
    Ok(())
}

/// The resources of a Terraform state (`terraform show -json`) under the
/// prefix, as if read from the account; the rest is reported as skipped.
fn from_terraform(
    a: &ImportArgs<'_>,
    path: &Path,
    prefix: &str,
    project: &str,
) -> Result<Source, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{}: not JSON: {e}", path.display())))?;
    let state = crate::import::terraform::read(&doc)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let region = a
        .aws
        .region
        .clone()
        .or(state.region.clone())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: no ARN names the region: give it with --region",
                path.display()
            ))
        })?;
    let account = state
        .account
        .clone()
        .unwrap_or_else(|| crate::compile::ACCOUNT_PLACEHOLDER.to_string());
    let queries = query_prefix(crate::catalogue::model::DEFAULT_NAMING, project, a.env);
    let mut skipped: Vec<crate::import::Skipped> = state
        .skipped
        .iter()
        .map(|n| crate::import::Skipped {
            kind: "terraform".into(),
            name: n.address.clone(),
            reason: n.reason.clone(),
        })
        .collect();
    let mut live = LiveState::default();
    for (address, r) in state.resources {
        let under = match &r {
            Resource::QueryDefinition(q) => q.name.starts_with(&queries),
            Resource::MetricFilter(f) => f.filter_name.starts_with(prefix),
            Resource::Subscription(s) => s.topic_name.starts_with(prefix),
            Resource::MetricAlarm(_)
            | Resource::CompositeAlarm(_)
            | Resource::Dashboard(_)
            | Resource::Topic(_)
            | Resource::LogGroup(_)
            | Resource::AlarmMuteRule(_)
            | Resource::LogAlarm(_) => name_of(&r).starts_with(prefix),
        };
        if !under {
            skipped.push(crate::import::Skipped {
                kind: r.kind().plural().to_string(),
                name: name_of(&r),
                reason: format!("{address}: not under the prefix `{prefix}`"),
            });
            continue;
        }
        live.resources.insert((r.kind(), r.key()), r);
    }
    Ok(Source {
        live,
        account,
        region,
        json_groups: BTreeSet::new(),
        skipped,
    })
}

/// The log groups read by space-delimited filters whose recent events are
/// JSON: a few events of the first streams (DescribeLogStreams,
/// GetLogEvents), so the audit can say such a pattern never matches.
async fn json_log_groups(aws: &crate::aws::Aws, resources: &[Resource]) -> BTreeSet<String> {
    use crate::engine::filter_pattern::{Pattern, PatternKind};
    let groups: BTreeSet<&str> = resources
        .iter()
        .filter_map(|r| {
            if let Resource::MetricFilter(f) = r
                && Pattern::parse(&f.filter_pattern)
                    .is_ok_and(|p| p.kind() == PatternKind::Delimited)
            {
                Some(f.log_group_name.as_str())
            } else {
                None
            }
        })
        .collect();
    let mut json = BTreeSet::new();
    for g in groups {
        let Ok((streams, _)) = aws.logs().describe_log_streams(g, "", None).await else {
            continue;
        };
        let mut messages = Vec::new();
        for s in streams.iter().take(3) {
            if let Ok((events, _)) = aws.logs().get_log_events(g, &s.name, 10, None).await {
                messages.extend(events.into_iter().map(|e| e.message));
            }
        }
        let objects = messages
            .iter()
            .filter(|m| {
                serde_json::from_str::<serde_json::Value>(m.trim()).is_ok_and(|v| v.is_object())
            })
            .count();
        if !messages.is_empty() && objects * 2 > messages.len() {
            json.insert(g.to_string());
        }
    }
    json
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), Error> {
    for (path, text) in files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&full, text).map_err(|e| Error::io(&full, e))?;
    }
    Ok(())
}

/// The namespace a provenance error names, when it says a watched metric
/// is not published.
fn unpublished_namespace(message: &str) -> Option<String> {
    if message.contains("has no metric") {
        let at = message.find("`")?;
        return message[at + 1..].split('`').next().map(str::to_string);
    }
    if !message.contains("publish") {
        return None;
    }
    if let Some(rest) = message.strip_prefix("namespace `") {
        return rest.split('`').next().map(str::to_string);
    }
    let quoted = message.split('`').nth(1)?;
    let (ns, _) = quoted.split_once(' ')?;
    ns.contains('/').then(|| ns.to_string())
}

fn relative(dir: &Path, file: &Path) -> String {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (dir, file) = (canonical(dir), canonical(file));
    file.strip_prefix(&dir)
        .unwrap_or(&file)
        .display()
        .to_string()
}

fn problem_finding(dir: &Path, p: crate::diagnostic::Problem) -> Finding {
    Finding {
        file: relative(dir, &p.file),
        pointer: String::new(),
        line: p.line,
        message: p.message,
        help: p.help,
    }
}

/// Lines of findings given by pointer.
fn locate(dir: &Path, findings: &mut [Finding]) {
    let mut sources: BTreeMap<String, Option<crate::catalogue::source::SourceFile>> =
        BTreeMap::new();
    for f in findings.iter_mut().filter(|f| !f.pointer.is_empty()) {
        let source = sources.entry(f.file.clone()).or_insert_with(|| {
            let path: PathBuf = dir.join(&f.file);
            let text = std::fs::read_to_string(&path).ok()?;
            crate::catalogue::source::SourceFile::parse(path, &text).ok()
        });
        if let Some(s) = source {
            f.line = s.key_pos(&f.pointer).line;
        }
    }
}

/// The imported catalogue compiled and planned against what was read:
/// equal, different only in ownership (tags, the saved-query marker), or
/// different.
pub(super) fn round_trip(
    cat: &crate::catalogue::Catalogue,
    env: &str,
    account: &str,
    live: &LiveState,
    kinds: &BTreeSet<Kind>,
    secrets: &BTreeMap<String, String>,
) -> RoundTrip {
    let mut problems = Problems::default();
    let Some(desired) = compile_with_account(cat, Some(env), Some(account), &mut problems).pop()
    else {
        return RoundTrip::default();
    };
    let mut read = live.clone();
    read.conflicts.clear();
    read.adoptable.clear();
    for r in read.resources.values_mut() {
        // The marker is obsctl's mark of ownership, not content.
        if let Resource::QueryDefinition(q) = r
            && !crate::ownership::is_marked(&q.query_string, &desired.project, &desired.env)
        {
            q.query_string = mark_query(&q.query_string, &desired.project, &desired.env);
        }
    }
    let secret = |name: &str| {
        secrets
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    };
    let plan = match crate::plan::compute(&desired, &read, kinds, false, &secret) {
        Ok(p) => p,
        Err(m) => {
            return RoundTrip {
                differences: vec![format!("secret {} is not known", m.0)],
                ..RoundTrip::default()
            };
        }
    };
    let mut rt = RoundTrip {
        equal: plan.unchanged,
        ..RoundTrip::default()
    };
    for c in &plan.changes {
        let tags_only = c
            .fields
            .iter()
            .all(|f| f.path.starts_with("Tags") || f.path.starts_with("tags"));
        if c.action == crate::plan::Action::Update && tags_only {
            rt.ownership_only += 1;
            continue;
        }
        let fields: Vec<String> = c
            .fields
            .iter()
            .take(3)
            .map(|f| {
                format!(
                    "{}: {} → {}",
                    f.path,
                    f.before.as_ref().map_or("(none)".into(), |v| v.to_string()),
                    f.after.as_ref().map_or("(none)".into(), |v| v.to_string())
                )
            })
            .collect();
        rt.differences.push(format!(
            "{:?} {} {}{}",
            c.action,
            c.kind.plural(),
            c.key,
            if fields.is_empty() {
                String::new()
            } else {
                format!(": {}", fields.join("; "))
            }
        ));
    }
    rt
}
