//! The data check (section 1 of `obsctl verify`): what to ask AWS for
//! ([`observe`], the fewest calls), and what the answers mean ([`judge`],
//! pure).
//!
//! Calls, in order:
//! 1. ListMetrics per (namespace, name) of the metric filters whose
//!    dimensions come from the events (`$.service`): which series exist
//!    (`RecentlyActive=PT3H` when the window is at most three hours: a
//!    series without datapoints in the past three hours has none in the
//!    window, so it is not queried).
//! 2. GetMetricData, one `SampleCount` query per distinct metric and per
//!    such series over the whole window (one datapoint each), in
//!    ⌈queries / 500⌉ calls (a whole-window period keeps each query far
//!    below the 100,800-datapoint limit; [`crate::aws::data::batches`]
//!    packs within both).
//! 3. For each metric without data, ListMetrics by its namespace and name,
//!    and by its namespace and dimensions: what exists nearby (the past two
//!    weeks). Each distinct listing once; or, per namespace, the whole
//!    namespace when that takes fewer pages than those listings (tried
//!    within that budget).
//! 4. FilterLogEvents with a limit of 1 for each log group of a metric
//!    filter without data: does the service log at all?

use super::targets::{
    FilterTarget, Location, MetricKey, MetricTarget, Targets, User, display_metric, key_of,
};
use crate::aws::data::{self, DataQuery, DimensionFilter, MetricListing};
use crate::aws::{Aws, AwsResult};
use crate::resource::Metric;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Three hours in ms: ListMetrics `RecentlyActive` looks this far back.
pub const RECENT_MS: i64 = 3 * 3_600_000;

/// Series of one dynamic filter metric queried at most (the rest of a
/// large fleet's series are not needed to tell "alive").
pub const MAX_SERIES_PER_FILTER_METRIC: usize = 50;

/// GetMetricData price: $0.01 per 1,000 metrics requested (CloudWatch
/// pricing, "API requests"; GetMetricData is billed per metric requested,
/// never in the free tier).
pub const DOLLARS_PER_METRIC_REQUESTED: f64 = 0.01 / 1000.0;

/// The time window, ms since the epoch, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start.
    pub start: i64,
    /// End.
    pub end: i64,
}

impl Window {
    /// The last `seconds` before `now`, ending on a whole minute (AWS:
    /// "For better performance, specify StartTime and EndTime values that
    /// align with the value of the metric's Period").
    pub fn last(now: i64, seconds: i64) -> Window {
        let end = now.div_euclid(60_000) * 60_000;
        Window {
            start: end - seconds * 1000,
            end,
        }
    }

    /// The whole window as one period (a multiple of 60 s).
    pub fn period(&self) -> u32 {
        let secs = (self.end - self.start).max(60) / 1000;
        u32::try_from((secs + 59) / 60 * 60).unwrap_or(u32::MAX / 60 * 60)
    }
}

/// How sure a finding is that something is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Alive: datapoints in the window.
    Ok,
    /// Quiet: no datapoints, but nothing says it is wrong (an error counter
    /// without errors, a metric that had data within two weeks).
    Warning,
    /// Wrong: the metric does not exist as written, or its service does
    /// not log.
    Problem,
}

impl Level {
    /// The mark in text output.
    pub fn mark(self) -> &'static str {
        match self {
            Level::Ok => "ok  ",
            Level::Warning => "warn",
            Level::Problem => "FAIL",
        }
    }
}

/// What a log group did in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupActivity {
    /// It received an event (its time, ms).
    Events(i64),
    /// It received none.
    Silent,
    /// It does not exist.
    Missing,
}

/// The account's metrics near one that has no data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Nearby {
    /// The same namespace and name with another set of dimension names,
    /// one example each.
    pub other_dimensions: Vec<Metric>,
    /// The same namespace, name and dimension names with other values
    /// only (a few examples).
    pub other_values: Vec<Metric>,
    /// Other names like this one in the namespace with exactly these
    /// dimensions (a misspelt name), when the name itself has no metric.
    pub other_names: Vec<String>,
}

/// Whether `a` and `b` look like one name written two ways: equal but for
/// case, one inside the other, or few edits apart.
pub fn similar_names(a: &str, b: &str) -> bool {
    let (la, lb) = (a.to_lowercase(), b.to_lowercase());
    la == lb
        || la.contains(&lb)
        || lb.contains(&la)
        || strsim::normalized_damerau_levenshtein(&la, &lb) >= 0.75
}

