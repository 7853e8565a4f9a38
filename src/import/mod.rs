//! `obsctl import`, pure: live resources (as the live readers return them,
//! normalized as `plan` sees them) → a catalogue that compiles back to
//! them. This is the pipeline reversed; `run/import.rs` reads the account,
//! writes the files, validates them and checks the round trip.
//!
//! The structure is found, not listed ([`structure`]): alarms, metric
//! filters, saved queries and dashboards that differ only in a
//! service-identifying value become one template over services, their
//! per-service settings overrides ([`alarms`]); topics become severities
//! and routes inferred from the alarms' actions; metric filters become the
//! `metric_filters:` section over the services' log groups. What cannot be
//! generalised stays explicit, with a comment saying why; what the catalogue
//! cannot express at all is skipped, with the reason, in the [`report`].
//! Secrets never reach the files: https endpoints (and emails unless kept)
//! become `${env:NAME}` placeholders whose values stay in memory.
//!
//! Kinds are handled one function each in [`build`]; a new kind (log
//! alarms) adds its reader into catalogue terms and one call there.

pub mod alarms;
pub mod emit;
pub mod report;
pub mod structure;
pub mod terraform;

use crate::resource::{Dashboard, MetricFilter, QueryDefinition, Resource, Subscription, Topic};
use alarms::{Notify, Read, Settings};
use emit::Comments;
pub use report::{Finding, Renamed, Report, RoundTrip, Skipped};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use structure::{Split, split_all, template_text};

/// What to import from and how.
pub struct Input<'a> {
    /// Project (the catalogue's `project`).
    pub project: String,
    /// Environment name.
    pub env: String,
    /// Region.
    pub region: String,
    /// Account id (ARNs of topics in alarm actions).
    pub account: String,
    /// Name prefix (`<project>-<env>-`).
    pub prefix: String,
    /// The live resources, owned by nobody (ownership tags are ignored).
    pub resources: &'a [Resource],
    /// Keep email endpoints in the files (default: placeholders).
    pub keep_emails: bool,
    /// Namespaces to declare external, each with the reason (a comment).
    pub external: BTreeMap<String, Vec<String>>,
    /// Log groups whose recent events are JSON (sampled by the caller).
    pub json_groups: BTreeSet<String>,
}

/// The catalogue written, the secrets kept out of it, and the report.
pub struct Imported {
    /// File path (relative to the catalogue directory) → text.
    pub files: BTreeMap<String, String>,
    /// `${env:NAME}` → the value read (never written to a file).
    pub secrets: BTreeMap<String, String>,
    /// What was imported, skipped and found.
    pub report: Report,
}

/// One file being built: its sections, other keys and comments.
#[derive(Default)]
struct File {
    sections: BTreeMap<String, Map<String, Value>>,
    other: Map<String, Value>,
    comments: Comments,
}

impl File {
    fn section(&mut self, name: &str) -> &mut Map<String, Value> {
        self.sections.entry(name.to_string()).or_default()
    }

    fn count(&self, name: &str) -> usize {
        self.sections.get(name).map_or(0, Map::len)
    }

    fn comment(&mut self, pointer: String, line: String) {
        self.comments.entry(pointer).or_default().push(line);
    }

    /// The file's content: its other keys and its non-empty sections.
    fn value(&self) -> Value {
        let mut m = self.other.clone();
        for (k, v) in &self.sections {
            if !v.is_empty() {
                m.insert(k.clone(), Value::Object(v.clone()));
            }
        }
        Value::Object(m)
    }

    fn is_empty(&self) -> bool {
        self.other.is_empty() && self.sections.values().all(Map::is_empty)
    }
}

fn pointer(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Per-service saved queries of one key and shape: service and query.
type ServiceQueries<'a> = Vec<(String, &'a QueryDefinition)>;

/// The alarms of one template: each with its split and severity.
type Members<'a> = Vec<(&'a Read, &'a Split, Option<String>)>;

/// Service facts gathered while importing.
#[derive(Default, Clone)]
struct ServiceFacts {
    /// Log group (from its filters and queries), if it has one.
    log_group: Option<String>,
    /// Alarm overrides by template.
    alarms: Map<String, Value>,
    /// Severity → topics.
    routes: Map<String, Value>,
}

struct Builder<'a> {
    input: &'a Input<'a>,
    report: Report,
    secrets: BTreeMap<String, String>,
    obsctl: File,
    services_file: File,
    alarms_file: File,
    dashboards_file: File,
    logs_file: File,
    templates: BTreeMap<String, String>,
    services: BTreeMap<String, ServiceFacts>,
    /// Imported alarms: full name → (service, template, notifies).
    alarm_of: BTreeMap<String, (Option<String>, String, bool)>,
    /// Alarm template → severity, for mute rules.
    severity_of: BTreeMap<String, String>,
    /// Alarms kept explicit → why (a comment).
    explicit: BTreeMap<String, String>,
    /// Alarm template → its body with the per-service texts unified.
    unified: BTreeMap<String, Map<String, Value>>,
    /// Per-service values found by unification: `title`, and
    /// `dimensions` entries by name → service → value.
    titles: BTreeMap<String, String>,
    vars: BTreeMap<String, BTreeMap<String, String>>,
    namespace: String,
    /// (namespace, metric) published by imported filters.
    filter_metrics: BTreeSet<(String, String)>,
    /// The scheduled-query role of the imported log alarms.
    log_alarm_role: Option<String>,
    /// Environment-wide alarm overrides (an alarm's own `name`).
    env_alarms: Map<String, Value>,
    /// Topics outside the prefix (chosen by `--names`): name → key.
    outside_topics: BTreeMap<String, String>,
}

/// Imports `input`'s resources into a catalogue.
pub fn build(input: &Input) -> Imported {
    let mut b = Builder {
        input,
        report: Report::new(&input.project, &input.env, &input.prefix),
        secrets: BTreeMap::new(),
        obsctl: File::default(),
        services_file: File::default(),
        alarms_file: File::default(),
        dashboards_file: File::default(),
        logs_file: File::default(),
        templates: BTreeMap::new(),
        services: BTreeMap::new(),
        alarm_of: BTreeMap::new(),
        severity_of: BTreeMap::new(),
        explicit: BTreeMap::new(),
        unified: BTreeMap::new(),
        titles: BTreeMap::new(),
        vars: BTreeMap::new(),
        namespace: String::new(),
        filter_metrics: BTreeSet::new(),
        log_alarm_role: None,
        env_alarms: Map::new(),
        outside_topics: BTreeMap::new(),
    };
    b.namespace = b.choose_namespace();
    b.topics();
    let alarm_services = b.alarms();
    b.metric_filters(&alarm_services);
    b.queries();
    b.dashboards();
    b.mute_rules();
    b.finish()
}

fn count_mode<T: Ord + Clone>(values: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let max = counts.values().copied().max()?;
    counts.into_iter().find(|(_, c)| *c == max).map(|(v, _)| v)
}

/// Text that looks like a credential: chat webhooks, API tokens, keys.
pub fn looks_like_token(text: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "hooks.slack.com/services/",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "ghp_",
        "AKIA",
        "token=",
        "api_key=",
        "apikey=",
    ];
    if MARKERS.iter().any(|m| text.contains(m)) {
        return true;
    }
    // A long run of letters and digits mixing both (a random key).
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '+'))
        .any(|w| {
            w.len() >= 32
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().any(|c| c.is_ascii_uppercase())
                && w.chars().any(|c| c.is_ascii_lowercase())
        })
}

fn secret_name(base: &str, suffix: &str, taken: &BTreeMap<String, String>) -> String {
    let stem: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("{stem}_{suffix}");
    let mut n = 2;
    while taken.contains_key(&name) {
        name = format!("{stem}_{suffix}_{n}");
        n += 1;
    }
    name
}

