//! Test files → cases: each test expanded for every environment it runs in
//! and, when parameterised, every service; strings rendered with the
//! template placeholders, times parsed, alarm and filter names resolved to
//! the names compiled for that environment. Every mistake is a located
//! problem; a case is only built when its test is sound.

use crate::catalogue::model::{AlarmState, Expectation, TestSpec};
use crate::catalogue::suggest::{did_you_mean, nearest};
use crate::catalogue::{Catalogue, Item};
use crate::compile::undefined::{is_undefined, undefined_name};
use crate::compile::{Ctx, DesiredState, Templates, fill};
use crate::diagnostic::{Origin, Problems};
use crate::engine::alarm::{Series, State};
use crate::notation::{duration, sample, series, stat_set, utc_time};
use crate::resource::{Kind, Resource};
use std::collections::{BTreeMap, BTreeSet};

/// Most log events one input may write.
pub const MAX_EVENTS: usize = 1_000_000;

/// A usage metric's identity: namespace, name, dimensions sorted by name.
pub type UsageMetric = (String, String, Vec<(String, String)>);

/// One expanded test: a test in one environment, for one service or none.
#[derive(Debug, Clone)]
pub struct Case {
    /// The test's name in the catalogue.
    pub test: String,
    /// Environment.
    pub env: String,
    /// The service of a parameterised run.
    pub service: Option<String>,
    /// Where the test is written.
    pub origin: Origin,
    /// Log events.
    pub logs: Vec<LogBatch>,
    /// Metric samples given directly.
    pub samples: Vec<Sample>,
    /// Statistic sets given directly.
    pub sets: Vec<SetSample>,
    /// Anomaly bands by alarm name.
    pub bands: BTreeMap<String, (Series, Series)>,
    /// Log alarms' query results given directly, by alarm name: one value
    /// per scheduled run (`None`: no result).
    pub query_results: BTreeMap<String, Series>,
    /// Service quotas by usage metric (namespace, name, dimensions), one
    /// value per alarm period.
    pub quotas: BTreeMap<UsageMetric, Series>,
    /// Contributor Insights metrics by (rule, metric), one value per alarm
    /// period.
    pub insight_rules: BTreeMap<(String, String), Series>,
    /// Seconds since the Unix epoch (UTC) at the test's time 0.
    pub start: i64,
    /// What must hold.
    pub checks: Vec<Check>,
    /// The last time the test mentions.
    pub horizon: i64,
}

impl Case {
    /// Display name: `test [env, service]`.
    pub fn name(&self) -> String {
        match &self.service {
            Some(s) => format!("{} [{}, {s}]", self.test, self.env),
            None => format!("{} [{}]", self.test, self.env),
        }
    }
}

/// Log lines written to a group at several times: each line `count` times
/// at each time. Kept unexpanded, so a line is matched once however often
/// it is written.
#[derive(Debug, Clone)]
pub struct LogBatch {
    /// Log group.
    pub group: String,
    /// Seconds from the start.
    pub times: Vec<i64>,
    /// The lines.
    pub lines: Vec<String>,
    /// Copies of each line at each time.
    pub count: usize,
}

/// One metric sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub metric: String,
    /// Dimensions.
    pub dimensions: BTreeMap<String, String>,
    /// Seconds from the start.
    pub t: i64,
    /// Value.
    pub value: f64,
}

/// One statistic set of a metric (PutMetricData `StatisticValues`).
#[derive(Debug, Clone, PartialEq)]
pub struct SetSample {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub metric: String,
    /// Dimensions.
    pub dimensions: BTreeMap<String, String>,
    /// The set and its time.
    pub set: crate::engine::alarm::StatSet,
}

/// One expectation, resolved.
#[derive(Debug, Clone)]
pub enum Check {
    /// An alarm's state and route at a time.
    Alarm {
        /// Full alarm name.
        alarm: String,
        /// Seconds from the start; `None`: the test's end (its last time,
        /// [`Case::horizon`]).
        at: Option<i64>,
        /// Expected state.
        state: Option<State>,
        /// Expected topics (catalogue names) of the last change into `state`.
        notifies: Option<Vec<String>>,
        /// Expected subscriptions, `protocol:endpoint`.
        endpoints: Option<Vec<String>>,
        /// When the notification is sent: exactly at, or at the latest by.
        sent: Option<Sent>,
        /// Whether its actions are muted at `at` (a `mute:` window).
        muted: Option<bool>,
        /// Where it is written.
        origin: Origin,
    },
    /// What a filter publishes for a line.
    Filter {
        /// Full filter name.
        filter: String,
        /// The line.
        line: String,
        /// Whether it matches.
        matches: bool,
        /// Published value.
        value: Option<f64>,
        /// Published dimensions.
        dimensions: Option<BTreeMap<String, String>>,
        /// Where it is written.
        origin: Origin,
    },
}

/// An expectation about when a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// `notifies_at`: exactly at (seconds from the start).
    At(i64),
    /// `notifies_by`: at or before.
    By(i64),
    /// `notifies_at: never`: never sent (suppressed, or discarded by a later
    /// change), within the test.
    Never,
}

impl Check {
    /// Where the expectation is written.
    pub fn origin(&self) -> &Origin {
        match self {
            Check::Alarm { origin, .. } | Check::Filter { origin, .. } => origin,
        }
    }
}

