//! CloudWatch alarm mute rules: ListAlarmMuteRules (every rule of the
//! account: the API filters by target alarm and status, not by name; its
//! summaries carry the ARN, whose last part is the name), then, for each
//! rule under the environment's prefix, its tags (ListTagsForResource; an
//! index of CloudWatch tags that lists mute rules is not documented) and,
//! unless another environment's, the rule itself (GetAlarmMuteRule).
//! A running ad-hoc rule (`obsctl mute`) is not read further: it is not the
//! catalogue's ([`crate::ownership::adhoc_running`]); an expired one is read
//! like the others, so the plan deletes it.

use super::{CONCURRENCY, LiveState, generated, gone_is_none, owner};
use crate::aws::{Aws, AwsError, all_pages, mute_rule_name};
use crate::compile::DesiredState;
use crate::ownership::{Verdict, adhoc_running};
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};

pub(super) async fn mute_rules(
    aws: &Aws,
    desired: &DesiredState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let all = all_pages(|next| aws.cloudwatch().list_alarm_mute_rules(next)).await?;
    live.counts.mute_rules_in_account = Some(all.len() as u64);
    let ours: Vec<(String, String, Option<String>)> = all
        .into_iter()
        .filter_map(|r| {
            let name = mute_rule_name(&r.arn)?.to_string();
            name.starts_with(&desired.prefix)
                .then_some((r.arn, name, r.expire_date))
        })
        .collect();
    let now = &now_utc();
    live.counts.mute_rules = Some(ours.len() as u64);
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::AlarmMuteRule]);
    let read: Vec<Option<(String, AlarmMuteRule, Vec<Tag>)>> = stream::iter(ours)
        .map(|(arn, name, expire)| async move {
            // Deleted since it was listed: gone, not an error.
            let Some(tags) = gone_is_none(aws.cloudwatch().list_tags(&arn).await)? else {
                return Ok(None);
            };
            if owner.tagged(&name, &tags, generated, false) == Verdict::NotOurs
                || adhoc_running(&tags, expire.as_deref(), now)
            {
                return Ok(None);
            }
            let rule = gone_is_none(aws.cloudwatch().get_alarm_mute_rule(&name).await)?;
            Ok::<_, AwsError>(rule.map(|(_, rule)| (arn, rule, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (arn, mut rule, tags) in read.into_iter().flatten() {
        let verdict = owner.tagged(&rule.name, &tags, generated, false);
        rule.tags = tags;
        live.file(verdict, Resource::AlarmMuteRule(Box::new(rule)), Some(arn));
    }
    Ok(())
}

/// The time now, as mute rules' dates are written (UTC, to the second).
pub(crate) fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(crate::rules::mute::format_date)
        .unwrap_or_default()
}
