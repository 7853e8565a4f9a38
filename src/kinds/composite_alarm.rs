//! CloudWatch composite alarms (PutCompositeAlarm): a rule over other
//! alarms, with optional action suppression. Tagged: ownership by tags.

use super::metric_alarm::ALARM_ACTIONS;
use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, retag};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{CompositeAlarm, Tag};

impl Spec for CompositeAlarm {
    const KIND: Kind = Kind::CompositeAlarm;
    const DOC: &'static str = "CloudWatch composite alarm (PutCompositeAlarm input)";
    /// Its rule names metric alarms and, where written, log alarms (both
    /// are written first).
    const DEPENDS_ON: &'static [Kind] = &[Kind::Topic, Kind::MetricAlarm, Kind::LogAlarm];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Alarms;
    /// One per DeleteAlarms call (AWS: a composite still named by another
    /// cannot go first), parents before children.
    const DELETES: Deletes = Deletes::Levels;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = Some((Api::CloudWatchTag, Api::CloudWatchUntag));
    const IAM_ACTIONS: &'static [&'static str] = &[
        ALARM_ACTIONS[0],
        ALARM_ACTIONS[1],
        ALARM_ACTIONS[2],
        ALARM_ACTIONS[3],
        ALARM_ACTIONS[4],
        ALARM_ACTIONS[5],
        "cloudwatch:PutCompositeAlarm",
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

    fn log_groups(&self) -> Vec<&str> {
        Vec::new()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn cost(&self, cost: &mut Cost) {
        cost.composites += 1;
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        add(Api::PutCompositeAlarm, u64::from(change.rewrite));
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        // One composite alarm per DeleteAlarms call.
        add(Api::DeleteAlarms, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.rewrite {
            ctx.aws.cloudwatch().put_composite_alarm(self).await?;
        }
        let arn = ctx.alarm_arn(c, &self.alarm_name);
        if c.action == Action::Create {
            ctx.tags_kept
                .ensure(ctx.aws, Kind::CompositeAlarm, &arn, &self.tags)
                .await?;
        }
        retag(ctx.aws, c, &arn).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        let names: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
        aws.cloudwatch().delete_alarms(&names).await
    }
}
