//! SNS subscriptions (Subscribe): a topic's endpoints. AWS cannot tag them;
//! they belong to the topic they are on. Endpoints may be `${env:NAME}`
//! secrets, resolved only here, at apply time.

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::{PutContext, SecretFn, attribute_writes};
use crate::aws::{Api, Aws, AwsError, AwsResult};
use crate::cost::Cost;
use crate::plan::{Action, Change};
use crate::resource::{Subscription, Tag, secret_name, topic_arn};

impl Spec for Subscription {
    const KIND: Kind = Kind::Subscription;
    const DOC: &'static str =
        "SNS subscription (Subscribe input; the endpoint may be a `${env:NAME}` secret)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::Topic];
    const PLANNED_WITH: &'static [Kind] = &[];
    const READER: Reader = Reader::Topics;
    const DELETES: Deletes = Deletes::Each;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = None;
    const IAM_ACTIONS: &'static [&'static str] = &[
        "sns:ListTopics",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
        "tag:GetResources",
        "sns:Subscribe",
        "sns:SetSubscriptionAttributes",
        "sns:Unsubscribe",
    ];

    fn key(&self) -> String {
        Subscription::key(self)
    }

    fn file_stem(&self) -> String {
        Subscription::file_stem(self)
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        None
    }

    fn short_name(&self) -> String {
        self.endpoint.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        Vec::new()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn cost(&self, _: &mut Cost) {
        // Billed per delivery, not per subscription.
    }

    fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
        if change.action == Action::Create {
            add(Api::Subscribe, 1);
        } else {
            add(
                Api::SetSubscriptionAttributes,
                attribute_writes(change).count() as u64,
            );
        }
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::Unsubscribe, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        if c.action == Action::Update {
            let arn = c.live_id.clone().unwrap_or_default();
            for (name, value) in attribute_writes(c) {
                ctx.aws
                    .sns()
                    .set_subscription_attribute(&arn, name, value)
                    .await?;
            }
            return Ok(None);
        }
        let endpoint = resolve(&self.endpoint, ctx.secret)?;
        let topic_arn = topic_arn(&ctx.plan.region, &ctx.plan.account, &self.topic_name);
        let arn = ctx
            .aws
            .sns()
            .subscribe(&topic_arn, &self.protocol, &endpoint, &self.attributes)
            .await
            .map_err(|mut e| {
                // AWS may echo the endpoint: never let a secret through.
                if endpoint != self.endpoint {
                    e.message = e.message.replace(&endpoint, &self.endpoint);
                }
                e
            })?;
        Ok((!arn.starts_with("arn:")).then(|| "pending confirmation".to_string()))
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        for c in changes {
            aws.sns()
                .unsubscribe(c.live_id.as_deref().unwrap_or_default())
                .await?;
        }
        Ok(())
    }
}

fn resolve(endpoint: &str, secret: SecretFn<'_>) -> Result<String, AwsError> {
    match secret_name(endpoint) {
        None => Ok(endpoint.to_string()),
        Some(var) => secret(var).ok_or_else(|| {
            AwsError::new(
                "Subscribe",
                "MissingSecret",
                format!("environment variable {var} is not set"),
            )
        }),
    }
}
