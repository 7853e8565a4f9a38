//! CloudWatch dashboards: listed by prefix, tags read one by one (the
//! tagging API does not return dashboards), bodies normalized; filed once
//! alarms and topics are known.

use super::{CONCURRENCY, LiveState, generated, gone_is_none, owner};
use crate::aws::{Aws, AwsError, all_pages};
use crate::compile::DesiredState;
use crate::ownership::Verdict;
use crate::resource::canonical::expand_dashboard_shorthand;
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};

/// Parses a stored dashboard body into canonical form (tags empty).
pub fn normalize_dashboard(name: &str, raw: &str) -> Dashboard {
    let body = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(mut v) => {
            expand_dashboard_shorthand(&mut v);
            Body::new(v)
        }
        Err(_) => Body::new(serde_json::Value::String(raw.to_string())),
    };
    Dashboard {
        dashboard_name: name.to_string(),
        body,
        tags: Vec::new(),
    }
}

/// A dashboard as read: name, body, tags.
type DashboardRead = (String, String, Vec<Tag>);

/// Reads the environment's dashboards (bodies of those that may be ours),
/// how many have the prefix (D of the floor), and how many names outside
/// the prefix were listed one by one.
pub(super) async fn dashboards(
    aws: &Aws,
    desired: &DesiredState,
) -> Result<(Vec<DashboardRead>, Option<u64>, Option<u64>), AwsError> {
    let mut names =
        all_pages(|next| aws.cloudwatch().list_dashboards(&desired.prefix, next)).await?;
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Dashboard]);
    names.retain(|n| n.starts_with(&desired.prefix));
    let count = names.len() as u64;
    // Dashboards the catalogue names outside the prefix (a dashboard's
    // `name`): listed by their own names.
    let outside: Vec<&String> = generated
        .iter()
        .filter(|n| !n.starts_with(desired.prefix.as_str()))
        .collect();
    let named = (!outside.is_empty()).then_some(outside.len() as u64);
    let found: Vec<Vec<String>> = stream::iter(outside)
        .map(|name| async move {
            let listed = all_pages(|next| aws.cloudwatch().list_dashboards(name, next)).await?;
            Ok::<_, AwsError>(listed.into_iter().filter(|n| n == name).collect())
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    names.extend(found.into_iter().flatten());
    let read: Vec<Option<(String, String, Vec<Tag>)>> = stream::iter(names)
        .map(|name| async move {
            let arn = dashboard_arn(&desired.region, &desired.account, &name);
            let tags = gone_is_none(aws.cloudwatch().list_tags(&arn).await)?;
            let Some(tags) = tags else {
                return Ok(None);
            };
            // Another environment's: its body is not read.
            if owner.tagged(&name, &tags, generated, true) == Verdict::NotOurs {
                return Ok(None);
            }
            let body = gone_is_none(aws.cloudwatch().get_dashboard(&name).await)?;
            Ok::<_, AwsError>(body.map(|body| (name, body, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok((read.into_iter().flatten().collect(), Some(count), named))
}

/// Files the dashboards read, once alarms and topics are known: their
/// ownership depends on whether the environment is a legacy one.
pub(super) fn file_dashboards(
    desired: &DesiredState,
    live: &mut LiveState,
    read: Vec<DashboardRead>,
) {
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Dashboard]);
    let legacy = live.is_legacy();
    for (name, raw, tags) in read {
        let verdict = owner.tagged(&name, &tags, generated, legacy);
        let mut dashboard = normalize_dashboard(&name, &raw);
        dashboard.tags = tags;
        live.file(verdict, Resource::Dashboard(Box::new(dashboard)), None);
    }
}