/// The verdict on one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricFinding {
    /// `namespace name {dimensions}`.
    pub metric: String,
    /// The metric.
    #[serde(skip)]
    pub metric_value: Metric,
    /// The verdict.
    pub level: Level,
    /// In words.
    pub message: String,
    /// Samples in the window.
    pub samples: Option<f64>,
    /// What exists nearby, when it has no data.
    pub nearby: Nearby,
    /// Who reads it, with catalogue locations.
    pub users: Vec<User>,
}

/// The verdict on one metric filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterFinding {
    /// Filter name.
    pub filter: String,
    /// Its log group.
    pub log_group: String,
    /// Its metric, `namespace name {dimension names}`.
    pub metric: String,
    /// The verdict.
    pub level: Level,
    /// In words.
    pub message: String,
    /// Samples in the window (all its series).
    pub samples: Option<f64>,
    /// The log group's activity, when it was looked at.
    pub log_group_activity: Option<GroupActivity>,
    /// The metric filter entry.
    pub entry: String,
    /// Service.
    pub service: Option<String>,
    /// The entry's location.
    pub at: Location,
}

/// What AWS answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Samples in the window per metric (absent: no datapoints).
    pub samples: BTreeMap<MetricKey, f64>,
    /// Queries AWS could not answer (`StatusCode` other than `Complete`).
    pub unreadable: BTreeMap<MetricKey, String>,
    /// ListMetrics answers per listing.
    pub listings: BTreeMap<MetricListing, Vec<Metric>>,
    /// Log groups looked at.
    pub groups: BTreeMap<String, GroupActivity>,
    /// In groups that received events: whether a service's own events
    /// (group, [`FilterTarget::service_selector`]) were among them.
    pub service_logs: BTreeMap<(String, String), bool>,
}

/// The listing of the series a dynamic filter metric may have.
pub fn series_listing(f: &FilterTarget, window: Window) -> MetricListing {
    MetricListing {
        namespace: Some(f.namespace.clone()),
        metric_name: Some(f.metric_name.clone()),
        dimensions: Vec::new(),
        recently_active: window.end - window.start <= RECENT_MS,
    }
}

/// Listing by namespace and name (two weeks).
pub fn name_listing(m: &Metric) -> MetricListing {
    MetricListing {
        namespace: Some(m.namespace.clone()),
        metric_name: Some(m.metric_name.clone()),
        dimensions: Vec::new(),
        recently_active: false,
    }
}

/// Listing by namespace and dimensions (two weeks); `None` without
/// dimensions.
pub fn dimension_listing(m: &Metric) -> Option<MetricListing> {
    (!m.dimensions.is_empty()).then(|| MetricListing {
        namespace: Some(m.namespace.clone()),
        metric_name: None,
        dimensions: m
            .dimensions
            .iter()
            .map(|d| DimensionFilter {
                name: d.name.clone(),
                value: Some(d.value.clone()),
            })
            .collect(),
        recently_active: false,
    })
}

fn names(m: &Metric) -> BTreeSet<&str> {
    m.dimensions.iter().map(|d| d.name.as_str()).collect()
}

/// The series of a dynamic filter among `listed`: its dimension names
/// exactly and its fixed values; when some series name a service of the
/// catalogue in a dimension value, only those naming the filter's own.
pub fn filter_series(
    f: &FilterTarget,
    listed: &[Metric],
    services: &BTreeSet<String>,
) -> Vec<Metric> {
    let want: BTreeSet<&str> = f.dimensions.keys().map(String::as_str).collect();
    let candidates: Vec<&Metric> = listed
        .iter()
        .filter(|m| m.namespace == f.namespace && m.metric_name == f.metric_name)
        .filter(|m| names(m) == want)
        .filter(|m| {
            f.dimensions.iter().all(|(n, v)| {
                v.starts_with('$') || m.dimensions.iter().any(|d| d.name == *n && d.value == *v)
            })
        })
        .collect();
    let names_a_service = |m: &Metric| m.dimensions.iter().any(|d| services.contains(&d.value));
    let own = |m: &Metric| {
        f.service
            .as_ref()
            .is_some_and(|s| m.dimensions.iter().any(|d| d.value == *s))
    };
    let attributed = candidates.iter().any(|m| names_a_service(m));
    candidates
        .into_iter()
        .filter(|m| !attributed || own(m))
        .take(MAX_SERIES_PER_FILTER_METRIC)
        .cloned()
        .collect()
}