/// Expands every test (whose name contains `filter`) for the compiled
/// environments in `states`. A mistake in a parameterised test is the same
/// mistake for every service and environment: it is recorded once.
pub fn expand(
    cat: &Catalogue,
    states: &[DesiredState],
    filter: Option<&str>,
    problems: &mut Problems,
) -> Vec<Case> {
    let mut cases = Vec::new();
    expand_into(cat, states, filter, problems, true, &mut |case| {
        cases.push(case)
    });
    cases
}

/// Checks every test as [`expand`] does, keeping no case: `validate` and
/// `render` locate test-file mistakes without holding every expanded
/// series in memory (each case is dropped as soon as it is built).
pub fn check(cat: &Catalogue, states: &[DesiredState], problems: &mut Problems) {
    expand_into(cat, states, None, problems, false, &mut |_| {});
}

/// Expands the tests, handing each case to `keep` as it is built (without
/// its metric samples unless `samples`: checking needs them parsed, not
/// stored).
fn expand_into(
    cat: &Catalogue,
    states: &[DesiredState],
    filter: Option<&str>,
    problems: &mut Problems,
    samples: bool,
    keep: &mut dyn FnMut(Case),
) {
    let templates = Templates::new(cat);
    // Per environment, once: template contexts and filter names.
    let envs: Vec<(&DesiredState, crate::compile::EnvContexts, BTreeSet<String>)> = states
        .iter()
        .filter_map(|state| {
            let contexts = templates.contexts(cat, &state.env)?;
            let filters = state
                .resources
                .values()
                .filter_map(|r| {
                    let Resource::MetricFilter(f) = r else {
                        return None;
                    };
                    Some(f.filter_name.clone())
                })
                .collect();
            Some((state, contexts, filters))
        })
        .collect();
    for (name, test) in &cat.tests {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut undefined = |field: &str, what: &str, names: &[String], known: Vec<&str>| {
            for n in names.iter().filter(|n| !known.contains(&n.as_str())) {
                cat.problem_once(
                    problems,
                    &test.origin.child(field),
                    format!("test `{name}` names {what} `{n}`, which is not defined"),
                    did_you_mean(n, known.iter().copied()),
                );
            }
        };
        undefined(
            "environments",
            "environment",
            &test.environments,
            cat.environments.keys().map(String::as_str).collect(),
        );
        if let Some(list) = &test.services {
            undefined(
                "services",
                "service",
                list,
                cat.services.keys().map(String::as_str).collect(),
            );
        }
        if test.spec.expect.is_empty() {
            cat.problem_once(
                problems,
                &test.origin,
                format!(
                    "test `{name}` has no expectations: it would pass without testing anything"
                ),
                Some("add `expect:` with at least one `alarm:` or `filter:` expectation".into()),
            );
        }
        let before = problems.0.len();
        let mut found = 0;
        // Per expectation and band: resolved in at least one run.
        let mut resolved = Resolved::new(&test.spec);
        for (state, contexts, filters) in &envs {
            let state: &DesiredState = state;
            if !test.environments.is_empty() && !test.environments.contains(&state.env) {
                continue;
            }
            let per_service = test.for_each_service || test.services.is_some();
            if !per_service {
                let x = Expander::new(cat, state, filters, &templates, name, test, None);
                // Like a parameterised test, it runs where every name resolves:
                // no expectation is ever dropped silently.
                if !resolved.record(&x) {
                    continue;
                }
                if let Some(case) = x.case(&contexts.env, None, problems, samples) {
                    keep(case);
                    found += 1;
                }
                continue;
            }
            for svc in &contexts.services {
                if test
                    .services
                    .as_ref()
                    .is_some_and(|l| !l.contains(&svc.name))
                {
                    continue;
                }
                // Nor for a service without logs when the test writes to the
                // service's own log group.
                if svc.log_group.is_none() && test.spec.logs.iter().any(|l| l.group.is_none()) {
                    continue;
                }
                let x = Expander::new(cat, state, filters, &templates, name, test, Some(&svc.name));
                // A parameterised test runs for the services that have every
                // alarm and filter it names.
                if !resolved.record(&x) {
                    continue;
                }
                if let Some(case) = x.case(&svc.ctx, svc.log_group.as_deref(), problems, samples) {
                    keep(case);
                    found += 1;
                }
            }
        }
        let runs_in = envs
            .iter()
            .find(|(s, _, _)| test.environments.is_empty() || test.environments.contains(&s.env));
        // An environment it runs in was compiled: every name must resolve in
        // some run, and some run must have them all.
        if let Some((state, _, filters)) = runs_in {
            let x = Expander::new(cat, state, filters, &templates, name, test, None);
            let unresolved = x.report_unresolved(&resolved, problems);
            if found == 0 && !unresolved && problems.0.len() == before {
                x.report_no_case(problems);
            }
        }
    }
}

/// Which expectations and bands of a test resolved in at least one run.
struct Resolved {
    expect: Vec<bool>,
    bands: Vec<bool>,
    results: Vec<bool>,
}

impl Resolved {
    fn new(t: &TestSpec) -> Self {
        Resolved {
            expect: vec![false; t.expect.len()],
            bands: vec![false; t.bands.len()],
            results: vec![false; t.query_results.len()],
        }
    }

