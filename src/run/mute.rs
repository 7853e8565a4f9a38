//! `obsctl mute` / `obsctl unmute`: ad-hoc one-time mute rules for a deploy
//! ([`crate::adhoc`]), made and ended directly, outside plan and apply
//! (which leave a running one alone and prune it once expired).

use super::{session, stdout_error};
use crate::aws::{Aws, AwsError, all_pages, mute_rule_name};
use crate::cli::{AwsArgs, Cli};
use crate::error::{EXIT_OK, Error};
use crate::ownership::{REASON_TAG, adhoc_running};
use std::io::Write;

/// Now, in UTC.
fn now() -> chrono::DateTime<chrono::Utc> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

pub(super) async fn mute_command(
    cli: &Cli,
    env: &str,
    duration: &str,
    services: &[String],
    reason: Option<&str>,
    args: &AwsArgs,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let secs =
        crate::notation::duration(duration).map_err(|e| Error::Usage(format!("--for: {e}")))?;
    let s = session(cli, env, args).await?;
    let targets = crate::adhoc::alarms(&s.desired, services);
    if let Some(unknown) = services
        .iter()
        .find(|svc| crate::adhoc::alarms(&s.desired, std::slice::from_ref(svc)).is_empty())
    {
        return Err(Error::Usage(format!(
            "--services: no alarm with actions belongs to service `{unknown}` in environment `{env}`"
        )));
    }
    let rules = crate::adhoc::rules(&s.desired, now(), secs, &targets, reason)
        .map_err(|e| Error::Usage(format!("--for: {e}")))?;
    for rule in &rules {
        s.aws
            .cloudwatch()
            .put_alarm_mute_rule(rule)
            .await
            .map_err(Error::Aws)?;
        if !s.aws.trusts_create_tags() {
            // An endpoint that may drop the tags given on creation: the ad-hoc
            // tag is what keeps plan and apply away, so set it for certain.
            let (arn, _) = s
                .aws
                .cloudwatch()
                .get_alarm_mute_rule(&rule.name)
                .await
                .map_err(Error::Aws)?;
            s.aws
                .cloudwatch()
                .tag_resource(&arn, &rule.tags)
                .await
                .map_err(Error::Aws)?;
        }
    }
    let until = rules
        .first()
        .and_then(|r| r.expire_date.clone())
        .unwrap_or_default();
    writeln!(
        out,
        "muted {} alarms in {env} until {until} (UTC): {}",
        targets.len(),
        rules
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
    .map_err(stdout_error)?;
    for t in &targets {
        writeln!(out, "  {t}").map_err(stdout_error)?;
    }
    writeln!(
        out,
        "`obsctl unmute --env {env}` ends it early; apply leaves it alone until it expires."
    )
    .map_err(stdout_error)?;
    Ok(EXIT_OK)
}

/// The environment's running ad-hoc rules: (name, expire date, reason).
async fn running(
    aws: &Aws,
    prefix: &str,
) -> Result<Vec<(String, String, Option<String>)>, AwsError> {
    let all = all_pages(|next| aws.cloudwatch().list_alarm_mute_rules(next)).await?;
    let now = crate::rules::mute::format_date(now());
    let mut found = Vec::new();
    for r in all {
        let Some(name) = mute_rule_name(&r.arn).filter(|n| n.starts_with(prefix)) else {
            continue;
        };
        let tags = match aws.cloudwatch().list_tags(&r.arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        if adhoc_running(&tags, r.expire_date.as_deref(), &now) {
            let reason = tags
                .iter()
                .find(|t| t.key == REASON_TAG)
                .map(|t| t.value.clone());
            found.push((name.to_string(), r.expire_date.unwrap_or_default(), reason));
        }
    }
    Ok(found)
}

pub(super) async fn unmute_command(
    cli: &Cli,
    env: &str,
    args: &AwsArgs,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let s = session(cli, env, args).await?;
    let found = running(&s.aws, &s.desired.prefix)
        .await
        .map_err(Error::Aws)?;
    if found.is_empty() {
        writeln!(out, "no running ad-hoc mute in {env}").map_err(stdout_error)?;
        return Ok(EXIT_OK);
    }
    for (name, until, reason) in &found {
        s.aws
            .cloudwatch()
            .delete_alarm_mute_rule(name)
            .await
            .map_err(Error::Aws)?;
        let why = reason
            .as_deref()
            .map_or(String::new(), |r| format!(" ({r})"));
        writeln!(out, "unmuted: {name}, which ran until {until}{why}").map_err(stdout_error)?;
    }
    Ok(EXIT_OK)
}