/// The GetMetricData queries: one `SampleCount` over the whole window per
/// distinct metric, ids `m0`, `m1`, … in key order.
pub fn queries(
    metrics: &BTreeSet<MetricKey>,
    by_key: &BTreeMap<MetricKey, Metric>,
    window: Window,
) -> Vec<DataQuery> {
    metrics
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            Some(DataQuery {
                id: format!("m{i}"),
                metric: by_key.get(k)?.clone(),
                stat: "SampleCount".into(),
                period: window.period(),
            })
        })
        .collect()
}

/// What a run is estimated to cost before the queries run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// Metrics requested from GetMetricData.
    pub metrics_requested: u64,
    /// GetMetricData calls.
    pub calls: u64,
    /// US dollars.
    pub dollars: f64,
}

/// Everything [`observe`] did, for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// The answers.
    pub observed: Observed,
    /// GetMetricData's estimate.
    pub estimate: Estimate,
    /// The fewest calls per API (IAM action) for these targets and answers.
    pub floor: BTreeMap<String, u64>,
}

/// What [`observe`] is about to do (for progress on long runs), and the
/// estimate before GetMetricData runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step<'a> {
    /// Listing the series of `metrics` filter metrics (ListMetrics).
    Series {
        /// Filter metrics.
        metrics: usize,
    },
    /// GetMetricData is about to run: its estimate.
    Estimate(&'a Estimate),
    /// Looking around `metrics` metrics without data (ListMetrics).
    Nearby {
        /// Metrics without data.
        metrics: usize,
    },
    /// Reading `groups` log groups (FilterLogEvents).
    LogGroups {
        /// Log groups.
        groups: usize,
    },
}