impl Builder<'_> {
    fn rest<'n>(&self, name: &'n str) -> Option<&'n str> {
        name.strip_prefix(self.input.prefix.as_str())
            .filter(|r| !r.is_empty())
    }

    /// An alarm's name after the prefix; the whole name of an alarm
    /// outside it (chosen by `--names`), which keeps its name.
    fn alarm_rest<'n>(&self, name: &'n str) -> &'n str {
        self.rest(name).unwrap_or(name)
    }

    /// The name override an imported alarm needs: its own name where the
    /// naming pattern gives another (an alarm named by hand outside the
    /// prefix), with the environment's name as `{{ env.name }}`.
    fn name_override(&self, name: &str, service: Option<&str>, template: &str) -> Option<String> {
        let generated = match service {
            Some(s) => format!("{}{s}-{template}", self.input.prefix),
            None => format!("{}{template}", self.input.prefix),
        };
        (generated != name).then(|| structure::envify(name, &self.input.env))
    }

    fn skip(&mut self, kind: &str, name: &str, reason: impl Into<String>) {
        self.report.skipped.push(Skipped {
            kind: kind.to_string(),
            name: name.to_string(),
            reason: reason.into(),
        });
    }

    fn imported(&mut self, kind: &str) {
        *self.report.imported.entry(kind.to_string()).or_default() += 1;
    }

    fn choose_namespace(&self) -> String {
        let custom = self.input.resources.iter().flat_map(|r| match r {
            Resource::MetricFilter(f) => f
                .metric_transformations
                .iter()
                .map(|t| t.metric_namespace.clone())
                .collect::<Vec<_>>(),
            Resource::MetricAlarm(a) => a
                .namespace
                .iter()
                .cloned()
                .chain(
                    a.metrics
                        .iter()
                        .filter_map(|m| m.metric_stat.as_ref().map(|s| s.metric.namespace.clone())),
                )
                .collect(),
            Resource::Topic(_)
            | Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::CompositeAlarm(_)
            | Resource::Dashboard(_)
            | Resource::QueryDefinition(_)
            | Resource::AlarmMuteRule(_)
            | Resource::LogAlarm(_) => Vec::new(),
        });
        count_mode(custom.filter(|n| !n.starts_with("AWS/")))
            .unwrap_or_else(|| format!("{}/Custom", self.input.project))
    }

    // ------------------------------------------------------------ topics

    fn topics(&mut self) {
        let topics: Vec<&Topic> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::Topic(t) = r {
                    Some(t.as_ref())
                } else {
                    None
                }
            })
            .collect();
        for t in topics {
            let mut spec = Map::new();
            let key = match self.rest(&t.name) {
                Some(key) => key.to_string(),
                None => {
                    // Outside the prefix (chosen by `--names`): it keeps
                    // its name; its key is the name without the
                    // environment's (keys name severities, which are the
                    // same in every environment).
                    spec.insert(
                        "name".into(),
                        json!(structure::envify(&t.name, &self.input.env)),
                    );
                    let mut key = without_env(&t.name, &self.input.env);
                    if self.obsctl.section("topics").contains_key(&key) {
                        key = t.name.clone();
                    }
                    self.outside_topics.insert(t.name.clone(), key.clone());
                    key
                }
            };
            if let Some(d) = t.attributes.get("DisplayName") {
                if looks_like_token(d) {
                    self.skip("topics", &t.name, "its display name looks like a secret");
                    continue;
                }
                spec.insert("display_name".into(), json!(d));
            }
            if let Some(k) = t.attributes.get("KmsMasterKeyId") {
                spec.insert("kms_key".into(), json!(k));
            }
            spec.insert("subscriptions".into(), json!([]));
            self.obsctl
                .section("topics")
                .insert(key, Value::Object(spec));
            self.imported("topics");
        }
        let subs: Vec<&Subscription> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::Subscription(s) = r {
                    Some(s.as_ref())
                } else {
                    None
                }
            })
            .collect();
        for s in subs {
            self.subscription(s);
        }
        // Drop empty subscription lists.
        for spec in self.obsctl.section("topics").values_mut() {
            if let Some(m) = spec.as_object_mut()
                && m.get("subscriptions")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
            {
                m.remove("subscriptions");
            }
        }
    }

    fn subscription(&mut self, s: &Subscription) {
        let display = format!("{} {}", s.topic_name, s.protocol);
        let Some(key) = self
            .rest(&s.topic_name)
            .map(str::to_string)
            .or_else(|| self.outside_topics.get(&s.topic_name).cloned())
        else {
            return;
        };
        if !self.obsctl.section("topics").contains_key(&key) {
            self.skip("subscriptions", &display, "its topic is not imported");
            return;
        }
        if !matches!(s.protocol.as_str(), "email" | "https" | "sqs" | "lambda") {
            self.skip(
                "subscriptions",
                &display,
                format!(
                    "protocol `{}`: obsctl manages email, https, sqs and lambda",
                    s.protocol
                ),
            );
            return;
        }
        let mut spec = Map::new();
        spec.insert("protocol".into(), json!(s.protocol));
        let mut finding = None;
        let endpoint = match s.protocol.as_str() {
            "https" if s.endpoint == crate::rules::endpoint::CHATBOT_ENDPOINT => {
                spec.insert("external".into(), json!(true));
                s.endpoint.clone()
            }
            "https" => {
                if let Some(service) = crate::rules::endpoint::chat_webhook(&s.endpoint) {
                    finding = Some((
                        format!(
                            "a {service} incoming webhook subscribed to topic `{key}` cannot confirm the subscription: no alert reaches it"
                        ),
                        crate::rules::endpoint::chat_webhook_help(service),
                    ));
                }
                let name = secret_name(&key, "URL", &self.secrets);
                self.secrets.insert(name.clone(), s.endpoint.clone());
                format!("${{env:{name}}}")
            }
            "email" if !self.input.keep_emails => {
                let name = secret_name(&key, "EMAIL", &self.secrets);
                self.secrets.insert(name.clone(), s.endpoint.clone());
                format!("${{env:{name}}}")
            }
            _ if looks_like_token(&s.endpoint) => {
                let name = secret_name(&key, "ENDPOINT", &self.secrets);
                self.secrets.insert(name.clone(), s.endpoint.clone());
                format!("${{env:{name}}}")
            }
            _ => s.endpoint.clone(),
        };
        spec.insert("endpoint".into(), json!(endpoint));
        if s.attributes
            .get("RawMessageDelivery")
            .is_some_and(|v| v == "true")
        {
            spec.insert("raw_message_delivery".into(), json!(true));
        }
        if let Some(p) = s.attributes.get("FilterPolicy")
            && let Ok(v) = serde_json::from_str::<Value>(p)
        {
            spec.insert("filter_policy".into(), v);
            if let Some(scope) = s.attributes.get("FilterPolicyScope") {
                spec.insert("filter_policy_scope".into(), json!(scope));
            }
        }
        if let Some(r) = s.attributes.get("RedrivePolicy")
            && let Ok(v) = serde_json::from_str::<Value>(r)
            && let Some(dlq) = v.get("deadLetterTargetArn")
        {
            spec.insert("dead_letter_queue".into(), dlq.clone());
        }
        let topics = self.obsctl.section("topics");
        let Some(list) = topics
            .get_mut(&key)
            .and_then(|t| t.get_mut("subscriptions"))
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        list.push(Value::Object(spec));
        let at = pointer(&[
            "topics",
            &key,
            "subscriptions",
            &(list.len() - 1).to_string(),
        ]);
        self.imported("subscriptions");
        if let Some((message, help)) = finding {
            self.report
                .findings
                .push(Finding::at("obsctl.yaml", &at, message, help));
        }
    }

    // ------------------------------------------------------------ alarms

    /// Imports the alarms; returns the services found.
    fn alarms(&mut self) -> BTreeSet<String> {
        let arn_prefix = format!(
            "arn:{}:sns:{}:{}:{}",
            crate::resource::partition(&self.input.region),
            self.input.region,
            self.input.account,
            self.input.prefix
        );
        let outside: BTreeMap<String, String> = self
            .outside_topics
            .iter()
            .map(|(name, key)| {
                (
                    crate::resource::topic_arn(&self.input.region, &self.input.account, name),
                    key.clone(),
                )
            })
            .collect();
        let topics = alarms::Topics {
            arn_prefix: &arn_prefix,
            outside: &outside,
        };
        let mut metric = Vec::new();
        let mut composite = Vec::new();
        for r in self.input.resources {
            let (name, read) = match r {
                Resource::MetricAlarm(a) => (&a.alarm_name, alarms::read_metric(a, &topics)),
                Resource::CompositeAlarm(a) => (&a.alarm_name, alarms::read_composite(a, &topics)),
                Resource::LogAlarm(a) => {
                    // One scheduled-query role per environment
                    // (`log_alarm_role`): the first log alarm's.
                    let role = &a.scheduled_query_configuration.scheduled_query_role_arn;
                    match &self.log_alarm_role {
                        Some(r) if r != role => {
                            self.skip(
                                "log-alarms",
                                &a.alarm_name,
                                format!("it runs its query as {role}; an environment has one `log_alarm_role` ({r})"),
                            );
                            continue;
                        }
                        Some(_) => {}
                        None => self.log_alarm_role = Some(role.clone()),
                    }
                    (&a.alarm_name, alarms::read_log(a, &topics))
                }
                Resource::Topic(_)
                | Resource::Subscription(_)
                | Resource::LogGroup(_)
                | Resource::MetricFilter(_)
                | Resource::Dashboard(_)
                | Resource::QueryDefinition(_)
                | Resource::AlarmMuteRule(_) => continue,
            };
            let kind = r.kind().plural();
            // An alarm outside the prefix was chosen by `--names`: it keeps
            // its name (an override's `name`, see `templates_of`).
            match read {
                Ok(read) if read.description.as_deref().is_some_and(looks_like_token) => {
                    self.skip(kind, name, "its description looks like it holds a secret");
                }
                Ok(read) if read.composite => composite.push(read),
                Ok(read) => metric.push(read),
                Err(reason) => self.skip(kind, name, reason),
            }
        }
        let known: BTreeSet<String> = metric
            .iter()
            .chain(&composite)
            .filter_map(|r| r.service_tag.clone())
            .collect();
        let mut taken: BTreeMap<String, ()> = BTreeMap::new();
        let mut placed: Vec<(Read, Split)> = Vec::new();
        // Metric alarms first, then composites once their children are placed.
        let none = |_: &str| None;
        let splits = self.split_reads(&metric, &known, &none);
        let mut services = known.clone();
        self.place(metric, splits, &mut taken, &mut placed, &mut services);
        let mut pending = composite;
        loop {
            let (ready, rest): (Vec<Read>, Vec<Read>) = pending
                .into_iter()
                .partition(|r| r.refs.iter().all(|(_, n)| self.alarm_of.contains_key(n)));
            pending = rest;
            if ready.is_empty() {
                break;
            }
            let alarm_of = self.alarm_of.clone();
            let splits = {
                let rests: Vec<String> = ready
                    .iter()
                    .map(|r| self.alarm_rest(&r.name).to_string())
                    .collect();
                let shape = |i: usize, svc: Option<&str>| {
                    let refs = |n: &str| reference(&alarm_of, n, svc);
                    shape_of(&ready[i], svc, &refs)
                };
                split_all(&rests, &services, &shape)
            };
            self.place(ready, splits, &mut taken, &mut placed, &mut services);
        }
        for r in pending {
            let missing: Vec<&str> = r
                .refs
                .iter()
                .map(|(_, n)| n.as_str())
                .filter(|n| !self.alarm_of.contains_key(*n))
                .collect();
            let reason = format!(
                "its rule references alarms that are not imported: {}",
                missing.join(", ")
            );
            self.skip("composite-alarms", &r.name, reason);
        }
        self.templates_of(placed);
        services
    }

    fn split_reads(
        &self,
        reads: &[Read],
        known: &BTreeSet<String>,
        refs: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<Split> {
        let rests: Vec<String> = reads
            .iter()
            .map(|r| self.alarm_rest(&r.name).to_string())
            .collect();
        let shape = |i: usize, svc: Option<&str>| shape_of(&reads[i], svc, refs);
        split_all(&rests, known, &shape)
    }

    /// Records where each alarm goes; a template name already used by
    /// another group makes the alarm an environment-wide template of its
    /// own (named by its whole rest), and one whose rest is taken too is
    /// skipped.
    fn place(
        &mut self,
        reads: Vec<Read>,
        mut splits: Vec<Split>,
        taken: &mut BTreeMap<String, ()>,
        placed: &mut Vec<(Read, Split)>,
        services: &mut BTreeSet<String>,
    ) {
        self.refine(&reads, &mut splits);
        let round: BTreeSet<String> = splits.iter().map(|s| s.name.clone()).collect();
        for (r, mut split) in reads.into_iter().zip(splits) {
            let kind = if r.composite {
                "composite-alarms"
            } else {
                "metric-alarms"
            };
            if taken.contains_key(&split.name) {
                let rest = self.alarm_rest(&r.name).to_string();
                if taken.contains_key(&rest) || round.contains(&rest) && split.name != rest {
                    self.skip(
                        kind,
                        &r.name,
                        "its template name is taken by another alarm template",
                    );
                    continue;
                }
                self.explicit.insert(
                    r.name.clone(),
                    format!("kept explicit by import: alarm template `{}` has another shape, so this alarm could not join it", split.name),
                );
                split = Split {
                    service: None,
                    name: rest,
                };
            }
            if let Some(s) = &split.service {
                services.insert(s.clone());
            }
            self.alarm_of.insert(
                r.name.clone(),
                (
                    split.service.clone(),
                    split.name.clone(),
                    r.notify.is_some(),
                ),
            );
            placed.push((r, split));
        }
        for (_, s) in placed.iter() {
            taken.insert(s.name.clone(), ());
        }
    }

    /// Checks each group of a round: the texts that differ per service
    /// (descriptions, expressions) must differ in one value each, which
    /// becomes the service's title or a value of its `dimensions`. A group
    /// where they do not keeps its largest part of alarms with equal texts;
    /// the others become environment-wide templates.
    fn refine(&mut self, reads: &[Read], splits: &mut [Split]) {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, s) in splits.iter().enumerate() {
            if s.service.is_some() {
                groups.entry(s.name.clone()).or_default().push(i);
            }
        }
        let alarm_of = self.alarm_of.clone();
        let body_of = |i: usize, svc: Option<&str>| {
            let refs = |n: &str| reference(&alarm_of, n, svc);
            alarms::body(&reads[i], svc, &refs)
        };
        for (name, members) in groups {
            let with_bodies: Option<Vec<(String, Map<String, Value>)>> = members
                .iter()
                .map(|&i| {
                    let svc = splits[i].service.clone()?;
                    let b = body_of(i, Some(&svc))?;
                    Some((svc, b))
                })
                .collect();
            let Some(with_bodies) = with_bodies else {
                continue;
            };
            if let Some(t) = self.unify(&with_bodies) {
                self.unified.insert(name, t);
                continue;
            }
            // The largest set of members that unify (greedy, in order);
            // the others become environment-wide templates.
            let mut left: Vec<usize> = (0..with_bodies.len()).collect();
            let mut best: Vec<usize> = Vec::new();
            while !left.is_empty() && left.len() > best.len() {
                let mut cluster: Vec<usize> = Vec::new();
                let mut rest = Vec::new();
                for &k in &left {
                    let mut trial: Vec<(String, Map<String, Value>)> =
                        cluster.iter().map(|&c| with_bodies[c].clone()).collect();
                    trial.push(with_bodies[k].clone());
                    if self.try_unify(&trial).is_some() {
                        cluster.push(k);
                    } else {
                        rest.push(k);
                    }
                }
                if cluster.len() > best.len() {
                    best = cluster;
                }
                left = rest;
            }
            let kept: Vec<(String, Map<String, Value>)> =
                best.iter().map(|&k| with_bodies[k].clone()).collect();
            if let Some(t) = self.unify(&kept) {
                self.unified.insert(name.clone(), t);
            }
            for (k, &i) in members.iter().enumerate() {
                if best.contains(&k) {
                    continue;
                }
                let rest = self.alarm_rest(&reads[i].name).to_string();
                self.explicit.insert(
                    reads[i].name.clone(),
                    format!("kept explicit by import: its texts differ from alarm template `{name}`'s in more than one value per text"),
                );
                splits[i] = Split {
                    service: None,
                    name: rest,
                };
            }
        }
    }

    /// One template body from the bodies of its services, or `None` when
    /// they differ other than in one value per text.
    fn unify(&mut self, bodies: &[(String, Map<String, Value>)]) -> Option<Map<String, Value>> {
        let (t, titles, vars) = self.try_unify(bodies)?;
        self.titles = titles;
        self.vars = vars;
        Some(t)
    }

    /// [`Self::unify`] without keeping the titles and values it finds.
    #[expect(
        clippy::type_complexity,
        reason = "the template and the two registries it extends"
    )]
    fn try_unify(
        &self,
        bodies: &[(String, Map<String, Value>)],
    ) -> Option<(
        Map<String, Value>,
        BTreeMap<String, String>,
        BTreeMap<String, BTreeMap<String, String>>,
    )> {
        let (_, first) = bodies.first()?;
        let mut template = Value::Object(first.clone());
        let mut leaves = Vec::new();
        string_leaves(&template, String::new(), &mut leaves);
        let all: Vec<Value> = bodies
            .iter()
            .map(|(_, b)| Value::Object(b.clone()))
            .collect();
        // Values must agree everywhere except in strings.
        let stripped = |v: &Value| {
            let mut v = v.clone();
            blank_strings(&mut v);
            v
        };
        if all.iter().any(|b| stripped(b) != stripped(&template)) {
            return None;
        }
        let mut titles = self.titles.clone();
        let mut vars = self.vars.clone();
        for path in leaves {
            let values: Vec<String> = all
                .iter()
                .map(|b| {
                    b.pointer(&path)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            if values.iter().all(|v| *v == values[0]) {
                continue;
            }
            let (prefix, suffix, middles) = structure::anti_unify(&values)?;
            let services: Vec<&String> = bodies.iter().map(|(s, _)| s).collect();
            let is_title = path.ends_with("/description")
                && services
                    .iter()
                    .zip(&middles)
                    .all(|(s, m)| titles.get(*s).is_none_or(|t| t == m));
            let placeholder = if is_title {
                for (s, m) in services.iter().zip(&middles) {
                    if *m != **s {
                        titles.insert((*s).clone(), m.clone());
                    }
                }
                "{{ service.title }}".to_string()
            } else {
                let wanted: BTreeMap<String, String> = services
                    .iter()
                    .zip(&middles)
                    .map(|(s, m)| ((*s).clone(), m.clone()))
                    .collect();
                let existing = vars
                    .iter()
                    .find(|(_, values)| wanted.iter().all(|(s, m)| values.get(s) == Some(m)));
                let name = match existing {
                    Some((n, _)) => n.clone(),
                    None => {
                        let n = format!("v{}", vars.len() + 1);
                        vars.insert(n.clone(), wanted.clone());
                        n
                    }
                };
                format!("{{{{ service.dimensions.{name} }}}}")
            };
            if let Some(leaf) = template.pointer_mut(&path) {
                *leaf = json!(format!("{prefix}{placeholder}{suffix}"));
            }
        }
        if let Value::Object(m) = template {
            Some((m, titles, vars))
        } else {
            None
        }
    }

    /// Severities, routes, templates and overrides from the placed alarms.
    fn templates_of(&mut self, placed: Vec<(Read, Split)>) {
        let severities = self.severities(&placed);
        let mut by_template: BTreeMap<String, Members> = BTreeMap::new();
        for ((r, s), sev) in placed.iter().zip(severities) {
            by_template
                .entry(s.name.clone())
                .or_default()
                .push((r, s, sev));
        }
        let alarm_of = self.alarm_of.clone();
        for (tname, members) in by_template {
            let Some((first, split, _)) = members.first().cloned() else {
                continue;
            };
            let svc = split.service.as_deref();
            let refs = |n: &str| reference(&alarm_of, n, svc);
            let unified = self.unified.get(&tname).cloned();
            let Some(mut t) = unified.or_else(|| alarms::body(first, svc, &refs)) else {
                for (r, _, _) in &members {
                    self.skip(kind_of(r), &r.name, "it could not be read into a template");
                }
                continue;
            };
            let mut sev_values: Vec<String> = Vec::new();
            let mut skipped = BTreeSet::new();
            for (r, _, sev) in &members {
                match sev {
                    Some(s) => sev_values.push(s.clone()),
                    None => {
                        skipped.insert(r.name.clone());
                        self.skip(
                            kind_of(r),
                            &r.name,
                            "no topic exists that a severity could route to",
                        );
                    }
                }
            }
            let members: Vec<_> = members
                .into_iter()
                .filter(|(r, _, _)| !skipped.contains(&r.name))
                .collect();
            let Some(severity) = count_mode(sev_values) else {
                continue;
            };
            t.insert("severity".into(), json!(severity));
            self.severity_of.insert(tname.clone(), severity.clone());
            let template = template_settings(members.iter().map(|(r, _, _)| &r.settings));
            for (k, v) in &template.fields {
                t.insert(k.to_string(), v.clone());
            }
            if svc.is_none() {
                t.insert("scope".into(), json!("environment"));
            } else {
                let list: Vec<String> = members
                    .iter()
                    .filter_map(|(_, s, _)| s.service.clone())
                    .collect();
                t.insert("services".into(), json!(list));
            }
            for (r, s, sev) in &members {
                self.imported(kind_of(r));
                let name = self.name_override(&r.name, s.service.as_deref(), &tname);
                let Some(service) = &s.service else {
                    if let Some(name) = name {
                        self.env_alarms
                            .insert(tname.clone(), json!({ "name": name }));
                    }
                    continue;
                };
                let mut o = template.overrides(&r.settings);
                if let Some(name) = name {
                    o.insert("name".into(), json!(name));
                }
                if sev.as_deref() != Some(severity.as_str())
                    && let Some(sev) = sev
                {
                    o.insert("severity".into(), json!(sev));
                }
                if !o.is_empty() {
                    self.services
                        .entry(service.clone())
                        .or_default()
                        .alarms
                        .insert(tname.clone(), Value::Object(o));
                }
                self.services.entry(service.clone()).or_default();
            }
            if let Some(why) = self.explicit.get(&first.name).cloned() {
                self.alarms_file.comment(pointer(&["alarms", &tname]), why);
            }
            self.alarms_file
                .section("alarms")
                .insert(tname, Value::Object(t));
        }
    }

    /// The severity of each placed alarm (`None`: none possible); adds the
    /// severities and the services' routes.
    fn severities(&mut self, placed: &[(Read, Split)]) -> Vec<Option<String>> {
        // A severity's name: its tag, else the topics most alarms of its
        // template notify (so a service that notifies more is a route).
        let mut template_topics: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
        for (r, s) in placed {
            if let Some(n) = &r.notify {
                template_topics
                    .entry(&s.name)
                    .or_default()
                    .push(n.topics.clone());
            }
        }
        let template_mode: BTreeMap<&str, Vec<String>> = template_topics
            .into_iter()
            .filter_map(|(t, v)| count_mode(v).map(|m| (t, m)))
            .collect();
        let names: BTreeMap<&str, &str> = placed
            .iter()
            .map(|(r, s)| (r.name.as_str(), s.name.as_str()))
            .collect();
        let base_name = |r: &Read, n: &Notify| {
            r.severity_tag.clone().unwrap_or_else(|| {
                names
                    .get(r.name.as_str())
                    .and_then(|t| template_mode.get(t))
                    .unwrap_or(&n.topics)
                    .join("-")
            })
        };
        let mut ok_votes: BTreeMap<String, Vec<bool>> = BTreeMap::new();
        for (r, _) in placed {
            if let Some(n) = &r.notify {
                ok_votes.entry(base_name(r, n)).or_default().push(n.ok);
            }
        }
        let ok_mode: BTreeMap<String, bool> = ok_votes
            .into_iter()
            .filter_map(|(k, v)| count_mode(v).map(|m| (k, m)))
            .collect();
        let name1 = |r: &Read, n: &Notify| {
            let b = base_name(r, n);
            if ok_mode.get(&b) == Some(&n.ok) {
                b
            } else if n.ok {
                format!("{b}-with-ok")
            } else {
                format!("{b}-no-ok")
            }
        };
        let mut topic_votes: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        let mut per_service: BTreeMap<(String, String), BTreeSet<Vec<String>>> = BTreeMap::new();
        for (r, s) in placed {
            if let Some(n) = &r.notify {
                let sev = name1(r, n);
                topic_votes
                    .entry(sev.clone())
                    .or_default()
                    .push(n.topics.clone());
                if let Some(svc) = &s.service {
                    per_service
                        .entry((svc.clone(), sev))
                        .or_default()
                        .insert(n.topics.clone());
                }
            }
        }
        let base: BTreeMap<String, Vec<String>> = topic_votes
            .into_iter()
            .filter_map(|(k, v)| count_mode(v).map(|m| (k, m)))
            .collect();
        let mut sevs: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
        let mut out = Vec::new();
        for (r, s) in placed {
            let Some(n) = &r.notify else {
                out.push(None);
                continue;
            };
            let s1 = name1(r, n);
            let b = base.get(&s1).cloned().unwrap_or_default();
            let (name, topics) = if n.topics == b {
                (s1, b)
            } else if let Some(svc) = &s.service
                && per_service
                    .get(&(svc.clone(), s1.clone()))
                    .is_some_and(|set| set.len() == 1)
            {
                self.services
                    .entry(svc.clone())
                    .or_default()
                    .routes
                    .insert(s1.clone(), json!(n.topics));
                (s1, b)
            } else {
                (format!("{s1}-{}", n.topics.join("-")), n.topics.clone())
            };
            sevs.entry(name.clone()).or_insert((topics, n.ok));
            out.push(Some(name));
        }
        // Alarms without actions: their tag's severity, else any.
        let topic_keys: Vec<String> = self.obsctl.section("topics").keys().cloned().collect();
        for ((r, _), sev) in placed.iter().zip(out.iter_mut()) {
            if sev.is_some() {
                continue;
            }
            let wanted = r.severity_tag.clone();
            *sev = match wanted {
                Some(w) if sevs.contains_key(&w) => Some(w),
                Some(w) if !topic_keys.is_empty() && sevs.is_empty() => {
                    sevs.insert(w.clone(), (vec![topic_keys[0].clone()], true));
                    Some(w)
                }
                _ => sevs.keys().next().cloned().or_else(|| {
                    let first = topic_keys.first()?;
                    sevs.insert("default".into(), (vec![first.clone()], true));
                    Some("default".into())
                }),
            };
        }
        if sevs.is_empty() {
            // The catalogue needs a severity, and a severity a topic.
            let first = match topic_keys.first() {
                Some(t) => t.clone(),
                None => {
                    self.obsctl
                        .section("topics")
                        .insert("alerts".into(), json!({}));
                    self.obsctl.comment(
                        pointer(&["topics", "alerts"]),
                        "made by import: a catalogue needs a severity, and a severity a topic; this topic does not exist yet (apply creates it)".into(),
                    );
                    "alerts".to_string()
                }
            };
            sevs.insert("default".into(), (vec![first], true));
        }
        for (name, (topics, ok)) in sevs {
            let topic = if topics.len() == 1 {
                json!(topics[0])
            } else {
                json!(topics)
            };
            let mut spec = Map::new();
            spec.insert("topic".into(), topic);
            if !ok {
                spec.insert("notify_ok".into(), json!(false));
            }
            self.obsctl
                .section("severities")
                .insert(name, Value::Object(spec));
        }
        out
    }

    // ------------------------------------------------------- log sections

    fn metric_filters(&mut self, alarm_services: &BTreeSet<String>) {
        let filters: Vec<&MetricFilter> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::MetricFilter(f) = r {
                    Some(f.as_ref())
                } else {
                    None
                }
            })
            .collect();
        let mut usable = Vec::new();
        for f in filters {
            if f.metric_transformations.len() != 1 {
                self.skip(
                    "metric-filters",
                    &f.filter_name,
                    "it has more than one metric transformation",
                );
            } else if self.rest(&f.filter_name).is_none() {
                self.skip(
                    "metric-filters",
                    &f.filter_name,
                    "its name is not under the prefix",
                );
            } else if looks_like_token(&f.filter_pattern) {
                self.skip(
                    "metric-filters",
                    &f.filter_name,
                    "its pattern looks like it holds a secret",
                );
            } else {
                usable.push(f);
            }
        }
        let rests: Vec<String> = usable
            .iter()
            .map(|f| self.rest(&f.filter_name).unwrap_or_default().to_string())
            .collect();
        let ns = self.namespace.clone();
        let shape = |i: usize, svc: Option<&str>| {
            serde_json::to_string(&filter_spec(usable[i], svc, &ns)).unwrap_or_default()
        };
        let splits = split_all(&rests, alarm_services, &shape);
        // Each service's log group: the one most of its filters read.
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (f, s) in usable.iter().zip(&splits) {
            if let Some(svc) = &s.service {
                groups
                    .entry(svc.clone())
                    .or_default()
                    .push(f.log_group_name.clone());
            }
        }
        for (svc, lgs) in groups {
            if let Some(lg) = count_mode(lgs) {
                self.services.entry(svc).or_default().log_group = Some(lg);
            }
        }
        let mut templates: BTreeMap<String, (Map<String, Value>, Vec<String>)> = BTreeMap::new();
        for (f, split) in usable.into_iter().zip(splits) {
            let (service, tname) = match &split.service {
                Some(svc)
                    if self.services.get(svc).and_then(|s| s.log_group.as_deref())
                        == Some(f.log_group_name.as_str()) =>
                {
                    (svc.clone(), split.name.clone())
                }
                _ => {
                    // Environment-wide names do not exist for filters: adopt
                    // it by rename under the service writing its log group.
                    let svc = self.service_for_group(&f.log_group_name);
                    let rest = self.rest(&f.filter_name).unwrap_or_default().to_string();
                    let to = format!("{}{svc}-{rest}", self.input.prefix);
                    self.report.renamed.push(Renamed {
                        kind: "metric-filters".into(),
                        from: f.filter_name.clone(),
                        to,
                    });
                    (svc, rest)
                }
            };
            let spec = filter_spec(f, Some(&service), &self.namespace);
            match templates.get_mut(&tname) {
                Some((existing, members)) if *existing == spec => members.push(service),
                Some(_) => {
                    self.skip(
                        "metric-filters",
                        &f.filter_name,
                        "another filter template has its name and a different pattern or metric",
                    );
                    continue;
                }
                None => {
                    templates.insert(tname.clone(), (spec, vec![service]));
                }
            }
            for t in &f.metric_transformations {
                self.filter_metrics
                    .insert((t.metric_namespace.clone(), t.metric_name.clone()));
            }
            self.imported("metric-filters");
        }
        // A space-delimited pattern over a log group other filters read as
        // JSON: the group's events are JSON, which such a pattern never
        // matches field by field.
        let mut json_groups = self.input.json_groups.clone();
        for r in self.input.resources {
            if let Resource::MetricFilter(f) = r
                && crate::engine::filter_pattern::Pattern::parse(&f.filter_pattern)
                    .is_ok_and(|p| p.kind() == crate::engine::filter_pattern::PatternKind::Json)
            {
                json_groups.insert(f.log_group_name.clone());
            }
        }
        for (tname, (spec, members)) in templates {
            let mut spec = spec;
            let pattern = spec
                .get("pattern")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let delimited = crate::engine::filter_pattern::Pattern::parse(pattern)
                .is_ok_and(|p| p.kind() == crate::engine::filter_pattern::PatternKind::Delimited);
            let json_members: Vec<&String> = members
                .iter()
                .filter(|m| {
                    self.services
                        .get(*m)
                        .and_then(|s| s.log_group.as_ref())
                        .is_some_and(|g| json_groups.contains(g))
                })
                .collect();
            if delimited && !json_members.is_empty() {
                self.report.findings.push(Finding::at(
                    "logs.yaml",
                    &pointer(&["metric_filters", &tname, "pattern"]),
                    format!("metric filter `{tname}` has a space-delimited pattern, but the log groups it reads hold JSON events: a delimited pattern splits the JSON text at spaces, so its fields never hold what it expects"),
                    "use a JSON pattern (`{ $.level = \"ERROR\" }`) and `$.field` values".to_string(),
                ));
            }
            spec.insert("services".into(), json!(members));
            self.logs_file
                .section("metric_filters")
                .insert(tname, Value::Object(spec));
        }
    }

    /// The service whose log group is `group`, or a new one made for it
    /// (named after the group's last part).
    fn service_for_group(&mut self, group: &str) -> String {
        if let Some((name, _)) = self
            .services
            .iter()
            .find(|(_, s)| s.log_group.as_deref() == Some(group))
        {
            return name.clone();
        }
        let last = group.rsplit('/').find(|p| !p.is_empty()).unwrap_or("logs");
        let mut base: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        base = base.trim_matches('-').to_string();
        if base.is_empty() {
            base = "logs".into();
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.services.contains_key(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.services.insert(
            name.clone(),
            ServiceFacts {
                log_group: Some(group.to_string()),
                ..ServiceFacts::default()
            },
        );
        self.services_file.comment(
            pointer(&["services", &name]),
            format!("made by import for log group {group}, which no service's name named"),
        );
        name
    }

    fn queries(&mut self) {
        let query_prefix = format!("{}/", self.input.prefix.trim_end_matches(['-', '_']));
        let queries: Vec<&QueryDefinition> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::QueryDefinition(q) = r {
                    Some(q.as_ref())
                } else {
                    None
                }
            })
            .collect();
        let mut per_service: BTreeMap<String, BTreeMap<String, ServiceQueries>> = BTreeMap::new();
        let mut env_wide = Vec::new();
        let mut renamed: BTreeMap<String, String> = BTreeMap::new();
        for q in queries {
            let text = unmarked(&q.query_string);
            let Some(rest) = q.name.strip_prefix(&query_prefix).filter(|r| !r.is_empty()) else {
                // Outside the prefix (chosen by `--names`): a saved query
                // has no tags to be owned by, so it is adopted by rename
                // (`replaces`: plan creates the new one, deletes this).
                if looks_like_token(&text) {
                    self.skip(
                        "query-definitions",
                        &q.name,
                        "its query looks like it holds a secret",
                    );
                    continue;
                }
                let key = query_key(&without_env(&q.name, &self.input.env));
                self.report.renamed.push(Renamed {
                    kind: "query-definitions".into(),
                    from: q.name.clone(),
                    to: format!("{query_prefix}{key}"),
                });
                renamed.insert(key.clone(), structure::envify(&q.name, &self.input.env));
                env_wide.push((key, q, text));
                continue;
            };
            if looks_like_token(&text) {
                self.skip(
                    "query-definitions",
                    &q.name,
                    "its query looks like it holds a secret",
                );
                continue;
            }
            if let Some((svc, key)) = rest.split_once('/')
                && q.log_group_names.len() == 1
                && self.services.get(svc).and_then(|s| s.log_group.as_ref())
                    == q.log_group_names.first()
            {
                let shape = template_text(&text, Some(svc));
                per_service
                    .entry(key.to_string())
                    .or_default()
                    .entry(shape)
                    .or_default()
                    .push((svc.to_string(), q));
                continue;
            }
            env_wide.push((rest.to_string(), q, text));
        }
        for (key, shapes) in per_service {
            let keep = shapes
                .iter()
                .max_by_key(|(_, m)| m.len())
                .map(|(s, _)| s.clone());
            for (shape, members) in shapes {
                if Some(&shape) != keep.as_ref() {
                    for (svc, q) in members {
                        env_wide.push((format!("{svc}/{key}"), q, unmarked(&q.query_string)));
                    }
                    continue;
                }
                let services: Vec<String> = members.iter().map(|(s, _)| s.clone()).collect();
                self.logs_file.section("queries").insert(
                    key.clone(),
                    json!({"query": shape, "per": "service", "services": services}),
                );
                for _ in &members {
                    self.imported("query-definitions");
                }
            }
        }
        for (key, q, text) in env_wide {
            if self.logs_file.section("queries").contains_key(&key) {
                self.skip(
                    "query-definitions",
                    &q.name,
                    "another query template has its name",
                );
                continue;
            }
            for g in &q.log_group_names {
                self.service_for_group(g);
            }
            // Every service writing one of these groups reads it.
            let groups: BTreeSet<&String> = q.log_group_names.iter().collect();
            let services: Vec<String> = self
                .services
                .iter()
                .filter(|(_, s)| s.log_group.as_ref().is_some_and(|g| groups.contains(g)))
                .map(|(n, _)| n.clone())
                .collect();
            let mut spec = json!({"query": structure::literal(&text), "services": services});
            if let Some(old) = renamed.get(&key) {
                spec["replaces"] = json!(old);
            }
            self.logs_file.section("queries").insert(key, spec);
            self.imported("query-definitions");
        }
    }

    // ---------------------------------------------------------- dashboards

    fn dashboards(&mut self) {
        let boards: Vec<&Dashboard> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::Dashboard(d) = r {
                    Some(d.as_ref())
                } else {
                    None
                }
            })
            .collect();
        let mut usable = Vec::new();
        // Outside the prefix (chosen by `--names`): each keeps its name.
        let mut own_names = Vec::new();
        for d in boards {
            let text = serde_json::to_string_pretty(&d.body.value()).unwrap_or_default();
            if looks_like_token(&text) {
                self.skip(
                    "dashboards",
                    &d.dashboard_name,
                    "its body looks like it holds a secret",
                );
            } else if self.rest(&d.dashboard_name).is_none() {
                own_names.push((d, text));
            } else {
                usable.push((d, text));
            }
        }
        let rests: Vec<String> = usable
            .iter()
            .map(|(d, _)| self.rest(&d.dashboard_name).unwrap_or_default().to_string())
            .collect();
        let known: BTreeSet<String> = self.services.keys().cloned().collect();
        let shape = |i: usize, svc: Option<&str>| template_text(&usable[i].1, svc);
        let splits = split_all(&rests, &known, &shape);
        let mut groups: BTreeMap<String, Vec<(usize, Option<String>)>> = BTreeMap::new();
        for (i, s) in splits.iter().enumerate() {
            groups
                .entry(s.name.clone())
                .or_default()
                .push((i, s.service.clone()));
        }
        // Name → (template text, per service, dashboards it stands for).
        let mut out: BTreeMap<String, (String, bool, usize)> = BTreeMap::new();
        for (name, members) in groups {
            let services: BTreeSet<String> =
                members.iter().filter_map(|(_, s)| s.clone()).collect();
            let every = !services.is_empty()
                && members.iter().all(|(_, s)| s.is_some())
                && services.len() == members.len()
                && known.iter().all(|k| services.contains(k))
                && services.iter().all(|s| known.contains(s));
            if every {
                let (i, svc) = &members[0];
                let n = members.len();
                out.insert(
                    name,
                    (template_text(&usable[*i].1, svc.as_deref()), true, n),
                );
                continue;
            }
            for (i, _) in members {
                let whole = rests[i].clone();
                if out.contains_key(&whole) {
                    self.skip(
                        "dashboards",
                        &usable[i].0.dashboard_name,
                        "another dashboard template has its name",
                    );
                    continue;
                }
                out.insert(whole, (structure::literal(&usable[i].1), false, 1));
            }
        }
        // A dashboard named outside the prefix is one entry of its own,
        // keyed by its name without the environment's, named by `name`.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (d, text) in own_names {
            let mut key = without_env(&d.dashboard_name, &self.input.env);
            if out.contains_key(&key) {
                key = d.dashboard_name.clone();
            }
            if out.contains_key(&key) {
                self.skip(
                    "dashboards",
                    &d.dashboard_name,
                    "another dashboard template has its name",
                );
                continue;
            }
            names.insert(
                key.clone(),
                structure::envify(&d.dashboard_name, &self.input.env),
            );
            out.insert(key, (structure::literal(&text), false, 1));
        }
        for (name, (text, per_service, members)) in out {
            let file = format!("{name}.json.j2");
            let mut spec = Map::new();
            spec.insert("template".into(), json!(file));
            if let Some(own) = names.get(&name) {
                spec.insert("name".into(), json!(own));
            }
            if per_service {
                spec.insert("per".into(), json!("service"));
                for _ in 0..members {
                    self.imported("dashboards");
                }
            } else {
                self.imported("dashboards");
            }
            spec.insert("alarm_status".into(), json!(false));
            spec.insert("annotations".into(), json!(false));
            self.templates
                .insert(format!("templates/{file}"), text + "\n");
            self.dashboards_file
                .section("dashboards")
                .insert(name, Value::Object(spec));
        }
    }

    // ----------------------------------------------------------- mute rules

    fn mute_rules(&mut self) {
        let rules: Vec<&crate::resource::AlarmMuteRule> = self
            .input
            .resources
            .iter()
            .filter_map(|r| {
                if let Resource::AlarmMuteRule(m) = r {
                    Some(m.as_ref())
                } else {
                    None
                }
            })
            .collect();
        let base = format!("{}mute-", self.input.prefix);
        for rule in rules {
            let Some(wname) = rule.name.strip_prefix(&base).filter(|w| !w.is_empty()) else {
                self.skip(
                    "alarm-mute-rules",
                    &rule.name,
                    format!("obsctl names mute rules `{base}<window>`; this name cannot be kept"),
                );
                continue;
            };
            let targets: BTreeSet<&String> = rule.mute_targets.alarm_names.iter().collect();
            let placed: Option<Vec<&(Option<String>, String, bool)>> =
                targets.iter().map(|t| self.alarm_of.get(*t)).collect();
            let Some(placed) = placed.filter(|p| p.iter().all(|(_, _, n)| *n)) else {
                self.skip(
                    "alarm-mute-rules",
                    &rule.name,
                    "it mutes alarms that are not imported or do not notify",
                );
                continue;
            };
            let templates: BTreeSet<String> = placed.iter().map(|(_, t, _)| t.clone()).collect();
            let services: Option<BTreeSet<String>> =
                placed.iter().map(|(s, _, _)| s.clone()).collect();
            let chosen: BTreeSet<&String> = self
                .alarm_of
                .iter()
                .filter(|(_, (s, t, n))| {
                    *n && templates.contains(t)
                        && services
                            .as_ref()
                            .is_none_or(|list| s.as_ref().is_some_and(|s| list.contains(s)))
                })
                .map(|(name, _)| name)
                .collect();
            if chosen != targets {
                self.skip(
                    "alarm-mute-rules",
                    &rule.name,
                    "its alarms are not a choice of alarm templates and services",
                );
                continue;
            }
            let mut spec = Map::new();
            spec.insert("schedule".into(), json!(rule.rule.schedule.expression));
            spec.insert("duration".into(), json!(rule.rule.schedule.duration));
            spec.insert("timezone".into(), json!(rule.rule.schedule.timezone));
            if let Some(s) = &rule.start_date {
                spec.insert("start".into(), json!(s));
            }
            if let Some(e) = &rule.expire_date {
                spec.insert("expire".into(), json!(e));
            }
            if let Some(d) = &rule.description {
                spec.insert("description".into(), json!(d));
            }
            spec.insert("alarms".into(), json!(templates));
            if let Some(s) = services {
                spec.insert("services".into(), json!(s));
            }
            self.obsctl
                .section("mute")
                .insert(wname.to_string(), Value::Object(spec));
            self.imported("alarm-mute-rules");
        }
    }

    // --------------------------------------------------------------- files

    fn finish(mut self) -> Imported {
        // Templates are written for every environment: the environment's
        // name in their texts becomes `{{ env.name }}`, so a second
        // environment imported later renders its own.
        let env = self.input.env.clone();
        for (file, section) in [
            (&mut self.alarms_file, "alarms"),
            (&mut self.logs_file, "metric_filters"),
        ] {
            for spec in file.section(section).values_mut() {
                envify_strings(spec, &env);
            }
        }
        for spec in self.logs_file.section("queries").values_mut() {
            envify_strings(spec, &env);
        }
        for text in self.templates.values_mut() {
            *text = structure::envify(text, &env);
        }
        let all: BTreeSet<String> = self.services.keys().cloned().collect();
        let with_logs: BTreeSet<String> = self
            .services
            .iter()
            .filter(|(_, s)| s.log_group.is_some())
            .map(|(n, _)| n.clone())
            .collect();
        // `services:` lists that name every service are left out.
        let drop_full = |section: &mut Map<String, Value>, full: &BTreeSet<String>| {
            for spec in section.values_mut() {
                let Some(m) = spec.as_object_mut() else {
                    continue;
                };
                let listed: Option<BTreeSet<String>> =
                    m.get("services").and_then(Value::as_array).map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    });
                if listed.as_ref() == Some(full) {
                    m.remove("services");
                }
            }
        };
        drop_full(self.alarms_file.section("alarms"), &all);
        drop_full(self.logs_file.section("metric_filters"), &with_logs);
        drop_full(self.logs_file.section("queries"), &with_logs);
        // The environment's log-group pattern, when the services' groups
        // follow one.
        let pattern = count_mode(self.services.iter().filter_map(|(n, s)| {
            let g = s.log_group.as_ref()?;
            g.contains(n.as_str())
                .then(|| g.replace(n.as_str(), "{service}"))
        }));
        let mut services = Map::new();
        for (name, s) in &self.services {
            let mut spec = Map::new();
            if let Some(t) = self.titles.get(name) {
                spec.insert("title".into(), json!(t));
            }
            let dims: Map<String, Value> = self
                .vars
                .iter()
                .filter_map(|(var, values)| Some((var.clone(), json!(values.get(name)?))))
                .collect();
            if !dims.is_empty() {
                spec.insert("dimensions".into(), Value::Object(dims));
            }
            match (&s.log_group, &pattern) {
                (None, _) => {
                    spec.insert(
                        "log_group".into(),
                        json!(crate::catalogue::model::NO_LOG_GROUP),
                    );
                }
                (Some(g), Some(p)) if g.replace(name.as_str(), "{service}") == *p => {}
                (Some(g), _) => {
                    spec.insert("log_group".into(), json!(g));
                }
            }
            if !s.routes.is_empty() {
                spec.insert("routes".into(), Value::Object(s.routes.clone()));
            }
            if !s.alarms.is_empty() {
                spec.insert("alarms".into(), Value::Object(s.alarms.clone()));
            }
            services.insert(name.clone(), Value::Object(spec));
        }
        self.services_file
            .sections
            .insert("services".into(), services);
        // Metrics the applications publish: what the alarms watch in
        // custom namespaces that no imported filter publishes.
        let metrics = self.published_metrics();
        let mut env = Map::new();
        env.insert("region".into(), json!(self.input.region));
        if let Some(role) = &self.log_alarm_role {
            env.insert("log_alarm_role".into(), json!(role));
        }
        if !self.env_alarms.is_empty() {
            env.insert("alarms".into(), Value::Object(self.env_alarms.clone()));
        }
        if let Some(p) = &pattern {
            env.insert("log_group".into(), json!(p));
        }
        let o = &mut self.obsctl;
        o.other.insert("project".into(), json!(self.input.project));
        o.other.insert("namespace".into(), json!(self.namespace));
        o.other.insert(
            "environments".into(),
            json!({ self.input.env.clone(): env }),
        );
        if !metrics.is_empty() {
            o.sections.insert("metrics".into(), metrics);
            o.comment(
                "/metrics".into(),
                "Declared by import: the alarms watch these metrics, which no imported metric filter publishes. How the applications publish them (`kind`, `via`) is not known: check each one.".into(),
            );
        }
        if !self.input.external.is_empty() {
            let list: Vec<&String> = self.input.external.keys().collect();
            o.other.insert("external_namespaces".into(), json!(list));
            let mut lines = vec!["Declared external by import, so the catalogue validates: some metrics watched in these namespaces are not published as watched (see the import report):".to_string()];
            for (ns, why) in &self.input.external {
                for w in why {
                    lines.push(format!("  {ns}: {w}"));
                }
            }
            o.comments.insert("/external_namespaces".into(), lines);
        }
        let mut files = BTreeMap::new();
        let header = vec![format!(
            "Imported by `obsctl import` from environment {} ({}), names under {}.",
            self.input.env, self.input.region, self.input.prefix
        )];
        let mut include = Vec::new();
        for (file, part) in [
            ("services.yaml", &self.services_file),
            ("alarms.yaml", &self.alarms_file),
            ("dashboards.yaml", &self.dashboards_file),
            ("logs.yaml", &self.logs_file),
        ] {
            if !part.is_empty() {
                include.push(file.to_string());
                files.insert(
                    file.to_string(),
                    emit::yaml(&part.value(), &header, &part.comments),
                );
            }
        }
        self.obsctl.other.insert("include".into(), json!(include));
        files.insert(
            "obsctl.yaml".to_string(),
            emit::yaml(&self.obsctl.value(), &header, &self.obsctl.comments),
        );
        files.extend(self.templates);
        let lines: usize = files.values().map(|t| t.lines().count()).sum();
        self.report.catalogue_lines = lines;
        self.report.live_resources = self
            .input
            .resources
            .iter()
            .filter(|r| !matches!(r, Resource::LogGroup(_)))
            .count();
        self.report.secrets = self.secrets.keys().cloned().collect();
        self.report.structure = report::Structure {
            services: self.services.len(),
            alarm_templates: self.alarms_file.count("alarms"),
            severities: self.obsctl.count("severities"),
            dashboards: self.dashboards_file.count("dashboards"),
            metric_filters: self.logs_file.count("metric_filters"),
            queries: self.logs_file.count("queries"),
        };
        Imported {
            files,
            secrets: self.secrets,
            report: self.report,
        }
    }

    fn published_metrics(&self) -> Map<String, Value> {
        // Namespaces AWS publishes (the provenance table) are never declared.
        let aws = crate::provenance::aws::sources();
        let mut sets: BTreeMap<(String, String), BTreeSet<Vec<String>>> = BTreeMap::new();
        for r in self.input.resources {
            let Resource::MetricAlarm(a) = r else {
                continue;
            };
            if !self.alarm_of.contains_key(&a.alarm_name) {
                continue;
            }
            let mut watch = |ns: &str, m: &str, dims: &[crate::resource::Dimension]| {
                if ns.starts_with("AWS/") || self.input.external.contains_key(ns) {
                    return;
                }
                let mut names: Vec<String> = dims.iter().map(|d| d.name.clone()).collect();
                names.sort();
                sets.entry((ns.to_string(), m.to_string()))
                    .or_default()
                    .insert(names);
            };
            if let (Some(ns), Some(m)) = (&a.namespace, &a.metric_name) {
                watch(ns, m, &a.dimensions);
            }
            for q in &a.metrics {
                if let Some(s) = &q.metric_stat {
                    watch(
                        &s.metric.namespace,
                        &s.metric.metric_name,
                        &s.metric.dimensions,
                    );
                }
            }
        }
        // Metric rows of the dashboards: `[namespace, metric, name, value, …, {options}]`.
        for r in self.input.resources {
            let Resource::Dashboard(d) = r else {
                continue;
            };
            let body = d.body.value();
            let widgets = body.get("widgets").and_then(Value::as_array);
            for w in widgets.into_iter().flatten() {
                let rows = w.pointer("/properties/metrics").and_then(Value::as_array);
                for row in rows.into_iter().flatten() {
                    let Some(parts) = row.as_array() else {
                        continue;
                    };
                    let texts: Vec<&str> = parts.iter().map_while(Value::as_str).collect();
                    let (Some(ns), Some(m)) = (texts.first(), texts.get(1)) else {
                        continue;
                    };
                    if ns.starts_with("AWS/")
                        || self.input.external.contains_key(*ns)
                        || !texts.len().is_multiple_of(2)
                    {
                        continue;
                    }
                    let names: Vec<String> = texts[2..]
                        .iter()
                        .step_by(2)
                        .map(|n| n.to_string())
                        .collect();
                    let mut names = names;
                    names.sort();
                    sets.entry((ns.to_string(), m.to_string()))
                        .or_default()
                        .insert(names);
                }
            }
        }
        let mut out = Map::new();
        for ((ns, metric), dims) in sets {
            if self.filter_metrics.contains(&(ns.clone(), metric.clone()))
                || out.contains_key(&metric)
                || aws.knows_namespace(&ns)
            {
                continue;
            }
            let mut spec = Map::new();
            if ns != self.namespace {
                spec.insert("namespace".into(), json!(ns));
            }
            spec.insert("dimensions".into(), json!(dims));
            spec.insert("kind".into(), json!("timer"));
            spec.insert("via".into(), json!("put-metric-data"));
            out.insert(metric, Value::Object(spec));
        }
        out
    }
}