    /// Records which names resolve in the run of `x`; true when all do.
    fn record(&mut self, x: &Expander) -> bool {
        let t = &x.test.spec;
        let mut all = true;
        for (seen, e) in self.expect.iter_mut().zip(&t.expect) {
            let ok = match (&e.alarm, &e.filter) {
                (Some(a), None) => x.alarm(a).is_some(),
                (None, Some(f)) => x.filter(f).is_some(),
                // No one name: the expectation's own mistake, reported
                // where it is read.
                (Some(_), Some(_)) | (None, None) => true,
            };
            *seen |= ok;
            all &= ok;
        }
        for (seen, b) in self.bands.iter_mut().zip(&t.bands) {
            let ok = x.alarm(&b.alarm).is_some();
            *seen |= ok;
            all &= ok;
        }
        for (seen, r) in self.results.iter_mut().zip(&t.query_results) {
            let ok = x.alarm(&r.alarm).is_some();
            *seen |= ok;
            all &= ok;
        }
        all
    }
}

struct Expander<'a> {
    cat: &'a Catalogue,
    state: &'a DesiredState,
    filters: &'a BTreeSet<String>,
    templates: &'a Templates,
    name: &'a str,
    test: &'a Item<TestSpec>,
    service: Option<&'a str>,
}

impl<'a> Expander<'a> {
    fn new(
        cat: &'a Catalogue,
        state: &'a DesiredState,
        filters: &'a BTreeSet<String>,
        templates: &'a Templates,
        name: &'a str,
        test: &'a Item<TestSpec>,
        service: Option<&'a str>,
    ) -> Self {
        Expander {
            cat,
            state,
            filters,
            templates,
            name,
            test,
            service,
        }
    }

    /// Resolves an alarm reference: template of the run's service, then
    /// environment-wide template, then `service/template`, then a full name.
    fn alarm(&self, reference: &str) -> Option<String> {
        let exists = |n: &str| {
            self.state
                .resources
                .contains_key(&(Kind::MetricAlarm, n.to_string()))
                || self
                    .state
                    .resources
                    .contains_key(&(Kind::CompositeAlarm, n.to_string()))
                || self
                    .state
                    .resources
                    .contains_key(&(Kind::LogAlarm, n.to_string()))
        };
        // An alarm may be named by its override's `name`.
        let name = |svc: Option<&str>, t: &str| {
            self.state
                .alarm_name(&self.cat.naming, &self.cat.project, svc, t)
        };
        self.resolve(reference, &name, &exists)
    }

    fn filter(&self, reference: &str) -> Option<String> {
        let exists = |n: &str| self.filters.contains(n);
        let name = |svc: Option<&str>, t: &str| {
            fill(&self.cat.naming, &self.cat.project, &self.state.env, svc, t)
        };
        self.resolve(reference, &name, &exists)
    }

    fn resolve(
        &self,
        reference: &str,
        name: &dyn Fn(Option<&str>, &str) -> String,
        exists: &dyn Fn(&str) -> bool,
    ) -> Option<String> {
        let mut candidates = Vec::new();
        if let Some(svc) = self.service {
            candidates.push(name(Some(svc), reference));
        }
        candidates.push(name(None, reference));
        if let Some((svc, t)) = reference.split_once('/') {
            candidates.push(name(Some(svc), t));
        }
        candidates.push(reference.to_string());
        candidates.into_iter().find(|c| exists(c))
    }

    /// Reports every expectation and band whose name resolved in no run
    /// (at the name, with the nearest template); true when there was one.
    fn report_unresolved(&self, resolved: &Resolved, problems: &mut Problems) -> bool {
        let t = &self.test.spec;
        let templates: Vec<&str> = self.cat.alarms.keys().map(String::as_str).collect();
        let filters: Vec<&str> = self.cat.metric_filters.keys().map(String::as_str).collect();
        let mut any = false;
        for ((i, e), seen) in t.expect.iter().enumerate().zip(&resolved.expect) {
            if *seen {
                continue;
            }
            let o = self.test.origin.child(&format!("expect/{i}"));
            let (field, what, reference, known) = match (&e.alarm, &e.filter) {
                (Some(a), None) => ("alarm", "alarm", a, &templates),
                (None, Some(f)) => ("filter", "metric filter", f, &filters),
                (Some(_), Some(_)) | (None, None) => continue,
            };
            self.unknown(problems, &o.child(field), what, reference, known);
            any = true;
        }
        for ((i, b), seen) in t.bands.iter().enumerate().zip(&resolved.bands) {
            if !*seen {
                let o = self.test.origin.child(&format!("bands/{i}/alarm"));
                self.unknown(problems, &o, "alarm", &b.alarm, &templates);
                any = true;
            }
        }
        for ((i, r), seen) in t.query_results.iter().enumerate().zip(&resolved.results) {
            if !*seen {
                let o = self.test.origin.child(&format!("query_results/{i}/alarm"));
                self.unknown(problems, &o, "alarm", &r.alarm, &templates);
                any = true;
            }
        }
        any
    }