/// Asks AWS (the fewest calls, see the module docs); `step` is told each
/// step before it starts (the estimate before GetMetricData runs).
pub async fn observe(
    aws: &Aws,
    targets: &Targets,
    window: Window,
    services: &BTreeSet<String>,
    step: &mut dyn FnMut(Step),
) -> AwsResult<Observation> {
    let mut obs = Observed::default();
    let mut floor: BTreeMap<String, u64> = BTreeMap::new();
    // 1. Series of the filters with dimensions from the events.
    let series_listings: BTreeSet<MetricListing> = targets
        .filters
        .iter()
        .filter(|f| !f.fixed())
        .map(|f| series_listing(f, window))
        .collect();
    if !series_listings.is_empty() {
        step(Step::Series {
            metrics: series_listings.len(),
        });
    }
    for l in &series_listings {
        let listed = data::list_metrics(aws, l).await?;
        obs.listings.insert(l.clone(), listed);
    }
    // 2. One query per distinct metric.
    let mut by_key: BTreeMap<MetricKey, Metric> = BTreeMap::new();
    for t in &targets.metrics {
        by_key.insert(key_of(&t.metric), t.metric.clone());
    }
    for f in targets.filters.iter().filter(|f| !f.fixed()) {
        let listed = obs
            .listings
            .get(&series_listing(f, window))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for m in filter_series(f, listed, services) {
            by_key.insert(key_of(&m), m);
        }
    }
    let keys: BTreeSet<MetricKey> = by_key.keys().cloned().collect();
    let queries = queries(&keys, &by_key, window);
    let estimate = Estimate {
        metrics_requested: queries.len() as u64,
        calls: data::batches(&queries, window.start, window.end).len() as u64,
        dollars: queries.len() as f64 * DOLLARS_PER_METRIC_REQUESTED,
    };
    step(Step::Estimate(&estimate));
    let answers = data::metric_data(aws, &queries, window.start, window.end).await?;
    let ids: BTreeMap<String, MetricKey> = queries
        .iter()
        .map(|q| (q.id.clone(), key_of(&q.metric)))
        .collect();
    for (id, series) in answers {
        let Some(k) = ids.get(&id) else { continue };
        if !matches!(series.status.as_str(), "" | "Complete" | "PartialData") {
            obs.unreadable.insert(k.clone(), series.status.clone());
        }
        if !series.values.is_empty() {
            obs.samples.insert(k.clone(), series.values.iter().sum());
        }
    }
    // 3. Nearby, for metrics without data.
    let mut nearby: BTreeSet<MetricListing> = BTreeSet::new();
    for t in &targets.metrics {
        if !obs.samples.contains_key(&key_of(&t.metric)) {
            nearby.insert(name_listing(&t.metric));
            nearby.extend(dimension_listing(&t.metric));
        }
    }
    let dead = targets
        .metrics
        .iter()
        .filter(|t| !obs.samples.contains_key(&key_of(&t.metric)))
        .count();
    if dead > 0 {
        step(Step::Nearby { metrics: dead });
    }
    let missing: Vec<MetricListing> = nearby
        .iter()
        .filter(|l| !obs.listings.contains_key(*l))
        .cloned()
        .collect();
    // Per namespace, the whole namespace listed once is often fewer calls
    // than one listing per name and per dimension set: tried within a
    // budget of that many pages, else listed one by one (at most twice the
    // cheaper way; the same rule as metric filters in `live`).
    let mut by_namespace: BTreeMap<String, Vec<MetricListing>> = BTreeMap::new();
    for l in missing {
        by_namespace
            .entry(l.namespace.clone().unwrap_or_default())
            .or_default()
            .push(l);
    }
    let mut nearby_floor = 0u64;
    for (namespace, wanted) in by_namespace {
        let whole = MetricListing {
            namespace: Some(namespace),
            ..MetricListing::default()
        };
        let budget = wanted.len() as u64;
        match crate::aws::pages_within(budget, |next| aws.cloudwatch().list_metrics(&whole, next))
            .await?
        {
            Some((all, pages)) => {
                nearby_floor += pages;
                for l in wanted {
                    let listed = all.iter().filter(|m| l.matches(m)).cloned().collect();
                    obs.listings.insert(l, listed);
                }
            }
            None => {
                nearby_floor += budget;
                for l in wanted {
                    let listed = data::list_metrics(aws, &l).await?;
                    obs.listings.insert(l, listed);
                }
            }
        }
    }
    // 4. Log groups of filters without data.
    let silent: Vec<&FilterTarget> = targets
        .filters
        .iter()
        .filter(|f| filter_samples(f, &obs, window, services).is_none())
        .collect();
    let silent_filters: BTreeSet<&str> = silent.iter().map(|f| f.log_group.as_str()).collect();
    if !silent_filters.is_empty() {
        step(Step::LogGroups {
            groups: silent_filters.len(),
        });
    }
    for group in &silent_filters {
        let activity =
            match data::first_event(aws, group, None, (window.start, window.end), 5).await {
                Ok(Some(t)) => GroupActivity::Events(t),
                Ok(None) => GroupActivity::Silent,
                Err(e) if e.is_not_found() => GroupActivity::Missing,
                Err(e) => return Err(e),
            };
        obs.groups.insert((*group).to_string(), activity);
    }
    // 5. In groups that received events, whether the silent filters'
    // services are among the writers (a group several services share).
    let selectors: BTreeSet<(String, String)> = silent
        .iter()
        .filter(|f| matches!(obs.groups.get(&f.log_group), Some(GroupActivity::Events(_))))
        .filter_map(|f| Some((f.log_group.clone(), f.service_selector.clone()?)))
        .collect();
    for (group, selector) in &selectors {
        let found = data::first_event(aws, group, Some(selector), (window.start, window.end), 5)
            .await?
            .is_some();
        obs.service_logs
            .insert((group.clone(), selector.clone()), found);
    }
    floor.insert(
        "cloudwatch:ListMetrics".into(),
        series_listings.len() as u64 + nearby_floor,
    );
    floor.insert(
        "cloudwatch:GetMetricData".into(),
        data::fewest_calls(&queries, window.start, window.end),
    );
    floor.insert(
        "logs:FilterLogEvents".into(),
        (silent_filters.len() + selectors.len()) as u64,
    );
    floor.retain(|_, n| *n > 0);
    Ok(Observation {
        observed: obs,
        estimate,
        floor,
    })
}

/// Samples in the window of a filter's metric (all its series), if any.
fn filter_samples(
    f: &FilterTarget,
    obs: &Observed,
    window: Window,
    services: &BTreeSet<String>,
) -> Option<f64> {
    let series: Vec<Metric> = if f.fixed() {
        vec![f.metric()]
    } else {
        let listed = obs
            .listings
            .get(&series_listing(f, window))
            .map(Vec::as_slice)
            .unwrap_or_default();
        filter_series(f, listed, services)
    };
    let samples: Vec<f64> = series
        .iter()
        .filter_map(|m| obs.samples.get(&key_of(m)).copied())
        .collect();
    (!samples.is_empty()).then(|| samples.iter().sum())
}

