//! CloudWatch Logs resources: metric filters on each service's log group,
//! saved Logs Insights queries, and the log groups both read.

use super::{Compiler, per_service};
use crate::catalogue::model::LogGroupMode;
use crate::resource::{
    Kind, LogGroup, MetricFilter, MetricTransformation, QueryDefinition, Resource,
};

/// One filter per (filter template, service).
pub fn metric_filters(c: &mut Compiler) {
    for (fname, spec) in &c.cat.metric_filters {
        // Templated patterns are parsed once rendered (validate parses the
        // others); one problem per template, not per service.
        let mut checked = !(spec.pattern.contains("{{") || spec.pattern.contains("{%"));
        for i in c.services_for(spec.services.as_ref()) {
            // A service without logs (`log_group: none`) gets no filter.
            let Some(log_group) = c.services[i].log_group.clone() else {
                continue;
            };
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
                log_group_name: log_group,
                filter_name: c.name(Some(c.services[i].name), fname),
                filter_pattern: c.text(&spec.pattern, &ctx, &o.child("pattern")),
                metric_transformations: vec![transformation],
            };
            if !checked {
                checked = true;
                if let Err(e) =
                    crate::engine::filter_pattern::Pattern::parse(&filter.filter_pattern)
                {
                    c.cat.problem(
                        c.problems,
                        &o.child("pattern"),
                        format!(
                            "filter pattern (as rendered for {}): {}",
                            c.services[i].name, e.message
                        ),
                        Some(format!(
                            "{}rendered: {}",
                            e.help.map(|h| format!("{h}; ")).unwrap_or_default(),
                            filter.filter_pattern
                        )),
                    );
                }
            }
            let service = c.services[i].name;
            c.add_from(Resource::from(filter), o.clone(), fname, Some(service));
        }
    }
}

/// Saved queries: `<prefix>/<name>` per environment over every log group, or
/// `<prefix>/<service>/<name>` per service over its own; each ends with
/// obsctl's marker comment ([`crate::ownership::mark_query`]).
pub fn queries(c: &mut Compiler) {
    let prefix = c.name(None, "");
    let mark = |text: String| crate::ownership::mark_query(&text, &c.cat.project, c.env_name);
    for (qname, spec) in &c.cat.queries {
        let o = spec.origin.child("query");
        // The services it reads: those named in `services` (default: all),
        // without the ones that write no logs.
        let readers: Vec<usize> = c
            .services_for(spec.services.as_ref())
            .into_iter()
            .filter(|&i| c.services[i].log_group.is_some())
            .collect();
        if per_service(spec.per) {
            for &i in &readers {
                let Some(log_group) = c.services[i].log_group.clone() else {
                    continue;
                };
                let ctx = c.context(Some(i));
                if let Some(old) = &spec.replaces {
                    let old = c.text(old, &ctx, &spec.origin.child("replaces"));
                    c.state.replaced_queries.insert(old);
                }
                let query = QueryDefinition {
                    name: format!("{prefix}/{}/{qname}", c.services[i].name),
                    query_string: mark(c.text(&spec.query, &ctx, &o)),
                    log_group_names: vec![log_group],
                };
                let service = c.services[i].name;
                c.add_from(
                    Resource::from(query),
                    spec.origin.clone(),
                    qname,
                    Some(service),
                );
            }
        } else {
            let ctx = c.context(None);
            let mut groups: Vec<String> = readers
                .iter()
                .filter_map(|&i| c.services[i].log_group.clone())
                .collect();
            if groups.is_empty() {
                continue; // no service of this environment writes logs
            }
            groups.sort();
            groups.dedup();
            if let Some(old) = &spec.replaces {
                let old = c.text(old, &ctx, &spec.origin.child("replaces"));
                c.state.replaced_queries.insert(old);
            }
            let query = QueryDefinition {
                name: format!("{prefix}/{qname}"),
                query_string: mark(c.text(&spec.query, &ctx, &o)),
                log_group_names: groups,
            };
            c.add_from(Resource::from(query), spec.origin.clone(), qname, None);
        }
    }
}

/// The log groups the filters and queries read, with who reads each; with
/// `log_groups: create`, a log group resource for each (created if missing).
pub fn log_groups(c: &mut Compiler) {
    let mut users: std::collections::BTreeMap<String, Vec<(Kind, String)>> = Default::default();
    for r in c.state.resources.values() {
        if r.kind() == Kind::LogGroup {
            continue;
        }
        for g in r.log_groups() {
            users
                .entry(g.to_string())
                .or_default()
                .push((r.kind(), r.short_name()));
        }
    }
    if c.env.log_groups == LogGroupMode::Create {
        let origin = c.env.origin.child("log_groups");
        let tags = c.ownership_tags();
        for group in users.keys() {
            let resource = Resource::LogGroup(Box::new(LogGroup {
                log_group_name: group.clone(),
                retention_in_days: c.env.log_retention_days,
                tags: tags.clone(),
            }));
            c.add(resource, origin.clone());
        }
    }
    c.state.log_group_users = users;
}
