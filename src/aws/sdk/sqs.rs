//! SQS: the drill's temporary queues (create, read, delete).

use super::*;
use aws_sdk_sqs as sqs;

#[async_trait]
impl QueueApi for Sdk<sqs::Client> {
    async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        let mut call = self.0.create_queue().queue_name(name);
        for (k, v) in attributes {
            call = call.attributes(sqs::types::QueueAttributeName::from(k.as_str()), v);
        }
        for t in tags {
            call = call.tags(&t.key, &t.value);
        }
        let out = call.send().await.map_err(|e| err("CreateQueue", e))?;
        Ok(out.queue_url().unwrap_or_default().to_string())
    }

    async fn queue_attributes(&self, url: &str) -> AwsResult<BTreeMap<String, String>> {
        let out = self
            .0
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(sqs::types::QueueAttributeName::All)
            .send()
            .await
            .map_err(|e| err("GetQueueAttributes", e))?;
        Ok(out
            .attributes()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn list_queues(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        let out = self
            .0
            .list_queues()
            .queue_name_prefix(prefix)
            .max_results(1000)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListQueues", e))?;
        Ok((
            out.queue_urls().to_vec(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn queue_tags(&self, url: &str) -> AwsResult<Vec<Tag>> {
        let out = self
            .0
            .list_queue_tags()
            .queue_url(url)
            .send()
            .await
            .map_err(|e| err("ListQueueTags", e))?;
        Ok(sorted_tags(
            out.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ))
    }

    async fn receive(&self, url: &str, wait_seconds: i32) -> AwsResult<Vec<QueueMessage>> {
        let out = self
            .0
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_seconds.clamp(0, 20))
            .send()
            .await
            .map_err(|e| err("ReceiveMessage", e))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| QueueMessage {
                body: m.body().unwrap_or_default().to_string(),
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn delete_message(&self, url: &str, receipt: &str) -> AwsResult<()> {
        self.0
            .delete_message()
            .queue_url(url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| err("DeleteMessage", e))?;
        Ok(())
    }

    async fn delete_queue(&self, url: &str) -> AwsResult<()> {
        self.0
            .delete_queue()
            .queue_url(url)
            .send()
            .await
            .map_err(|e| err("DeleteQueue", e))?;
        Ok(())
    }
}
