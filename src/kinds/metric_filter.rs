//! CloudWatch Logs metric filters (PutMetricFilter): log events → metrics.
//! AWS cannot tag them; identity is log group plus filter name.

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::PutContext;
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Change, Op};
use crate::resource::{MetricFilter, Tag};

impl Spec for MetricFilter {
    const KIND: Kind = Kind::MetricFilter;
    const DOC: &'static str = "CloudWatch Logs metric filter (PutMetricFilter input)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::LogGroup];
    const PLANNED_WITH: &'static [Kind] = &[Kind::LogGroup];
    const READER: Reader = Reader::Logs;
    const DELETES: Deletes = Deletes::Each;
    const SERIAL_PER_LOG_GROUP: bool = true;
    const TAG_APIS: Option<(Api, Api)> = None;
    const IAM_ACTIONS: &'static [&'static str] = &[
        "logs:DescribeLogGroups",
        "logs:DescribeMetricFilters",
        "logs:PutMetricFilter",
        "logs:DeleteMetricFilter",
    ];

    fn key(&self) -> String {
        format!("{}:{}", self.log_group_name, self.filter_name)
    }

    fn file_stem(&self) -> String {
        self.filter_name.clone()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        None
    }

    fn short_name(&self) -> String {
        self.filter_name.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        vec![&self.log_group_name]
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn cost(&self, _: &mut Cost) {
        // Filters are free; the custom metric they publish is billed when
        // an alarm reads it (counted with the alarm).
    }

    fn floor_put(&self, _: &Change, add: AddCalls<'_>) {
        add(Api::PutMetricFilter, 1);
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteMetricFilter, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, _: &Change) -> AwsResult<Option<String>> {
        ctx.aws.logs().put_metric_filter(self).await?;
        Ok(None)
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        for c in changes {
            // Filters have no id: the plan names log group and filter.
            if let Some(Op::DeleteMetricFilter {
                log_group,
                filter_name,
            }) = c.ops.first()
            {
                aws.logs()
                    .delete_metric_filter(log_group, filter_name)
                    .await?;
            }
        }
        Ok(())
    }
}
