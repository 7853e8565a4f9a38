//! CloudWatch log alarms (PutLogAlarm): an alarm on the results of a
//! CloudWatch Logs Insights query that a service-managed scheduled query runs
//! (CloudWatch User Guide, "Log alarms"). Listed by DescribeAlarms under
//! `LogAlarms`, deleted by DeleteAlarms like every alarm, tagged like every
//! alarm: ownership by tags.

use super::metric_alarm::ALARM_ACTIONS;
use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, retag};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{LogAlarm, Tag};

impl Spec for LogAlarm {
    const KIND: Kind = Kind::LogAlarm;
    const DOC: &'static str =
        "CloudWatch log alarm on a scheduled Logs Insights query (PutLogAlarm input)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::Topic];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Alarms;
    /// DeleteAlarms takes up to 100 names (log alarms among them: "When you
    /// delete the alarm, CloudWatch deletes the AWS managed Scheduled
    /// Query", User Guide "Log alarms").
    const DELETES: Deletes = Deletes::Batched { batch: 100 };
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = Some((Api::CloudWatchTag, Api::CloudWatchUntag));
    const IAM_ACTIONS: &'static [&'static str] = &[
        ALARM_ACTIONS[0],
        ALARM_ACTIONS[1],
        ALARM_ACTIONS[2],
        ALARM_ACTIONS[3],
        ALARM_ACTIONS[4],
        ALARM_ACTIONS[5],
        "cloudwatch:PutLogAlarm",
        "iam:PassRole",
    ];

    fn key(&self) -> String {
        self.alarm_name.clone()
    }

    fn file_stem(&self) -> String {
        self.key()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        Some(&self.tags)
    }

    fn short_name(&self) -> String {
        self.alarm_name.clone()
    }

    /// The groups it queries: with `log_groups: require` a plan blocks on a
    /// missing one, with `create` apply creates them first.
    fn log_groups(&self) -> Vec<&str> {
        self.scheduled_query_configuration
            .log_group_identifiers
            .iter()
            .map(String::as_str)
            .collect()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    /// What a log alarm costs depends on the data each scheduled run scans
    /// (Logs Insights pricing per GB scanned), which obsctl cannot know
    /// offline: counted, and reported as not estimated.
    fn cost(&self, cost: &mut Cost) {
        cost.log_alarms += 1;
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        add(Api::PutLogAlarm, u64::from(change.rewrite));
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteAlarms, n.div_ceil(100));
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.rewrite {
            ctx.aws.cloudwatch().put_log_alarm(self).await?;
        }
        let arn = ctx.alarm_arn(c, &self.alarm_name);
        if c.action == Action::Create {
            // fakecloud 0.51 drops PutLogAlarm's Tags.
            ctx.tags_kept
                .ensure(ctx.aws, Kind::LogAlarm, &arn, &self.tags)
                .await?;
        }
        retag(ctx.aws, c, &arn).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        let names: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
        aws.cloudwatch().delete_alarms(&names).await
    }
}