    /// Every name resolves somewhere, but never all in one run.
    fn report_no_case(&self, problems: &mut Problems) {
        let per_service = self.test.spec.for_each_service || self.test.spec.services.is_some();
        let help = if per_service {
            "no service has every alarm and filter it names: split the test, or name other services' alarms `service/template`"
        } else {
            "no environment has every alarm and filter it names: check its `environments`, or split the test"
        };
        self.cat.problem_once(
            problems,
            &self.test.origin,
            format!(
                "test `{}` runs nowhere: it expands to no test case",
                self.name
            ),
            Some(help.into()),
        );
    }

    fn unknown(&self, problems: &mut Problems, o: &Origin, what: &str, r: &str, known: &[&str]) {
        let per_service = self.test.spec.for_each_service || self.test.spec.services.is_some();
        let help = if known.contains(&r) && !per_service {
            Some(format!(
                "`{r}` is a template, and this test is not per service: name the {what} `service/{r}`, or set `for_each_service: true`"
            ))
        } else if known.contains(&r) {
            Some(format!(
                "`{r}` generates no {what} in environment `{}` for the services this test runs for (disabled, or restricted with `services:`)",
                self.state.env
            ))
        } else {
            match r.split_once('/') {
                Some((svc, t)) => nearest(t, known.iter().copied())
                    .map(|near| format!("did you mean `{svc}/{near}`?")),
                None => did_you_mean(r, known.iter().copied()),
            }
        }
        .or_else(|| {
            Some(format!(
                "name a template ({}), `service/template` or a full name",
                known.join(", ")
            ))
        });
        self.cat.problem_once(
            problems,
            o,
            format!(
                "test `{}`: no {what} `{r}` in any environment it runs in",
                self.name
            ),
            help,
        );
    }

    /// `ctx` with the effective configuration of the run's metric alarms
    /// (after environment and service overrides, never mutated: cases are
    /// expanded once, before `--mutate` changes any alarm): `alarms` by
    /// template and by every reference the test writes in `alarm:`, and
    /// `alarm` when the test names exactly one metric alarm.
    fn with_alarms(&self, ctx: &Ctx) -> Ctx {
        let t = &self.test.spec;
        let config = |name: &str| {
            let Some(Resource::MetricAlarm(a)) = self
                .state
                .resources
                .get(&(Kind::MetricAlarm, name.to_string()))
            else {
                return None;
            };
            Some(alarm_config(a))
        };
        let mut alarms = serde_json::Map::new();
        for template in self.cat.alarms.keys() {
            if let Some(c) = self.alarm(template).and_then(|n| config(&n)) {
                alarms.insert(template.clone(), c);
            }
        }
        let mut named = BTreeSet::new();
        let references = t
            .expect
            .iter()
            .filter_map(|e| e.alarm.as_ref())
            .chain(t.bands.iter().map(|b| &b.alarm));
        for r in references {
            if let Some(n) = self.alarm(r)
                && let Some(c) = config(&n)
            {
                alarms.insert(r.clone(), c);
                named.insert(n);
            }
        }
        let one = match named.iter().next() {
            Some(n) if named.len() == 1 => config(n),
            Some(_) | None => None,
        };
        let mut extra = vec![crate::compile::to_ctx(
            serde_json::json!({ "alarms": alarms }),
        )];
        if let Some(one) = one {
            extra.push(crate::compile::to_ctx(serde_json::json!({ "alarm": one })));
        }
        extra.push(ctx.clone());
        minijinja::value::merge_maps(extra)
    }

