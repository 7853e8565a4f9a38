//! Metric provenance: does a metric that an alarm or a widget refers to
//! exist, with exactly these dimensions? A CloudWatch metric is identified
//! by namespace, name and its full dimension set; a reference that matches
//! no published combination watches a metric nobody publishes, and an alarm
//! on it never fires (or, treating missing data as breaching, never stops).
//!
//! Pure: sources and references are plain strings; no catalogue, resource
//! or AWS types. [`aws`] holds the table of AWS-published metrics (data,
//! embedded from `data/aws-metrics.yaml`).

pub mod aws;

use std::collections::{BTreeMap, BTreeSet};

/// What a metric's values mean, for statistics that make sense of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Counts: Sum and SampleCount make sense; a percentile does not.
    Counter,
    /// Levels: Average, Minimum, Maximum.
    Gauge,
    /// One value per event (durations): every statistic.
    PerEvent,
}

/// One source of a metric.
#[derive(Debug, Clone)]
pub struct Source {
    /// Who publishes it, in words ("metric filter ErrorCount", "AWS (…)").
    pub by: String,
    /// The dimension sets it is published with (exact sets of names).
    pub dimension_sets: Vec<BTreeSet<String>>,
    /// What its values mean, when known.
    pub kind: Option<ValueKind>,
}

/// A reference to a metric: namespace, name, the dimension names selected,
/// and the statistic (when the reference names one).
#[derive(Debug, Clone)]
pub struct MetricRef<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Metric name.
    pub name: &'a str,
    /// Dimension names.
    pub dimensions: BTreeSet<&'a str>,
    /// Statistic, if any.
    pub statistic: Option<&'a str>,
}

/// What is wrong with a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The metric cannot exist as referenced.
    Error {
        /// What is wrong.
        message: String,
        /// The nearest fix.
        help: String,
    },
    /// It exists, but the reference is doubtful (e.g. p95 of a counter).
    Warning {
        /// What is doubtful.
        message: String,
        /// What to do.
        help: String,
    },
}

/// Every known source of metrics.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    metrics: BTreeMap<(String, String), Vec<Source>>,
    /// Namespaces whose metric lists are complete (AWS's, and those the
    /// catalogue publishes to), with who defines them.
    namespaces: BTreeMap<String, String>,
    /// Known namespaces whose metric lists are partial (only some of the
    /// metrics AWS publishes there).
    partial: BTreeSet<String>,
    external: BTreeSet<String>,
}

impl Sources {
    /// Adds a source of `namespace`/`name`; its namespace becomes known.
    pub fn add(&mut self, namespace: &str, name: &str, source: Source) {
        self.namespaces
            .entry(namespace.to_string())
            .or_insert_with(|| source.by.clone());
        self.metrics
            .entry((namespace.to_string(), name.to_string()))
            .or_default()
            .push(source);
    }

    /// A namespace whose metrics are not checked.
    pub fn external(&mut self, namespace: &str) {
        self.external.insert(namespace.to_string());
    }

    /// Marks a namespace's metric list as partial: a metric it does not list
    /// is not checked, and a dimension set it does not list is a warning
    /// (the metric may be published with it all the same).
    pub fn partial(&mut self, namespace: &str) {
        self.partial.insert(namespace.to_string());
    }

    /// True when `namespace` is known (complete) or external.
    pub fn knows_namespace(&self, namespace: &str) -> bool {
        self.namespaces.contains_key(namespace) || self.external.contains(namespace)
    }

