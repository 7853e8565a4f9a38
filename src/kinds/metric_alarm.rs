//! CloudWatch metric alarms (PutMetricAlarm): on one metric, a metric-math
//! expression or an anomaly-detection band. Tagged: ownership by tags.

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, retag};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::Change;
use crate::resource::{MetricAlarm, Tag};

/// The IAM actions of both alarm kinds.
pub(super) const ALARM_ACTIONS: &[&str] = &[
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "tag:GetResources",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
];

impl Spec for MetricAlarm {
    const KIND: Kind = Kind::MetricAlarm;
    const DOC: &'static str =
        "CloudWatch metric, metric-math or anomaly-detection alarm (PutMetricAlarm input)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::Topic];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Alarms;
    /// DeleteAlarms takes up to 100 names.
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
        "cloudwatch:PutMetricAlarm",
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
        if self.high_resolution() {
            cost.high_res_metrics += self.billed_metrics();
        } else {
            cost.standard_metrics += self.billed_metrics();
        }
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        add(Api::PutMetricAlarm, u64::from(change.rewrite));
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteAlarms, n.div_ceil(100));
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.rewrite {
            ctx.aws.cloudwatch().put_metric_alarm(self).await?;
        }
        retag(ctx.aws, c, &ctx.alarm_arn(c, &self.alarm_name)).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        let names: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
        aws.cloudwatch().delete_alarms(&names).await
    }
}