fn dims_text(m: &Metric) -> String {
    let names: Vec<&str> = m.dimensions.iter().map(|d| d.name.as_str()).collect();
    format!("{{{}}}", names.join(", "))
}

/// Whether a filter's service wrote to its group, when that was asked.
fn service_logged(f: &FilterTarget, obs: &Observed) -> Option<(String, bool)> {
    let selector = f.service_selector.clone()?;
    let found = *obs
        .service_logs
        .get(&(f.log_group.clone(), selector.clone()))?;
    Some((selector, found))
}

fn group_words(
    group: &str,
    activity: Option<GroupActivity>,
    service: Option<(&str, (String, bool))>,
) -> (Level, String) {
    match activity {
        Some(GroupActivity::Events(_)) => match service {
            Some((name, (selector, false))) => (
                Level::Problem,
                format!(
                    "log group {group} received events, none of them {name}'s ({selector}): the service does not log"
                ),
            ),
            Some((_, (_, true))) | None => (
                Level::Warning,
                format!(
                    "log group {group} received events, none matched: the filter never matches"
                ),
            ),
        },
        Some(GroupActivity::Silent) => (
            Level::Problem,
            format!("log group {group} received no events: the service does not log"),
        ),
        Some(GroupActivity::Missing) => {
            (Level::Problem, format!("log group {group} does not exist"))
        }
        None => (Level::Warning, format!("log group {group} was not read")),
    }
}

/// The verdicts (pure): every metric and filter of `targets` against what
/// AWS answered; `window` and `services` as given to [`observe`].
pub fn judge(
    targets: &Targets,
    obs: &Observed,
    window: Window,
    services: &BTreeSet<String>,
) -> (Vec<MetricFinding>, Vec<FilterFinding>) {
    let filters: Vec<FilterFinding> = targets
        .filters
        .iter()
        .map(|f| {
            let samples = filter_samples(f, obs, window, services);
            let activity = obs.groups.get(&f.log_group).copied();
            let metric = if f.fixed() {
                display_metric(&f.metric())
            } else {
                let names: Vec<&str> = f.dimensions.keys().map(String::as_str).collect();
                format!("{} {} {{{}}}", f.namespace, f.metric_name, names.join(", "))
            };
            let (level, message) = match samples {
                Some(n) => (Level::Ok, format!("{} samples", format_number(n))),
                None => {
                    let service = f.service.as_deref().zip(service_logged(f, obs));
                    let (level, words) = group_words(&f.log_group, activity, service);
                    (level, format!("no datapoints; {words}"))
                }
            };
            FilterFinding {
                filter: f.filter.clone(),
                log_group: f.log_group.clone(),
                metric,
                level,
                message,
                samples,
                log_group_activity: activity,
                entry: f.entry.clone(),
                service: f.service.clone(),
                at: f.at.clone(),
            }
        })
        .collect();
    let metrics = targets
        .metrics
        .iter()
        .map(|t| judge_metric(t, targets, obs, &filters))
        .collect();
    (metrics, filters)
}