    /// Checks one reference; `None` when it is fine.
    pub fn check(&self, r: &MetricRef<'_>) -> Option<Finding> {
        if self.external.contains(r.namespace) {
            return None;
        }
        let key = (r.namespace.to_string(), r.name.to_string());
        let partial = self.partial.contains(r.namespace);
        let Some(sources) = self.metrics.get(&key) else {
            return (!partial).then(|| self.unknown(r));
        };
        let wanted: BTreeSet<String> = r.dimensions.iter().map(|d| d.to_string()).collect();
        let Some(source) = sources.iter().find(|s| s.dimension_sets.contains(&wanted)) else {
            let mut sets: Vec<String> = sources
                .iter()
                .flat_map(|s| s.dimension_sets.iter().map(dims))
                .collect();
            sets.sort();
            sets.dedup();
            let by: Vec<&str> = sources.iter().map(|s| s.by.as_str()).collect();
            if partial {
                return Some(Finding::Warning {
                    message: format!(
                        "`{} {}` is not known to be published with dimensions {}",
                        r.namespace,
                        r.name,
                        dims_ref(&r.dimensions)
                    ),
                    help: format!(
                        "{} lists it with {} (a partial list: check the AWS page); select one of these dimension sets unless the page names yours",
                        by.join(" and "),
                        sets.join(" or ")
                    ),
                });
            }
            return Some(Finding::Error {
                message: format!(
                    "`{} {}` is never published with dimensions {}",
                    r.namespace,
                    r.name,
                    dims_ref(&r.dimensions)
                ),
                help: format!(
                    "{} publishes it with {}: select exactly one of these dimension sets",
                    by.join(" and "),
                    sets.join(" or ")
                ),
            });
        };
        let stat = r.statistic?;
        let percentile = crate::rules::limits::is_extended_statistic(stat);
        match source.kind {
            Some(ValueKind::Counter) if percentile => Some(Finding::Warning {
                message: format!(
                    "`{stat}` of `{} {}`, a counter: a percentile of counts says little",
                    r.namespace, r.name
                ),
                help: "use Sum (events per period) or SampleCount".to_string(),
            }),
            _ => None,
        }
    }

    /// The error for a metric no source publishes, with the nearest fix.
    fn unknown(&self, r: &MetricRef<'_>) -> Finding {
        let elsewhere: Vec<String> = self
            .metrics
            .iter()
            .filter(|((ns, name), _)| name == r.name && ns != r.namespace)
            .map(|((ns, _), sources)| {
                let sets: Vec<String> = sources
                    .iter()
                    .flat_map(|s| s.dimension_sets.iter().map(dims))
                    .collect();
                format!(
                    "{} publishes it in `{ns}` with dimensions {}",
                    sources.first().map_or("", |s| s.by.as_str()),
                    sets.join(" or ")
                )
            })
            .collect();
        if !self.namespaces.contains_key(r.namespace) {
            let mut help = format!(
                "declare the metric under `metrics:` (namespace `{}`) if your applications publish it, or list the namespace under `external_namespaces:`",
                r.namespace
            );
            if let Some(e) = elsewhere.first() {
                help = format!("{e}; or {help}");
            }
            return Finding::Error {
                message: format!(
                    "namespace `{}` is not published by AWS, a metric filter or a declared metric",
                    r.namespace
                ),
                help,
            };
        }
        let help = match elsewhere.first() {
            Some(e) => e.clone(),
            None => {
                let names = self
                    .metrics
                    .keys()
                    .filter(|(ns, _)| ns == r.namespace)
                    .map(|(_, n)| n.as_str());
                match crate::catalogue::suggest::did_you_mean(r.name, names) {
                    Some(s) => s,
                    None => format!(
                        "publish it (a metric filter, or `metrics:` for what the applications publish), or watch a metric `{}` has",
                        r.namespace
                    ),
                }
            }
        };
        Finding::Error {
            message: format!("`{}` has no metric `{}`", r.namespace, r.name),
            help,
        }
    }
}

fn dims(set: &BTreeSet<String>) -> String {
    format!("[{}]", set.iter().cloned().collect::<Vec<_>>().join(", "))
}

fn dims_ref(set: &BTreeSet<&str>) -> String {
    format!("[{}]", set.iter().copied().collect::<Vec<_>>().join(", "))
}
