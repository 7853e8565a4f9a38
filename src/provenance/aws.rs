//! The metrics AWS services publish: namespaces, metric names, dimension
//! sets, units, each namespace with the documentation page it came from.
//! Kept as data (`data/aws-metrics.yaml`, embedded at build time), not code.

use super::{Source, Sources, ValueKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The table, as written in `data/aws-metrics.yaml`.
pub const TABLE: &str = include_str!("../../data/aws-metrics.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Namespace {
    source: String,
    #[serde(default)]
    dimension_sets: Vec<Vec<String>>,
    metrics: BTreeMap<String, Metric>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metric {
    #[serde(default)]
    unit: Option<String>,
    kind: Kind,
    #[serde(default)]
    dimension_sets: Option<Vec<Vec<String>>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Counter,
    Gauge,
}

/// One namespace of the table: its documentation page and metric count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceInfo {
    /// Namespace.
    pub name: String,
    /// The AWS documentation page.
    pub source: String,
    /// Metrics listed.
    pub metrics: usize,
}

fn parse() -> Result<BTreeMap<String, Namespace>, String> {
    serde_saphyr::from_str(TABLE).map_err(|e| e.to_string())
}

/// The table as sources, parsed once per process.
fn table_sources() -> &'static Sources {
    static SOURCES: std::sync::OnceLock<Sources> = std::sync::OnceLock::new();
    SOURCES.get_or_init(|| {
        let mut sources = Sources::default();
        build(&mut sources);
        sources
    })
}

/// The namespaces of the table.
pub fn namespaces() -> Vec<NamespaceInfo> {
    parse()
        .map(|t| {
            t.into_iter()
                .map(|(name, ns)| NamespaceInfo {
                    name,
                    source: ns.source,
                    metrics: ns.metrics.len(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every AWS-published metric of the table, as sources to add to.
pub fn sources() -> Sources {
    table_sources().clone()
}

fn build(sources: &mut Sources) {
    let Ok(table) = parse() else {
        return;
    };
    for (ns, spec) in table {
        for (name, m) in spec.metrics {
            let sets = m.dimension_sets.as_ref().unwrap_or(&spec.dimension_sets);
            let dimension_sets: Vec<BTreeSet<String>> = sets
                .iter()
                .map(|set| set.iter().cloned().collect())
                .collect();
            let _ = m.unit;
            sources.add(
                &ns,
                &name,
                Source {
                    by: format!("AWS ({})", spec.source),
                    dimension_sets,
                    kind: Some(match m.kind {
                        Kind::Counter => ValueKind::Counter,
                        Kind::Gauge => ValueKind::Gauge,
                    }),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_covers_the_namespaces_services_like_these_use() {
        let table = parse().unwrap();
        for ns in [
            "AWS/ECS",
            "ECS/ContainerInsights",
            "AWS/ApplicationELB",
            "AWS/RDS",
            "AWS/ElastiCache",
            "AWS/Lambda",
            "AWS/SQS",
            "AWS/SNS",
            "AWS/ApiGateway",
            "AWS/DynamoDB",
            "AWS/Logs",
        ] {
            let n = &table[ns];
            assert!(n.source.starts_with("https://docs.aws.amazon.com/"), "{ns}");
            assert!(!n.metrics.is_empty(), "{ns}");
        }
        assert!(!table["AWS/ECS"].metrics.contains_key("RunningTaskCount"));
        assert!(
            table["ECS/ContainerInsights"]
                .metrics
                .contains_key("RunningTaskCount")
        );
    }
}
