//! SNS topics (CreateTopic): the targets of alarm actions. Tagged, so
//! ownership is by the `obsctl:catalogue` and `obsctl:env` tags.

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, attribute_writes};
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{Tag, Topic};

impl Spec for Topic {
    const KIND: Kind = Kind::Topic;
    const DOC: &'static str = "SNS topic (CreateTopic input; attributes and tags)";
    const DEPENDS_ON: &'static [Kind] = &[];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Topics;
    const DELETES: Deletes = Deletes::Each;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = Some((Api::SnsTag, Api::SnsUntag));
    const IAM_ACTIONS: &'static [&'static str] = &[
        "sns:ListTopics",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "tag:GetResources",
        "sns:TagResource",
        "sns:CreateTopic",
        "sns:SetTopicAttributes",
        "sns:DeleteTopic",
        "sns:UntagResource",
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

    fn cost(&self, _: &mut Cost) {
        // SNS topics cost nothing; deliveries are billed by use.
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        if change.action == Action::Create {
            add(Api::CreateTopic, 1);
        } else {
            add(
                Api::SetTopicAttributes,
                attribute_writes(change).count() as u64,
            );
        }
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteTopic, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        let sns = ctx.aws.sns();
        if c.action == Action::Create {
            sns.create_topic(&self.name, &self.attributes, &self.tags)
                .await?;
            return Ok(None);
        }
        let arn = c.live_id.clone().unwrap_or_default();
        for (name, value) in attribute_writes(c) {
            sns.set_topic_attribute(&arn, name, value).await?;
        }
        if !c.tags.set.is_empty() {
            sns.tag_resource(&arn, &c.tags.set).await?;
        }
        if !c.tags.remove.is_empty() {
            sns.untag_resource(&arn, &c.tags.remove).await?;
        }
        Ok(None)
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        for c in changes {
            aws.sns()
                .delete_topic(c.live_id.as_deref().unwrap_or_default())
                .await?;
        }
        Ok(())
    }
}
