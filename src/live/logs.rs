//! CloudWatch Logs: the log groups filters and queries read, metric filters
//! (account-wide or per log group, whichever is fewer calls) and saved
//! queries.

use super::{CONCURRENCY, LiveState, generated, owner};
use crate::aws::{Aws, AwsError, all_pages, pages_within};
use crate::compile::DesiredState;
use crate::kinds::Spec;
use crate::ownership::{
    ConflictReason, LogGroupScope, Owner, Verdict, common_prefix, is_marked, marked_for_other,
};
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// Which of the log groups the planned filters and queries read exist. They
/// are listed by their longest common name prefix (DescribeLogGroups, 50 per
/// page: one call for a typical environment whose groups share
/// `/ecs/<project>/<env>/`); without a useful common prefix, one listing
/// per group. An existing group is never compared: obsctl does not change
/// log groups that exist, so with `log_groups: create` it is recorded as
/// live exactly as desired.
pub(super) async fn log_groups(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    live: &mut LiveState,
) -> Result<ListedGroups, AwsError> {
    let needed: Vec<&String> = desired
        .log_group_users
        .iter()
        .filter(|(_, users)| {
            kinds.contains(&Kind::LogGroup) || users.iter().any(|(k, _)| kinds.contains(k))
        })
        .map(|(group, _)| group)
        .collect();
    let common = common_prefix(&needed);
    let prefixes: Vec<&str> = if needed.len() > 1 && common.len() >= 2 {
        vec![common]
    } else {
        needed.iter().map(|g| g.as_str()).collect()
    };
    let by_prefix = prefixes.len() == 1 && needed.len() > 1;
    let listed: Vec<Vec<String>> = stream::iter(prefixes)
        .map(|prefix| all_pages(move |next| aws.logs().describe_log_groups(prefix, next)))
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let existing: BTreeSet<String> = listed.into_iter().flatten().collect();
    let result = ListedGroups {
        groups: existing.clone(),
        by_prefix,
    };
    for group in needed {
        if !existing.contains(group) {
            live.missing_log_groups.insert(group.clone());
            continue;
        }
        let key = (Kind::LogGroup, group.clone());
        if let Some(r) = desired.resources.get(&key) {
            live.resources.insert(key, r.clone());
        }
    }
    Ok(result)
}

/// The log groups found by [`log_groups`].
#[derive(Debug, Clone, Default)]
pub(super) struct ListedGroups {
    /// Existing groups listed.
    groups: BTreeSet<String>,
    /// Listed by the catalogue's common prefix: the list also holds groups
    /// under it the catalogue no longer names.
    by_prefix: bool,
}

/// Metric filters, in the fewer calls of two reads (DescribeMetricFilters,
/// 50 per page):
///
/// - account-wide (no log group): ⌈filters in the account / 50⌉ calls; it
///   also finds the filters of a removed service whatever its log group;
/// - per log group: one call per listed group (more for a group with over
///   50 filters); it finds removed services' filters only in groups under
///   the catalogue's common log-group prefix, so it is used only when the
///   groups were listed by that prefix.
///
/// The account's filter count is unknown before reading, but it is at least
/// the catalogue's: per group is chosen when that alone makes it cheaper
/// (G < ⌈desired filters / 50⌉, i.e. over 50 filters per group). Otherwise
/// the account-wide read runs with a budget of G pages; an account whose
/// other filters would exceed it (many filters of other tools) falls back to
/// per group, so a read never costs more than twice the cheaper one.
/// AWS accepts `filterNamePrefix` only with a log group; the prefix is
/// applied here instead.
pub(super) async fn metric_filters(
    aws: &Aws,
    desired: &DesiredState,
    listed: &ListedGroups,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let wanted = desired
        .resources
        .keys()
        .filter(|(k, _)| *k == Kind::MetricFilter)
        .count() as u64;
    let groups = listed.groups.len() as u64;
    let per_group_possible = listed.by_prefix;
    let mut filters = None;
    if !(per_group_possible && groups < wanted.div_ceil(50)) {
        let budget = if per_group_possible {
            groups.max(1)
        } else {
            u64::MAX
        };
        filters = pages_within(budget, |next| {
            aws.logs().describe_metric_filters(None, next)
        })
        .await?;
    }
    let filters = match filters {
        Some((filters, _)) => {
            live.counts.filters_in_account = Some(filters.len() as u64);
            filters
        }
        None => {
            let per_group: Vec<(Vec<MetricFilter>, u64)> = stream::iter(&listed.groups)
                .map(|g| async move {
                    let read = pages_within(u64::MAX, |next| {
                        aws.logs().describe_metric_filters(Some(g), next)
                    })
                    .await?;
                    Ok::<_, AwsError>(read.unwrap_or_default())
                })
                .buffered(CONCURRENCY)
                .try_collect()
                .await?;
            per_group.into_iter().flat_map(|(f, _)| f).collect()
        }
    };
    live.counts.log_groups_read = Some(groups);
    let owner = owner(desired);
    let generated: BTreeSet<String> = desired
        .resources
        .values()
        .filter_map(|r| {
            let Resource::MetricFilter(f) = r else {
                return None;
            };
            Some(f.filter_name.clone())
        })
        .collect();
    let scope = LogGroupScope::of(desired.log_group_users.keys());
    for f in filters {
        let verdict = owner.untagged_kind(&f.filter_name, &generated);
        if verdict == Verdict::Owned && !desired.import && !scope.contains(&f.log_group_name) {
            // Named like ours, in a log group this environment does not
            // use: obsctl cannot show it made it, so it is never deleted.
            live.outside
                .insert((Kind::MetricFilter, f.key()), f.log_group_name.clone());
            continue;
        }
        live.file(verdict, Resource::MetricFilter(Box::new(f)), None);
    }
    Ok(())
}