fn judge_metric(
    t: &MetricTarget,
    targets: &Targets,
    obs: &Observed,
    filters: &[FilterFinding],
) -> MetricFinding {
    let key = key_of(&t.metric);
    let finding = |level, message: String, samples, nearby| MetricFinding {
        metric: display_metric(&t.metric),
        metric_value: t.metric.clone(),
        level,
        message,
        samples,
        nearby,
        users: t.users.clone(),
    };
    if let Some(status) = obs.unreadable.get(&key) {
        return finding(
            Level::Problem,
            format!("GetMetricData could not read it ({status})"),
            None,
            Nearby::default(),
        );
    }
    if let Some(n) = obs.samples.get(&key) {
        return finding(
            Level::Ok,
            format!("{} samples", format_number(*n)),
            Some(*n),
            Nearby::default(),
        );
    }
    let by_name = obs
        .listings
        .get(&name_listing(&t.metric))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let own = names(&t.metric);
    let mut nearby = Nearby::default();
    let mut seen_sets: BTreeSet<Vec<String>> = BTreeSet::new();
    for m in by_name {
        let set: Vec<String> = m.dimensions.iter().map(|d| d.name.clone()).collect();
        // Another dimension set counts where it agrees with every value of
        // this metric it has (the same service, published with `env` too);
        // another service's series says nothing about this one.
        let agrees = t.metric.dimensions.iter().all(|d| {
            m.dimensions
                .iter()
                .all(|o| o.name != d.name || o.value == d.value)
        });
        if names(m) != own {
            if agrees && seen_sets.insert(set) {
                nearby.other_dimensions.push(m.clone());
            }
        } else if names(m) == own && key_of(m) != key && nearby.other_values.len() < 3 {
            nearby.other_values.push(m.clone());
        }
    }
    if let Some(l) = dimension_listing(&t.metric)
        && by_name.is_empty()
    {
        let mut others: BTreeSet<String> = BTreeSet::new();
        for m in obs.listings.get(&l).map(Vec::as_slice).unwrap_or_default() {
            if m.metric_name != t.metric.metric_name
                && names(m) == own
                && similar_names(&m.metric_name, &t.metric.metric_name)
            {
                others.insert(m.metric_name.clone());
            }
        }
        nearby.other_names = others.into_iter().take(5).collect();
    }
    let exists = by_name.iter().any(|m| key_of(m) == key);
    let mut hints: Vec<String> = Vec::new();
    if !nearby.other_dimensions.is_empty() {
        let sets: Vec<String> = nearby
            .other_dimensions
            .iter()
            .take(3)
            .map(dims_text)
            .collect();
        hints.push(format!("the account has it with {}", sets.join(" or ")));
    }
    if !nearby.other_names.is_empty() {
        hints.push(format!(
            "these dimensions are on {}",
            nearby.other_names.join(", ")
        ));
    }
    // Other values matter where nothing else explains the gap (a filter's
    // log group does, below).
    let values_hint =
        (nearby.other_dimensions.is_empty() && !nearby.other_values.is_empty()).then(|| {
            let examples: Vec<String> = nearby
                .other_values
                .iter()
                .map(|m| {
                    let differing: Vec<String> = m
                        .dimensions
                        .iter()
                        .filter(|d| !t.metric.dimensions.contains(d))
                        .map(|d| format!("{}={}", d.name, d.value))
                        .collect();
                    format!("{{{}}}", differing.join(", "))
                })
                .collect();
            format!(
                "the account has it only with other values, e.g. {}",
                examples.join(", ")
            )
        });
    let hint = if hints.is_empty() {
        String::new()
    } else {
        format!("; {}", hints.join("; "))
    };
    if exists {
        return finding(
            Level::Warning,
            format!("no datapoints in the window, but it had some within two weeks{hint}"),
            None,
            nearby,
        );
    }
    // A catalogue filter publishes this metric (same name, these dimension
    // names): its log group tells a quiet filter from a silent service.
    let feeder = filters
        .iter()
        .zip(&targets.filters)
        .filter(|(_, f)| {
            f.namespace == t.metric.namespace
                && f.metric_name == t.metric.metric_name
                && f.dimensions
                    .keys()
                    .map(String::as_str)
                    .collect::<BTreeSet<_>>()
                    == own
        })
        .max_by_key(|(_, f)| {
            f.service
                .as_ref()
                .is_some_and(|s| t.metric.dimensions.iter().any(|d| d.value == *s))
        });
    if nearby.other_dimensions.is_empty()
        && let Some((ff, f)) = feeder
    {
        let service = f.service.as_deref().zip(service_logged(f, obs));
        let (level, words) = group_words(&f.log_group, ff.log_group_activity, service);
        return finding(
            level,
            format!(
                "no datapoints; published by metric filter {}: {words}{hint}",
                f.filter
            ),
            None,
            nearby,
        );
    }
    if let Some(values) = values_hint {
        hints.push(values);
    }
    let message = if hints.is_empty() {
        format!(
            "no data: the account has no {} {} with any dimensions in the past two weeks",
            t.metric.namespace, t.metric.metric_name
        )
    } else {
        format!(
            "no data for {}; {}",
            display_metric(&t.metric),
            hints.join("; ")
        )
    };
    finding(Level::Problem, message, None, nearby)
}

