//! CloudWatch Logs resources: metric filters on each service's log group and
//! saved Logs Insights queries.

use super::{Compiler, per_service};
use crate::resource::{MetricFilter, MetricTransformation, QueryDefinition, Resource};

/// One filter per (filter template, service).
pub fn metric_filters(c: &mut Compiler) {
    for (fname, spec) in &c.cat.metric_filters {
        for i in c.services_for(spec.services.as_ref()) {
            let ctx = c.context(Some(i));
            let o = &spec.origin;
            let namespace = spec
                .namespace
                .clone()
                .unwrap_or_else(|| c.cat.namespace.clone());
            let transformation = MetricTransformation {
                metric_name: c.text(&spec.metric, &ctx, &o.child("metric")),
                metric_namespace: c.text(&namespace, &ctx, &o.child("namespace")),
                metric_value: spec.value.clone(),
                default_value: spec.default,
                dimensions: spec.dimensions.clone(),
                unit: spec.unit.clone(),
            };
            let filter = MetricFilter {
                log_group_name: c.services[i].log_group.clone(),
                filter_name: c.name(Some(c.services[i].name), fname),
                filter_pattern: c.text(&spec.pattern, &ctx, &o.child("pattern")),
                metric_transformations: vec![transformation],
            };
            c.add(Resource::MetricFilter(filter), o.clone());
        }
    }
}

/// Saved queries: `<prefix>/<name>` per environment over every log group, or
/// `<prefix>/<service>/<name>` per service over its own.
pub fn queries(c: &mut Compiler) {
    let prefix = c.name(None, "");
    for (qname, spec) in &c.cat.queries {
        let o = spec.origin.child("query");
        if per_service(spec.per) {
            for i in 0..c.services.len() {
                let ctx = c.context(Some(i));
                let query = QueryDefinition {
                    name: format!("{prefix}/{}/{qname}", c.services[i].name),
                    query_string: c.text(&spec.query, &ctx, &o),
                    log_group_names: vec![c.services[i].log_group.clone()],
                };
                c.add(Resource::QueryDefinition(query), spec.origin.clone());
            }
        } else {
            let ctx = c.context(None);
            let mut groups: Vec<String> = c.services.iter().map(|s| s.log_group.clone()).collect();
            groups.sort();
            groups.dedup();
            let query = QueryDefinition {
                name: format!("{prefix}/{qname}"),
                query_string: c.text(&spec.query, &ctx, &o),
                log_group_names: groups,
            };
            c.add(Resource::QueryDefinition(query), spec.origin.clone());
        }
    }
}
