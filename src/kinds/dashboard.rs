//! CloudWatch dashboards (PutDashboard): the body is what is compared.
//! Tagged: ownership by tags (legacy environments: by generated names).

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, retag};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{Dashboard, Tag, dashboard_arn};

impl Spec for Dashboard {
    const KIND: Kind = Kind::Dashboard;
    const DOC: &'static str = "CloudWatch dashboard (PutDashboard; the snapshot is the body)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::MetricAlarm, Kind::CompositeAlarm];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Dashboards;
    /// DeleteDashboards takes up to 100 names.
    const DELETES: Deletes = Deletes::Batched { batch: 100 };
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = Some((Api::CloudWatchTag, Api::CloudWatchUntag));
    const IAM_ACTIONS: &'static [&'static str] = &[
        "cloudwatch:ListTagsForResource",
        "cloudwatch:ListDashboards",
        "cloudwatch:GetDashboard",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "cloudwatch:PutDashboard",
        "cloudwatch:DeleteDashboards",
    ];

    fn key(&self) -> String {
        self.dashboard_name.clone()
    }

    fn file_stem(&self) -> String {
        self.key()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        Some(&self.tags)
    }

    fn short_name(&self) -> String {
        self.dashboard_name.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        Vec::new()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        Ok(self.body.value())
    }

    fn cost(&self, cost: &mut Cost) {
        cost.dashboards += 1;
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        add(Api::PutDashboard, u64::from(change.rewrite));
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteDashboards, n.div_ceil(100));
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.rewrite {
            ctx.aws.cloudwatch().put_dashboard(self).await?;
        }
        let arn = dashboard_arn(&ctx.plan.region, &ctx.plan.account, &self.dashboard_name);
        if c.action == Action::Create {
            ctx.tags_kept
                .ensure(ctx.aws, Kind::Dashboard, &arn, &self.tags)
                .await?;
        }
        retag(ctx.aws, c, &arn).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        let names: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
        aws.cloudwatch().delete_dashboards(&names).await
    }
}