/// JSON pointers of the string leaves of `v`.
/// A saved query's catalogue key from a name of its own: lower case,
/// words joined by `-` (`Errors by status` → `errors-by-status`).
fn query_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
    }
    let key = key.trim_end_matches('-').to_string();
    if key.is_empty() { "query".into() } else { key }
}

/// `name` without the environment's name where it stands as a word
/// between `-` or `_` separators (`oncall-prod` → `oncall`); `name` itself
/// when nothing else is left.
fn without_env(name: &str, env: &str) -> String {
    // Words with the separator that follows each: `team_`, `prod_`, `pager`.
    let words: Vec<&str> = name.split_inclusive(['-', '_']).collect();
    let is_env = |w: &&str| w.trim_end_matches(['-', '_']) == env;
    if env.is_empty() || words.iter().all(is_env) {
        return name.to_string();
    }
    let kept: String = words.into_iter().filter(|w| !is_env(w)).collect();
    kept.trim_end_matches(['-', '_']).to_string()
}

/// [`structure::envify`] on every string of a template's body.
fn envify_strings(v: &mut Value, env: &str) {
    match v {
        Value::String(s) => *s = structure::envify(s, env),
        Value::Array(a) => a.iter_mut().for_each(|x| envify_strings(x, env)),
        Value::Object(m) => m.values_mut().for_each(|x| envify_strings(x, env)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at),
        Value::Object(m) => {
            for (k, x) in m {
                string_leaves(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                string_leaves(x, format!("{at}/{i}"), out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn blank_strings(v: &mut Value) {
    match v {
        Value::String(s) => s.clear(),
        Value::Object(m) => m.values_mut().for_each(blank_strings),
        Value::Array(a) => a.iter_mut().for_each(blank_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// What a composite (under service `svc`) writes for the alarm `name`.
fn reference(
    alarm_of: &BTreeMap<String, (Option<String>, String, bool)>,
    name: &str,
    svc: Option<&str>,
) -> Option<String> {
    let (s, t, _) = alarm_of.get(name)?;
    Some(match s {
        None => t.clone(),
        Some(s) if Some(s.as_str()) == svc => t.clone(),
        Some(s) => format!("{s}/{t}"),
    })
}

/// The shape of an alarm under a hypothesis (see [`structure`]).
fn shape_of(r: &Read, svc: Option<&str>, refs: &dyn Fn(&str) -> Option<String>) -> String {
    shape(r, svc, refs, true)
}

/// The shape; `loose` leaves out the texts that may differ per service
/// in a value of its own (descriptions, math expressions), which
/// [`Builder::unify`] then turns into service titles and values.
fn shape(
    r: &Read,
    svc: Option<&str>,
    refs: &dyn Fn(&str) -> Option<String>,
    loose: bool,
) -> String {
    let mut body = alarms::body(r, svc, refs)
        .map(Value::Object)
        .unwrap_or(Value::Null);
    if loose && let Some(m) = body.as_object_mut() {
        if m.remove("description").is_some() {
            m.insert("description".into(), json!(""));
        }
        if let Some(Value::Object(queries)) = m.get_mut("queries") {
            for q in queries.values_mut() {
                if let Some(e) = q.get_mut("expression") {
                    *e = json!("");
                }
            }
        }
    }
    // Which settings are set at all is part of the shape (an override can
    // set a value, never unset one).
    let set: Vec<&str> = alarms::settings_json(&r.settings).keys().copied().collect();
    format!(
        "{}\0{}",
        serde_json::to_string(&body).unwrap_or_default(),
        set.join(",")
    )
}

fn kind_of(r: &Read) -> &'static str {
    match r.live {
        alarms::Live::Composite(_) => "composite-alarms",
        alarms::Live::Log(_) => "log-alarms",
        alarms::Live::Metric(_) => "metric-alarms",
    }
}

/// A template's settings and how members differ from them.
struct TemplateSettings {
    fields: BTreeMap<&'static str, Value>,
    /// Effective values (defaults applied) to compare members with.
    effective: Settings,
}

fn template_settings<'s>(members: impl Iterator<Item = &'s Settings> + Clone) -> TemplateSettings {
    fn pick<T: Clone + PartialOrd>(values: Vec<Option<T>>) -> Option<T> {
        if values.iter().any(Option::is_none) {
            return None;
        }
        // The most common value (first on ties, by order of appearance).
        let mut best: Option<(T, usize)> = None;
        for v in values.iter().flatten() {
            let n = values.iter().flatten().filter(|x| *x == v).count();
            if best.as_ref().is_none_or(|(_, c)| n > *c) {
                best = Some((v.clone(), n));
            }
        }
        best.map(|(v, _)| v)
    }
    let all: Vec<&Settings> = members.collect();
    let mut t = Settings {
        threshold: pick(all.iter().map(|s| s.threshold).collect()),
        period: pick(all.iter().map(|s| s.period).collect()),
        evaluation_periods: pick(all.iter().map(|s| s.evaluation_periods).collect()),
        datapoints_to_alarm: None,
        treat_missing_data: pick(all.iter().map(|s| s.treat_missing_data.clone()).collect()),
        low_sample: pick(all.iter().map(|s| s.low_sample.clone()).collect()),
        band_width: pick(all.iter().map(|s| s.band_width).collect()),
        runbook: pick(all.iter().map(|s| s.runbook.clone()).collect()),
    };
    // M is written only where it is not N.
    if all
        .iter()
        .any(|s| s.datapoints_to_alarm != s.evaluation_periods)
    {
        t.datapoints_to_alarm = pick(all.iter().map(|s| s.datapoints_to_alarm).collect());
    }
    let mut written = t.clone();
    // AWS's and obsctl's defaults are left out.
    if written.period == Some(300) {
        written.period = None;
    }
    if written.evaluation_periods == Some(1) {
        written.evaluation_periods = None;
    }
    if written.treat_missing_data.as_deref() == Some("missing") {
        written.treat_missing_data = None;
    }
    if written.band_width == Some(2.0) {
        written.band_width = None;
    }
    let mut effective = t;
    effective.period = effective.period.or(Some(300));
    effective.evaluation_periods = effective.evaluation_periods.or(Some(1));
    effective.treat_missing_data = effective.treat_missing_data.or(Some("missing".into()));
    effective.band_width = effective.band_width.or(Some(2.0));
    TemplateSettings {
        fields: alarms::settings_json(&written),
        effective,
    }
}

impl TemplateSettings {
    /// A member's override: the settings where it differs.
    fn overrides(&self, s: &Settings) -> Map<String, Value> {
        let e = &self.effective;
        let mut o = Settings::default();
        if s.threshold != e.threshold {
            o.threshold = s.threshold;
        }
        if s.period.is_some() && s.period != e.period {
            o.period = s.period;
        }
        let n = if s.evaluation_periods != e.evaluation_periods {
            o.evaluation_periods = s.evaluation_periods;
            s.evaluation_periods
        } else {
            e.evaluation_periods
        };
        let m = e.datapoints_to_alarm.or(n);
        if s.datapoints_to_alarm != m {
            o.datapoints_to_alarm = s.datapoints_to_alarm;
        }
        if s.treat_missing_data != e.treat_missing_data {
            o.treat_missing_data = s.treat_missing_data.clone();
        }
        if s.low_sample != e.low_sample {
            o.low_sample = s.low_sample.clone();
        }
        if s.band_width.is_some() && s.band_width != e.band_width {
            o.band_width = s.band_width;
        }
        if s.runbook != e.runbook {
            o.runbook = s.runbook.clone();
        }
        alarms::settings_json(&o)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
}

/// A metric filter as a `metric_filters` entry under a service hypothesis.
fn filter_spec(f: &MetricFilter, svc: Option<&str>, namespace: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let Some(t) = f.metric_transformations.first() else {
        return m;
    };
    m.insert(
        "pattern".into(),
        json!(template_text(&f.filter_pattern, svc)),
    );
    m.insert("metric".into(), json!(template_text(&t.metric_name, svc)));
    if t.metric_namespace != namespace {
        m.insert(
            "namespace".into(),
            json!(template_text(&t.metric_namespace, svc)),
        );
    }
    if t.metric_value != "1" {
        m.insert("value".into(), json!(t.metric_value));
    }
    if let Some(d) = t.default_value {
        m.insert(
            "default".into(),
            crate::resource::canonical::canonical(json!(d)),
        );
    }
    if let Some(u) = &t.unit {
        m.insert("unit".into(), json!(u));
    }
    if !t.dimensions.is_empty() {
        m.insert("dimensions".into(), json!(t.dimensions));
    }
    m
}

/// A query's text without obsctl's ownership marker line.
fn unmarked(query: &str) -> String {
    let kept: Vec<&str> = query
        .lines()
        .filter(|l| !l.trim().starts_with("# managed by obsctl:"))
        .collect();
    kept.join("\n")
}

#[cfg(test)]
mod tests;