/// A count without a trailing `.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Dimension;
    use std::path::PathBuf;

    fn m(name: &str, dims: &[(&str, &str)]) -> Metric {
        Metric {
            namespace: "CatHouse/Services".into(),
            metric_name: name.into(),
            dimensions: dims
                .iter()
                .map(|(n, v)| Dimension {
                    name: (*n).into(),
                    value: (*v).into(),
                })
                .collect(),
        }
    }

    fn at() -> Location {
        Location {
            file: PathBuf::from("alarms.yaml"),
            line: 1,
            column: 1,
        }
    }

    fn target(metric: Metric) -> MetricTarget {
        MetricTarget {
            metric,
            users: vec![User::Alarm {
                alarm: "a".into(),
                query: None,
                template: "t".into(),
                service: Some("auth-service".into()),
                at: at(),
            }],
        }
    }

    fn filter(service: &str, name: &str) -> FilterTarget {
        FilterTarget {
            filter: format!("{service}-{name}"),
            log_group: format!("/ecs/{service}"),
            namespace: "CatHouse/Services".into(),
            metric_name: name.into(),
            dimensions: [("service".to_string(), "$.service".to_string())].into(),
            default_value: false,
            entry: name.into(),
            service: Some(service.into()),
            at: at(),
            service_selector: None,
        }
    }

    const W: Window = Window {
        start: 0,
        end: RECENT_MS,
    };

    #[test]
    fn the_window_is_one_period_of_whole_minutes() {
        let w = Window::last(10 * RECENT_MS + 59_999, 3 * 3600);
        assert_eq!(w.end % 60_000, 0);
        assert_eq!(w.period(), 10_800);
        assert_eq!(
            Window {
                start: 0,
                end: 61_000
            }
            .period(),
            120
        );
    }

    #[test]
    fn a_dimension_mismatch_names_what_the_account_has() {
        let latency = m("RequestLatency", &[("service", "auth-service")]);
        let targets = Targets {
            metrics: vec![target(latency.clone())],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        obs.listings.insert(
            name_listing(&latency),
            vec![m(
                "RequestLatency",
                &[("env", "staging"), ("service", "auth-service")],
            )],
        );
        let (metrics, _) = judge(&targets, &obs, W, &BTreeSet::new());
        assert_eq!(metrics[0].level, Level::Problem);
        assert_eq!(
            metrics[0].message,
            "no data for CatHouse/Services RequestLatency {service=auth-service}; the account has it with {env, service}"
        );
    }

    #[test]
    fn same_dimensions_under_another_name() {
        let latency = m("RequestLatency", &[("service", "auth-service")]);
        let targets = Targets {
            metrics: vec![target(latency.clone())],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        obs.listings.insert(
            dimension_listing(&latency).unwrap(),
            vec![
                m("Latency", &[("service", "auth-service")]),
                m("RequestCount", &[("service", "auth-service")]),
                m("requestlatency_ms", &[("service", "auth-service")]),
            ],
        );
        let (metrics, _) = judge(&targets, &obs, W, &BTreeSet::new());
        assert_eq!(
            metrics[0].message,
            "no data for CatHouse/Services RequestLatency {service=auth-service}; these dimensions are on Latency, requestlatency_ms"
        );
    }

    #[test]
    fn other_values_only() {
        let cpu = m("CPU", &[("cluster", "c"), ("service", "b")]);
        let targets = Targets {
            metrics: vec![target(cpu.clone())],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        obs.listings.insert(
            name_listing(&cpu),
            vec![m("CPU", &[("cluster", "c"), ("service", "a")])],
        );
        let (metrics, _) = judge(&targets, &obs, W, &BTreeSet::new());
        assert_eq!(
            metrics[0].message,
            "no data for CatHouse/Services CPU {cluster=c, service=b}; the account has it only with other values, e.g. {service=a}"
        );
        assert_eq!(metrics[0].level, Level::Problem);
    }

    #[test]
    fn alive_quiet_and_missing_metrics() {
        let alive = m("RequestCount", &[("service", "auth-service")]);
        let quiet = m("CPU", &[]);
        let gone = m("Nothing", &[]);
        let targets = Targets {
            metrics: vec![
                target(alive.clone()),
                target(quiet.clone()),
                target(gone.clone()),
            ],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        obs.samples.insert(key_of(&alive), 180.0);
        obs.listings
            .insert(name_listing(&quiet), vec![quiet.clone()]);
        let (metrics, _) = judge(&targets, &obs, W, &BTreeSet::new());
        assert_eq!(
            (metrics[0].level, metrics[0].message.as_str()),
            (Level::Ok, "180 samples")
        );
        assert_eq!(metrics[1].level, Level::Warning);
        assert_eq!(metrics[2].level, Level::Problem);
        assert!(
            metrics[2]
                .message
                .contains("has no CatHouse/Services Nothing")
        );
    }

    #[test]
    fn filters_tell_a_quiet_filter_from_a_silent_service() {
        let services: BTreeSet<String> = ["auth-service", "proxy-service", "catalog-service"]
            .map(String::from)
            .into();
        let targets = Targets {
            metrics: vec![
                target(m("ServerErrorCount", &[("service", "auth-service")])),
                target(m("RequestCount", &[("service", "proxy-service")])),
            ],
            filters: vec![
                filter("auth-service", "RequestCount"),
                filter("auth-service", "ServerErrorCount"),
                filter("proxy-service", "RequestCount"),
                filter("catalog-service", "RequestCount"),
            ],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        let auth = m("RequestCount", &[("service", "auth-service")]);
        obs.listings
            .insert(series_listing(&targets.filters[0], W), vec![auth.clone()]);
        obs.samples.insert(key_of(&auth), 40.0);
        obs.groups
            .insert("/ecs/auth-service".into(), GroupActivity::Events(5));
        obs.groups
            .insert("/ecs/proxy-service".into(), GroupActivity::Silent);
        obs.groups
            .insert("/ecs/catalog-service".into(), GroupActivity::Missing);
        let (metrics, filters) = judge(&targets, &obs, W, &services);
        let by: BTreeMap<&str, &FilterFinding> =
            filters.iter().map(|f| (f.filter.as_str(), f)).collect();
        assert_eq!(by["auth-service-RequestCount"].level, Level::Ok);
        // The auth-service series is not the proxy's or catalog's.
        assert_eq!(
            by["proxy-service-RequestCount"].message,
            "no datapoints; log group /ecs/proxy-service received no events: the service does not log"
        );
        assert_eq!(by["catalog-service-RequestCount"].level, Level::Problem);
        assert_eq!(
            by["auth-service-ServerErrorCount"].message,
            "no datapoints; log group /ecs/auth-service received events, none matched: the filter never matches"
        );
        assert_eq!(by["auth-service-ServerErrorCount"].level, Level::Warning);
        // The alarm metrics fed by those filters say the same.
        assert_eq!(metrics[0].level, Level::Warning, "{}", metrics[0].message);
        assert!(
            metrics[0]
                .message
                .contains("published by metric filter auth-service-ServerErrorCount")
        );
        assert_eq!(metrics[1].level, Level::Problem);
        assert!(metrics[1].message.contains("the service does not log"));
    }

    /// One log group for every service (Bookstore's): a filter that selects
    /// its service by a JSON field is silent either because the service
    /// does not log, or because none of its events match; the service's
    /// own events in the group tell which.
    #[test]
    fn in_a_shared_group_a_service_that_does_not_log_is_told_apart() {
        let services: BTreeSet<String> = ["cart".to_string(), "search".to_string()].into();
        let shared = |service: &str| FilterTarget {
            log_group: "/ecs/shop".into(),
            service_selector: Some(format!("{{ $.service = \"{service}\" }}")),
            ..filter(service, "ErrorCount")
        };
        let targets = Targets {
            filters: vec![shared("cart"), shared("search")],
            ..Targets::default()
        };
        let mut obs = Observed::default();
        obs.groups
            .insert("/ecs/shop".into(), GroupActivity::Events(5));
        obs.service_logs.insert(
            ("/ecs/shop".into(), "{ $.service = \"cart\" }".into()),
            true,
        );
        obs.service_logs.insert(
            ("/ecs/shop".into(), "{ $.service = \"search\" }".into()),
            false,
        );
        let (_, filters) = judge(&targets, &obs, W, &services);
        assert_eq!(filters[0].level, Level::Warning);
        assert!(filters[0].message.ends_with("the filter never matches"));
        assert_eq!(filters[1].level, Level::Problem);
        assert_eq!(
            filters[1].message,
            "no datapoints; log group /ecs/shop received events, none of them search's ({ $.service = \"search\" }): the service does not log"
        );
    }
}