    fn case(
        &self,
        ctx: &Ctx,
        log_group: Option<&str>,
        problems: &mut Problems,
        keep_samples: bool,
    ) -> Option<Case> {
        let t = &self.test.spec;
        let o = &self.test.origin;
        let mut case = Case {
            test: self.name.to_string(),
            env: self.state.env.clone(),
            service: self.service.map(str::to_string),
            origin: o.clone(),
            logs: Vec::new(),
            samples: Vec::new(),
            sets: Vec::new(),
            bands: BTreeMap::new(),
            query_results: BTreeMap::new(),
            quotas: BTreeMap::new(),
            insight_rules: BTreeMap::new(),
            start: 0,
            checks: Vec::new(),
            horizon: 0,
        };
        let mut p = Parse {
            x: self,
            ctx,
            with_alarms: std::cell::OnceCell::new(),
            problems,
            failed: false,
        };
        for (i, input) in t.logs.iter().enumerate() {
            let io = o.child(&format!("logs/{i}"));
            let group = match (&input.group, log_group) {
                (Some(g), _) => p.text(g, &io.child("group")),
                (None, Some(g)) => Some(g.to_string()),
                (None, None) => {
                    match p.x.service {
                        Some(service) => p.problem(
                            &io,
                            format!("log input without `group` for service `{service}`, which writes no logs (`log_group: none`)"),
                            "name the log group, or leave the service out with `services:`",
                        ),
                        None => p.problem(
                            &io,
                            "log input without `group` in a test that is not per service".into(),
                            "name the log group, or set `for_each_service: true`",
                        ),
                    }
                    None
                }
            };
            let at = p.time(input.at.as_deref(), &io.child("at")).unwrap_or(0);
            let every = input
                .every
                .as_deref()
                .and_then(|e| p.time(Some(e), &io.child("every")));
            let until = input
                .until
                .as_deref()
                .and_then(|u| p.time(Some(u), &io.child("until")));
            let times: Vec<i64> = match (every, until) {
                (Some(e), Some(u)) if e > 0 => {
                    let n = ((u - at).max(0) + e - 1) / e;
                    if n as usize > crate::notation::MAX_STEPS {
                        p.problem(&io, "more than 100000 repetitions".into(), "raise `every`");
                        Vec::new()
                    } else {
                        (0..n).map(|k| at + k * e).collect()
                    }
                }
                (None, None) => vec![at],
                _ => {
                    p.problem(
                        &io,
                        "`every` and `until` go together (and `every` is more than 0s)".into(),
                        "write both: `every: 10s`, `until: 10m`",
                    );
                    Vec::new()
                }
            };
            let lines: Vec<String> = input
                .lines
                .iter()
                .enumerate()
                .filter_map(|(k, l)| p.text(l, &io.child(&format!("lines/{k}"))))
                .collect();
            let count = input.count.unwrap_or(1) as usize;
            if times
                .len()
                .saturating_mul(lines.len())
                .saturating_mul(count)
                > MAX_EVENTS
            {
                p.problem(
                    &io,
                    format!("more than {MAX_EVENTS} log events"),
                    "lower `count` or raise `every`",
                );
            } else if let Some(group) = group {
                if let Some(last) = times.last() {
                    case.horizon = case.horizon.max(*last);
                }
                case.logs.push(LogBatch {
                    group,
                    times,
                    lines,
                    count,
                });
            }
        }
        for (i, input) in t.metrics.iter().enumerate() {
            let io = o.child(&format!("metrics/{i}"));
            let namespace = match &input.namespace {
                Some(n) => p.text(n, &io.child("namespace")),
                None => Some(self.cat.namespace.clone()),
            };
            let metric = p.text(&input.metric, &io.child("metric"));
            let mut dimensions = BTreeMap::new();
            for (k, v) in &input.dimensions {
                if let Some(v) = p.text(v, &io.child("dimensions").key(k)) {
                    dimensions.insert(k.clone(), v);
                }
            }
            let (Some(namespace), Some(metric)) = (namespace, metric) else {
                continue;
            };
            let push = |t: i64, value: f64, case: &mut Case| {
                case.horizon = case.horizon.max(t);
                if !keep_samples {
                    return;
                }
                case.samples.push(Sample {
                    namespace: namespace.clone(),
                    metric: metric.clone(),
                    dimensions: dimensions.clone(),
                    t,
                    value,
                });
            };
            if input.values.is_none() && input.samples.is_empty() && input.sets.is_empty() {
                p.problem(
                    &io,
                    "a metric input needs `values`, `samples` or `sets`".into(),
                    "e.g. `values: \"1 1 _ 5x3\"`",
                );
            }
            if let Some(values) = &input.values {
                let at = p.time(input.at.as_deref(), &io.child("at")).unwrap_or(0);
                let every = p
                    .time(
                        Some(input.every.as_deref().unwrap_or("1m")),
                        &io.child("every"),
                    )
                    .unwrap_or(60);
                if every == 0 {
                    p.problem(
                        &io.child("every"),
                        "`every` must be more than 0s".into(),
                        "e.g. `1m`",
                    );
                }
                let values = p.text(values, &io.child("values")).unwrap_or_default();
                match series(&values) {
                    Ok(list) => {
                        for (k, v) in list.into_iter().enumerate() {
                            if let Some(v) = v {
                                push(at + k as i64 * every, v, &mut case);
                            } else {
                                case.horizon = case.horizon.max(at + k as i64 * every);
                            }
                        }
                    }
                    Err(e) => p.problem(
                        &io.child("values"),
                        e,
                        "see \"Testing your monitoring\" in the README",
                    ),
                }
            }
            for (k, s) in input.samples.iter().enumerate() {
                let so = io.child(&format!("samples/{k}"));
                let Some(s) = p.text(s, &so) else { continue };
                match sample(&s) {
                    Ok((t, v)) => push(t, v, &mut case),
                    Err(e) => p.problem(&so, e, "e.g. `\"90s 250\"`"),
                }
            }
            for (k, s) in input.sets.iter().enumerate() {
                let so = io.child(&format!("sets/{k}"));
                let Some(s) = p.text(s, &so) else { continue };
                match stat_set(&s) {
                    Ok(set) => {
                        case.horizon = case.horizon.max(set.t);
                        if keep_samples {
                            case.sets.push(SetSample {
                                namespace: namespace.clone(),
                                metric: metric.clone(),
                                dimensions: dimensions.clone(),
                                set,
                            });
                        }
                    }
                    Err(e) => p.problem(
                        &so,
                        e,
                        "a statistic set is `TIME SampleCount Sum Minimum Maximum`, e.g. `\"1m 10 500 20 80\"`",
                    ),
                }
            }
        }
        for (i, band) in t.bands.iter().enumerate() {
            let bo = o.child(&format!("bands/{i}"));
            let Some(alarm) = self.alarm(&band.alarm) else {
                continue;
            };
            let mut bound = |raw: &str, field: &str| {
                let o = bo.child(field);
                let text = p.text(raw, &o)?;
                series(&text)
                    .map_err(|e| p.problem(&o, e, "one value per alarm period"))
                    .ok()
            };
            let lower = bound(&band.lower, "lower").ok_or(());
            let upper = bound(&band.upper, "upper").ok_or(());
            if let (Ok(l), Ok(u)) = (lower, upper) {
                case.bands.insert(alarm, (l, u));
            }
        }
        for (i, r) in t.query_results.iter().enumerate() {
            let ro = o.child(&format!("query_results/{i}"));
            let Some(alarm) = self.alarm(&r.alarm) else {
                continue;
            };
            if !self
                .state
                .resources
                .contains_key(&(Kind::LogAlarm, alarm.clone()))
            {
                p.problem(
                    &ro.child("alarm"),
                    format!("`{}` is not a log alarm", r.alarm),
                    "query results are given for log alarms (`kind: log`)",
                );
                continue;
            }
            let vo = ro.child("values");
            if let Some(text) = p.text(&r.values, &vo) {
                match series(&text) {
                    Ok(s) => {
                        case.query_results.insert(alarm, s);
                    }
                    Err(e) => p.problem(&vo, e, "one value per scheduled run, `_` for no result"),
                }
            }
        }
        if let Some(start) = &t.start {
            let so = o.child("start");
            if let Some(text) = p.text(start, &so) {
                match utc_time(&text) {
                    Ok(secs) => case.start = secs,
                    Err(e) => p.problem(&so, e, "the UTC time the test's `0s` stands for"),
                }
            }
        }
        for (i, quota) in t.quotas.iter().enumerate() {
            let qo = o.child(&format!("quotas/{i}"));
            let namespace = match &quota.namespace {
                Some(n) => p.text(n, &qo.child("namespace")),
                None => Some("AWS/Usage".to_string()),
            };
            let metric = p.text(&quota.metric, &qo.child("metric"));
            let mut dimensions = Vec::new();
            for (k, v) in &quota.dimensions {
                if let Some(v) = p.text(v, &qo.child("dimensions").key(k)) {
                    dimensions.push((k.clone(), v));
                }
            }
            let values = p.per_period(&quota.values, &qo.child("values"));
            if let (Some(namespace), Some(metric), Some(values)) = (namespace, metric, values) {
                case.quotas.insert((namespace, metric, dimensions), values);
            }
        }
        for (i, rule) in t.insight_rules.iter().enumerate() {
            let ro = o.child(&format!("insight_rules/{i}"));
            let name = p.text(&rule.rule, &ro.child("rule"));
            let metric = p.text(&rule.metric, &ro.child("metric"));
            let values = p.per_period(&rule.values, &ro.child("values"));
            if let (Some(name), Some(metric), Some(values)) = (name, metric, values) {
                case.insight_rules.insert((name, metric), values);
            }
        }
        for (i, e) in t.expect.iter().enumerate() {
            let eo = o.child(&format!("expect/{i}"));
            if let Some(check) = p.expectation(e, &eo) {
                if let Check::Alarm { at, sent, .. } = &check {
                    let sent = sent.and_then(|s| match s {
                        Sent::At(t) | Sent::By(t) => Some(t),
                        Sent::Never => None,
                    });
                    for t in [*at, sent].into_iter().flatten() {
                        case.horizon = case.horizon.max(t);
                    }
                }
                case.checks.push(check);
            }
        }
        // Recurring windows open at clock times: `muted` means nothing
        // without the absolute time of `0s`.
        if t.start.is_none()
            && case
                .checks
                .iter()
                .any(|c| matches!(c, Check::Alarm { muted: Some(_), .. }))
        {
            let mutes = super::mute::Mutes::new(self.state);
            for c in &case.checks {
                if let Check::Alarm {
                    alarm,
                    muted: Some(_),
                    origin,
                    ..
                } = c
                    && mutes.recurring(alarm)
                {
                    p.problem(
                        &origin.child("muted"),
                        format!("`{alarm}` is muted by a recurring window, which opens at clock times: the test needs a `start:`"),
                        "add `start:` (the UTC time of `0s`, e.g. `2026-12-07T06:50:00Z`)",
                    );
                }
            }
        }
        (!p.failed).then_some(case)
    }
}

