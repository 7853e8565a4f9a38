//! CloudWatch alarm mute rules (PutAlarmMuteRule): scheduled windows in
//! which the actions of up to 100 target alarms are muted while the alarms
//! keep evaluating. Tagged: ownership by tags (read one by one, like
//! dashboards' — rules are few).

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, retag};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{AlarmMuteRule, Tag};

impl Spec for AlarmMuteRule {
    const KIND: Kind = Kind::AlarmMuteRule;
    const DOC: &'static str = "CloudWatch alarm mute rule (PutAlarmMuteRule input)";
    /// Its targets must exist ("The alarm names must match existing alarms",
    /// `MuteTargets`): alarms are written first, and since apply's creates
    /// and updates all run before its deletes (deletes in reverse order), a
    /// rule stops naming an alarm before that alarm is deleted.
    const DEPENDS_ON: &'static [Kind] = &[Kind::MetricAlarm, Kind::CompositeAlarm, Kind::LogAlarm];
    const PLANNED_WITH: &'static [Kind] =
        &[Kind::MetricAlarm, Kind::CompositeAlarm, Kind::LogAlarm];
    const READER: Reader = Reader::MuteRules;
    /// DeleteAlarmMuteRule takes one name.
    const DELETES: Deletes = Deletes::Each;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = Some((Api::CloudWatchTag, Api::CloudWatchUntag));
    const IAM_ACTIONS: &'static [&'static str] = &[
        "cloudwatch:ListAlarmMuteRules",
        "cloudwatch:GetAlarmMuteRule",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutAlarmMuteRule",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "cloudwatch:DeleteAlarmMuteRule",
    ];

    fn key(&self) -> String {
        self.name.clone()
    }

    fn file_stem(&self) -> String {
        self.key()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        Some(&self.tags)
    }

    fn short_name(&self) -> String {
        self.name.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        Vec::new()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    /// Mute rules carry no charge of their own: the CloudWatch pricing page
    /// (aws-facts.md §6) lists none.
    fn cost(&self, _cost: &mut Cost) {}

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        add(Api::PutAlarmMuteRule, u64::from(change.rewrite));
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteAlarmMuteRule, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.rewrite {
            ctx.aws.cloudwatch().put_alarm_mute_rule(self).await?;
        }
        let arn = match &c.live_id {
            Some(arn) => arn.clone(),
            // The API references spell the rule's ARN two ways
            // (`alarm-mute-rule:NAME`, `alarm-mute-rule/NAME`, and the
            // emulator a third): the ARN to tag is the one AWS reports.
            // Needed only where tags given on creation are not trusted.
            None if c.action == Action::Create && !ctx.aws.trusts_create_tags() => {
                ctx.aws
                    .cloudwatch()
                    .get_alarm_mute_rule(&self.name)
                    .await?
                    .0
            }
            None => return Ok(None),
        };
        if c.action == Action::Create {
            ctx.tags_kept
                .ensure(ctx.aws, Kind::AlarmMuteRule, &arn, &self.tags)
                .await?;
        }
        retag(ctx.aws, c, &arn).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        for c in changes {
            aws.cloudwatch().delete_alarm_mute_rule(&c.key).await?;
        }
        Ok(())
    }
}