pub(super) async fn queries(
    aws: &Aws,
    desired: &DesiredState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let found = all_pages(|next| {
        aws.logs()
            .describe_query_definitions(&desired.query_prefix, next)
    })
    .await?;
    live.counts.queries = Some(found.len() as u64);
    let owner = Owner {
        prefix: &desired.query_prefix,
        other_prefixes: &desired.other_query_prefixes,
        ..owner(desired)
    };
    let generated = generated(desired, &[Kind::QueryDefinition]);
    let mut by_name: BTreeMap<String, Vec<(String, QueryDefinition)>> = BTreeMap::new();
    // Saved queries made by hand that the catalogue's replace (`replaces`):
    // read by their exact names and filed as owned, so the plan deletes
    // them (adoption by rename). One marked for another catalogue or
    // environment is left alone.
    let replaced: Vec<&String> = desired
        .replaced_queries
        .iter()
        .filter(|n| !n.starts_with(desired.query_prefix.as_str()))
        .collect();
    let named: Vec<Vec<(String, QueryDefinition)>> = stream::iter(replaced)
        .map(|name| async move {
            let listed =
                all_pages(|next| aws.logs().describe_query_definitions(name, next)).await?;
            Ok::<_, AwsError>(
                listed
                    .into_iter()
                    .filter(|(_, q)| q.name == *name)
                    .collect(),
            )
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (id, mut q) in named.into_iter().flatten() {
        if marked_for_other(&q.query_string, &desired.project, &desired.env) {
            continue;
        }
        q.log_group_names.sort();
        by_name.entry(q.name.clone()).or_default().push((id, q));
    }
    for (id, mut q) in found {
        if owner.untagged_kind(&q.name, &generated) != Verdict::Owned {
            continue;
        }
        // Only a query obsctl marked is its own; one saved in the console
        // under the catalogue's folder is left alone. An unmarked one with
        // a name the catalogue generates was made by an obsctl before the
        // marker: owned, and the next apply adds the marker.
        if !desired.import
            && !is_marked(&q.query_string, &desired.project, &desired.env)
            && !generated.contains(&q.name)
        {
            live.unmarked
                .insert((Kind::QueryDefinition, q.name.clone()));
            continue;
        }
        q.log_group_names.sort();
        by_name.entry(q.name.clone()).or_default().push((id, q));
    }
    for (name, mut copies) in by_name {
        // Saved queries are identified by id, not name. Copies that are
        // the same query (name, query string, log groups: what a repeated
        // or racing create makes) are duplicates: the one with the lowest
        // id is kept, the others are deleted by the next apply. Copies that
        // differ are a conflict: obsctl cannot tell which one it manages.
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rest = copies.split_off(1.min(copies.len()));
        let Some((id, q)) = copies.pop() else {
            continue;
        };
        if rest.iter().any(|(_, other)| *other != q) {
            let ids = std::iter::once(id).chain(rest.into_iter().map(|(id, _)| id));
            live.conflicts.insert(
                (Kind::QueryDefinition, name),
                ConflictReason::DifferentQueries { ids: ids.collect() },
            );
            continue;
        }
        if !rest.is_empty() {
            let extra = rest.iter_mut().map(|(id, _)| std::mem::take(id)).collect();
            live.duplicates
                .insert((Kind::QueryDefinition, name.clone()), extra);
        }
        live.file(
            Verdict::Owned,
            Resource::QueryDefinition(Box::new(q)),
            Some(id),
        );
    }
    Ok(())
}