/// What a test string reads of a metric alarm: its effective settings.
fn alarm_config(a: &crate::resource::MetricAlarm) -> serde_json::Value {
    let period = a.period.or_else(|| {
        a.metrics
            .iter()
            .find_map(|q| q.metric_stat.as_ref().map(|s| s.period))
    });
    crate::resource::canonical::canonical(serde_json::json!({
        "name": a.alarm_name,
        "threshold": a.threshold,
        "period": period,
        "evaluation_periods": a.evaluation_periods,
        "datapoints_to_alarm": a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
        "comparison": a.comparison_operator,
        "statistic": a.statistic.clone().or_else(|| a.extended_statistic.clone()),
        "treat_missing_data": a.treat_missing_data,
    }))
}

struct Parse<'a, 'b> {
    x: &'a Expander<'a>,
    /// The run's template context (project, env, service).
    ctx: &'a Ctx,
    /// `ctx` with `alarms` (and `alarm`), built on the first string that
    /// names them: building it reads every alarm template's configuration,
    /// which most strings (`{{ service.name }}`) never use.
    with_alarms: std::cell::OnceCell<Ctx>,
    problems: &'b mut Problems,
    /// A problem was found: no case is built.
    failed: bool,
}

impl Parse<'_, '_> {
    fn problem(&mut self, o: &Origin, message: String, help: &str) {
        self.failed = true;
        self.x.cat.problem_once(
            self.problems,
            o,
            format!("test `{}`: {message}", self.x.name),
            Some(help.to_string()),
        );
    }

