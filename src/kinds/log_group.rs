//! CloudWatch Logs log groups (CreateLogGroup + PutRetentionPolicy), only
//! with `log_groups: create`: created when missing, never changed or
//! deleted (another team's logs may be in them).

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::PutContext;
use crate::aws::{Api, Aws, AwsResult, ErrorKind};
use crate::cost::Cost;
use crate::plan::Change;
use crate::resource::{LogGroup, Tag};

impl Spec for LogGroup {
    const KIND: Kind = Kind::LogGroup;
    const DOC: &'static str = "CloudWatch Logs log group (CreateLogGroup + PutRetentionPolicy; created, never changed or deleted)";
    const DEPENDS_ON: &'static [Kind] = &[];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Logs;
    const DELETES: Deletes = Deletes::Never;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = None;
    const IAM_ACTIONS: &'static [&'static str] = &[
        "logs:DescribeLogGroups",
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:TagResource",
    ];

    fn key(&self) -> String {
        self.log_group_name.clone()
    }

    fn file_stem(&self) -> String {
        self.log_group_name.trim_start_matches('/').to_string()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        // Set on creation only and never compared.
        None
    }

    fn short_name(&self) -> String {
        self.log_group_name.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        vec![&self.log_group_name]
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn cost(&self, _: &mut Cost) {
        // Billed by ingestion and storage, not per group.
    }

    fn floor_put(&self, _: &Change, add: AddCalls<'_>) {
        add(Api::CreateLogGroup, 1);
        add(
            Api::PutRetentionPolicy,
            u64::from(self.retention_in_days.is_some()),
        );
    }

    fn floor_delete(_: u64, _: AddCalls<'_>) {}

    async fn put(&self, ctx: &PutContext<'_>, _: &Change) -> AwsResult<Option<String>> {
        // It exists already when another team made it since the plan, or
        // when an earlier attempt's answer was lost: either way it is
        // there, and it gets the retention the plan promised.
        let logs = ctx.aws.logs();
        let created = logs
            .create_log_group(&self.log_group_name, &self.tags)
            .await;
        let note = match created {
            Err(e) if e.kind == ErrorKind::AlreadyExists => Some("already exists".to_string()),
            other => other.map(|()| None)?,
        };
        if let Some(days) = self.retention_in_days {
            logs.put_retention_policy(&self.log_group_name, days)
                .await?;
        }
        Ok(note)
    }

    async fn delete(_: &Aws, _: &[&Change]) -> AwsResult<()> {
        // Never deleted: plans hold no such change.
        Ok(())
    }
}
