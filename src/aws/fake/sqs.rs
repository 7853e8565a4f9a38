//! SQS, for the drill: queues with tags and attributes, messages that stay
//! invisible once received until deleted (the visibility timeout, longer
//! than any drill), URLs and ARNs in AWS's forms.

use super::*;

/// A queue of the fake.
#[derive(Debug, Clone, Default)]
pub struct FakeQueue {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Attributes given on creation, plus `QueueArn` and `CreatedTimestamp`.
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Messages: (receipt, body, received).
    pub messages: Vec<(String, String, bool)>,
}

impl FakeState {
    /// Delivers `body` to the queue with ARN `arn` (a no-op when there is
    /// none: SNS reports the failed delivery, the publisher never sees it).
    pub(super) fn deliver(&mut self, arn: &str, body: String) {
        self.next_id += 1;
        let receipt = format!("receipt-{:08}", self.next_id);
        if let Some(q) = self.queues.values_mut().find(|q| q.arn == arn) {
            q.messages.push((receipt, body, false));
        }
    }
}

impl FakeAws {
    fn queue_url(&self, name: &str) -> String {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{name}",
            self.region, self.account
        )
    }

    /// Records the call against the queue's ARN (as IAM authorizes it).
    fn authorize_queue(&self, api: Api, url: &str) {
        let name = url.rsplit('/').next().unwrap_or(url);
        let p = crate::resource::partition(&self.region);
        let arn = format!("arn:{p}:sqs:{}:{}:{name}", self.region, self.account);
        self.authorize(api, vec![arn]);
    }

    fn missing_queue(api: Api) -> AwsError {
        AwsError::new(
            api.name(),
            "AWS.SimpleQueueService.NonExistentQueue",
            "The specified queue does not exist.",
        )
    }
}

#[async_trait]
impl QueueApi for FakeAws {
    /// CreateQueue API reference: names of 1 to 80 alphanumeric characters,
    /// hyphens and underscores; creating a queue that exists with the same
    /// attributes returns its URL.
    async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        self.enter(Api::CreateQueue.name()).await?;
        let p = crate::resource::partition(&self.region);
        let arn = format!("arn:{p}:sqs:{}:{}:{name}", self.region, self.account);
        self.authorize(Api::CreateQueue, vec![arn.clone()]);
        let valid = !name.is_empty()
            && name.len() <= 80
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(AwsError::new(
                Api::CreateQueue.name(),
                "InvalidParameterValue",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
            ));
        }
        let url = self.queue_url(name);
        let now = self.now_ms();
        self.with(|s| {
            let mut attributes = attributes.clone();
            attributes.insert("QueueArn".into(), arn.clone());
            attributes.insert("CreatedTimestamp".into(), now.div_euclid(1000).to_string());
            s.queues.entry(url.clone()).or_insert_with(|| FakeQueue {
                name: name.to_string(),
                arn,
                attributes,
                tags: tags.to_vec(),
                messages: Vec::new(),
            });
        });
        Ok(url)
    }

    async fn queue_attributes(&self, url: &str) -> AwsResult<BTreeMap<String, String>> {
        self.enter(Api::GetQueueAttributes.name()).await?;
        self.authorize_queue(Api::GetQueueAttributes, url);
        self.with(|s| {
            let q = s
                .queues
                .get(url)
                .ok_or_else(|| Self::missing_queue(Api::GetQueueAttributes))?;
            Ok(q.attributes.clone())
        })
    }

    async fn list_queues(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        self.enter(Api::ListQueues.name()).await?;
        self.authorize(Api::ListQueues, vec!["*".to_string()]);
        let urls: Vec<String> = self.with(|s| {
            s.queues
                .iter()
                .filter(|(_, q)| q.name.starts_with(prefix))
                .map(|(u, _)| u.clone())
                .collect()
        });
        Ok(page(urls, next, 1000))
    }

    async fn queue_tags(&self, url: &str) -> AwsResult<Vec<Tag>> {
        self.enter(Api::ListQueueTags.name()).await?;
        self.authorize_queue(Api::ListQueueTags, url);
        self.with(|s| {
            let q = s
                .queues
                .get(url)
                .ok_or_else(|| Self::missing_queue(Api::ListQueueTags))?;
            let mut tags = q.tags.clone();
            tags.sort();
            Ok(tags)
        })
    }

    /// Up to 10 messages not received before. With nothing to return, a
    /// long poll waits a little (on tokio's clock) instead of 20 s.
    async fn receive(&self, url: &str, wait_seconds: i32) -> AwsResult<Vec<QueueMessage>> {
        self.enter(Api::ReceiveMessage.name()).await?;
        self.authorize_queue(Api::ReceiveMessage, url);
        let found = self.with(|s| {
            let q = s
                .queues
                .get_mut(url)
                .ok_or_else(|| Self::missing_queue(Api::ReceiveMessage))?;
            Ok::<_, AwsError>(
                q.messages
                    .iter_mut()
                    .filter(|(_, _, received)| !*received)
                    .take(10)
                    .map(|(receipt, body, received)| {
                        *received = true;
                        QueueMessage {
                            body: body.clone(),
                            receipt: receipt.clone(),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        if found.is_empty() && wait_seconds > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(found)
    }

    async fn delete_message(&self, url: &str, receipt: &str) -> AwsResult<()> {
        self.enter(Api::DeleteMessage.name()).await?;
        self.authorize_queue(Api::DeleteMessage, url);
        self.with(|s| {
            let q = s
                .queues
                .get_mut(url)
                .ok_or_else(|| Self::missing_queue(Api::DeleteMessage))?;
            q.messages.retain(|(r, _, _)| r != receipt);
            Ok(())
        })
    }

    async fn delete_queue(&self, url: &str) -> AwsResult<()> {
        self.enter(Api::DeleteQueue.name()).await?;
        self.authorize_queue(Api::DeleteQueue, url);
        self.with(|s| {
            s.queues
                .remove(url)
                .map(|_| ())
                .ok_or_else(|| Self::missing_queue(Api::DeleteQueue))
        })
    }
}