    /// A series given per alarm period (bands, quotas, rule metrics).
    fn per_period(&mut self, raw: &str, o: &Origin) -> Option<Series> {
        let text = self.text(raw, o)?;
        series(&text)
            .map_err(|e| self.problem(o, e, "one value per alarm period, e.g. `\"100x10\"`"))
            .ok()
    }

    /// The context `raw` renders in: a template can only read `alarms` or
    /// `alarm` by naming them (Jinja has no dynamic variable lookup), so a
    /// string without the word renders the same in the plain context.
    fn ctx_for(&self, raw: &str) -> &Ctx {
        if raw.contains("alarm") {
            self.with_alarms
                .get_or_init(|| self.x.with_alarms(self.ctx))
        } else {
            self.ctx
        }
    }

    fn text(&mut self, raw: &str, o: &Origin) -> Option<String> {
        let ctx = self.ctx_for(raw);
        match self.x.templates.render(raw, ctx) {
            Ok(s) => Some(s),
            Err(e) => {
                let undefined = undefined_name(raw, &|name| {
                    is_undefined(name, |probe| self.x.templates.render(probe, ctx))
                });
                let help = match &undefined {
                    Some(n)
                        if (n == "service" || n.starts_with("service."))
                            && self.x.service.is_none() =>
                    {
                        "`service` is only defined in a per-service test (`for_each_service: true`)"
                    }
                    Some(n) if n == "alarm" => {
                        "`alarm` is defined when the test names exactly one metric alarm; with several, write `alarms['<template>'].threshold`"
                    }
                    Some(_) | None => {
                        "placeholders: project, namespace, env.{name,region,account_id,cluster,vars}, service.{name,title,log_group,dimensions,...}, alarm.{threshold,period,evaluation_periods,datapoints_to_alarm,comparison,statistic,treat_missing_data,name}, alarms['<template>'].…"
                    }
                };
                let help = match undefined.as_deref().and_then(|n| n.strip_prefix("alarms[")) {
                    Some(_) => {
                        let known = self
                            .x
                            .cat
                            .alarms
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ");
                        format!(
                            "`alarms` holds the metric alarms of this run by template ({known}) and by each `alarm:` the test names"
                        )
                    }
                    None => help.to_string(),
                };
                let message = match undefined {
                    Some(n) if !e.contains(&format!("`{n}`")) => {
                        format!("template error: `{n}` is undefined ({e})")
                    }
                    Some(_) | None => format!("template error: {e}"),
                };
                self.problem(o, message, &help);
                None
            }
        }
    }

    /// Renders each entry of an optional list; `Some(None)` is "not given".
    #[allow(clippy::option_option)]
    fn list(&mut self, items: Option<&[String]>, o: &Origin) -> Option<Option<Vec<String>>> {
        let Some(items) = items else {
            return Some(None);
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let text = self.text(item, &o.child(&i.to_string()))?;
            // An empty rendering drops the entry (`{{ 'x' if ... }}`).
            if !text.trim().is_empty() {
                out.push(text);
            }
        }
        Some(Some(out))
    }

    fn time(&mut self, raw: Option<&str>, o: &Origin) -> Option<i64> {
        let raw = raw?;
        match duration(raw) {
            Ok(t) => Some(t),
            Err(e) => {
                self.problem(o, e, "write e.g. `90s`, `5m` or `1h30m`");
                None
            }
        }
    }

