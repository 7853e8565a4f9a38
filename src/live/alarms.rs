//! CloudWatch alarms (metric, composite and log): DescribeAlarms by prefix, tags
//! settled from the tagging index. Alarms named outside the prefix (an
//! override's `name`) are described by name: those the catalogue names,
//! and those the tagging index lists as this environment's (a name the
//! catalogue no longer has, to be deleted).

use super::tags::{TagIndex, settled_tags};
use super::{CONCURRENCY, LiveState, generated, owner};
use crate::aws::{Aws, AwsError, LiveAlarm, all_pages};
use crate::compile::DesiredState;
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::BTreeSet;

pub(super) async fn alarms(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    index: impl std::future::Future<Output = Result<TagIndex, AwsError>>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut found = all_pages(|next| async move {
        let page = aws
            .cloudwatch()
            .describe_alarms(&desired.prefix, next)
            .await?;
        Ok((page.alarms, page.next))
    })
    .await?;
    let index = &index.await?;
    let listed: BTreeSet<&str> = found.iter().map(|(_, a)| a.name()).collect();
    let outside: BTreeSet<String> = desired
        .alarm_names
        .values()
        .cloned()
        .chain(index.alarm_names())
        .filter(|n| !n.starts_with(desired.prefix.as_str()) && !listed.contains(n.as_str()))
        .collect();
    let outside: Vec<String> = outside.into_iter().collect();
    let named: Vec<Vec<(String, LiveAlarm)>> = stream::iter(outside.chunks(100))
        .map(|names| aws.cloudwatch().describe_alarms_named(names))
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    live.counts.alarms = Some(found.len() as u64);
    live.counts.alarms_named = (!outside.is_empty()).then_some(outside.len() as u64);
    found.extend(named.into_iter().flatten());
    found.retain(|(_, a)| kinds.contains(&a.kind()));
    let owner = &owner(desired);
    let names = &generated(
        desired,
        &[Kind::MetricAlarm, Kind::CompositeAlarm, Kind::LogAlarm],
    );
    let tagged: Vec<Option<(String, LiveAlarm, Vec<Tag>)>> = stream::iter(found)
        .map(|(arn, alarm)| async move {
            if index.not_ours(&arn, alarm.name(), owner, names) {
                return Ok(None);
            }
            let wanted = desired
                .resources
                .get(&(alarm.kind(), alarm.name().to_string()));
            // Deleted between DescribeAlarms and now: it is gone, not an error.
            let tags =
                settled_tags(index, wanted, &arn, || aws.cloudwatch().list_tags(&arn)).await?;
            Ok::<_, AwsError>(tags.map(|tags| (arn, alarm, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (arn, alarm, tags) in tagged.into_iter().flatten() {
        let verdict = owner.tagged(alarm.name(), &tags, names, false);
        live.file(verdict, alarm.into_resource(tags), Some(arn));
    }
    Ok(())
}