    fn expectation(&mut self, e: &Expectation, o: &Origin) -> Option<Check> {
        match (&e.alarm, &e.filter) {
            (Some(alarm), None) => {
                let filter_keys = e.line.is_some()
                    || e.value.is_some()
                    || e.matches.is_some()
                    || e.dimensions.is_some();
                if filter_keys {
                    self.problem(o, "`line`, `value`, `matches` and `dimensions` belong to a `filter` expectation".into(), "move them to a `filter:` expectation");
                    return None;
                }
                let timed = e.notifies_at.is_some() || e.notifies_by.is_some();
                if e.state.is_none()
                    && e.notifies.is_none()
                    && e.endpoints.is_none()
                    && e.muted.is_none()
                    && !timed
                {
                    self.problem(
                        o,
                        "an alarm expectation needs `state`, `notifies`, `endpoints` or `muted`"
                            .into(),
                        "e.g. `state: ALARM`",
                    );
                    return None;
                }
                if e.state.is_none() && (e.notifies.is_some() || e.endpoints.is_some() || timed) {
                    self.problem(o, "`notifies`, `endpoints`, `notifies_at` and `notifies_by` need the `state` whose notification they describe".into(), "add `state: ALARM` (or OK)");
                    return None;
                }
                if e.notifies_at.is_some() && e.notifies_by.is_some() {
                    self.problem(
                        &o.child("notifies_by"),
                        "`notifies_at` (exactly then) and `notifies_by` (then at the latest) exclude each other".into(),
                        "keep one of them",
                    );
                    return None;
                }
                let name = self.x.alarm(alarm)?;
                let at = match &e.at {
                    Some(a) => Some(self.time(Some(a), &o.child("at"))?),
                    None => None,
                };
                let sent = match (&e.notifies_at, &e.notifies_by) {
                    (Some(t), _) if t.trim() == "never" => Some(Sent::Never),
                    (Some(t), _) => Some(Sent::At(self.time(Some(t), &o.child("notifies_at"))?)),
                    (None, Some(t)) => Some(Sent::By(self.time(Some(t), &o.child("notifies_by"))?)),
                    (None, None) => None,
                };
                let notifies = self.list(e.notifies.as_deref(), &o.child("notifies"))?;
                let endpoints = self.list(e.endpoints.as_deref(), &o.child("endpoints"))?;
                Some(Check::Alarm {
                    alarm: name,
                    at,
                    state: e.state.map(|s| match s {
                        AlarmState::Alarm => State::Alarm,
                        AlarmState::Ok => State::Ok,
                        AlarmState::InsufficientData => State::InsufficientData,
                    }),
                    notifies,
                    endpoints,
                    sent,
                    muted: e.muted,
                    origin: o.clone(),
                })
            }
            (None, Some(filter)) => {
                if e.state.is_some()
                    || e.at.is_some()
                    || e.notifies.is_some()
                    || e.endpoints.is_some()
                    || e.notifies_at.is_some()
                    || e.notifies_by.is_some()
                    || e.muted.is_some()
                {
                    self.problem(o, "`state`, `at`, `notifies`, `endpoints`, `notifies_at`, `notifies_by` and `muted` belong to an `alarm` expectation".into(), "move them to an `alarm:` expectation");
                    return None;
                }
                let Some(line) = &e.line else {
                    self.problem(
                        o,
                        "a filter expectation needs the `line` to test".into(),
                        "add `line: '...'`",
                    );
                    return None;
                };
                let name = self.x.filter(filter)?;
                let line = self.text(line, &o.child("line"))?;
                let matches = e.matches.unwrap_or(true);
                if !matches && (e.value.is_some() || e.dimensions.is_some()) {
                    self.problem(
                        o,
                        "`matches: false` publishes nothing: no `value` or `dimensions`".into(),
                        "remove `value`/`dimensions` or `matches: false`",
                    );
                    return None;
                }
                let dimensions = match &e.dimensions {
                    Some(d) => {
                        let mut out = BTreeMap::new();
                        for (k, v) in d {
                            out.insert(k.clone(), self.text(v, &o.child("dimensions").key(k))?);
                        }
                        Some(out)
                    }
                    None => None,
                };
                Some(Check::Filter {
                    filter: name,
                    line,
                    matches,
                    value: e.value,
                    dimensions,
                    origin: o.clone(),
                })
            }
            (Some(_), Some(_)) => {
                self.problem(
                    o,
                    "an expectation is about an `alarm` or a `filter`, not both".into(),
                    "split it in two",
                );
                None
            }
            (None, None) => {
                self.problem(
                    o,
                    "an expectation names an `alarm` or a `filter`".into(),
                    "e.g. `alarm: high-error-rate`",
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(raw: &str, defined: &[&str]) -> Option<String> {
        undefined_name(raw, &|n| !defined.contains(&n))
    }

    #[test]
    fn names_the_first_undefined_value_of_a_test_string() {
        let defined = [
            "service",
            "service.name",
            "alarms",
            "alarms['cpu'].threshold",
            "alarms['cpu']",
        ];
        assert_eq!(
            probe("{{ alarm.threshold * 2 }}x3", &defined).as_deref(),
            Some("alarm")
        );
        assert_eq!(
            probe("{{ service.name }} {{ service.nmae }}", &defined).as_deref(),
            Some("service.nmae")
        );
        assert_eq!(
            probe(
                "{{ alarms['cpu'].threshold }} {{ alarms['cpx'].period }}",
                &defined
            )
            .as_deref(),
            Some("alarms['cpx']")
        );
        // Keywords, strings, filters and calls are not names.
        assert_eq!(
            probe(
                "{{ 'alarm' if service.name is defined else none | upper }}{{ range(3) | join }}",
                &defined
            ),
            None
        );
    }

    #[test]
    fn an_alarm_reads_as_its_effective_settings() {
        let a: crate::resource::MetricAlarm = serde_json::from_value(serde_json::json!({
            "AlarmName": "x", "ActionsEnabled": true, "OKActions": [], "AlarmActions": [],
            "InsufficientDataActions": [], "Dimensions": [], "Statistic": "Maximum",
            "Period": 60, "EvaluationPeriods": 3, "Threshold": 80.0,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing",
        }))
        .unwrap();
        let c = alarm_config(&a);
        assert_eq!(c["threshold"], serde_json::json!(80));
        assert_eq!(c["datapoints_to_alarm"], serde_json::json!(3));
        assert_eq!(c["period"], serde_json::json!(60));
        assert_eq!(c["statistic"], serde_json::json!("Maximum"));
        assert_eq!(c["comparison"], serde_json::json!("GreaterThanThreshold"));
    }
}
