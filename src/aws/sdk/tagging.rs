//! Resource Groups Tagging API: the tags of many resources per call.

use super::*;
use aws_sdk_resourcegroupstagging::types::TagFilter;

#[async_trait]
impl TaggingApi for Sdk<aws_sdk_resourcegroupstagging::Client> {
    async fn get_resources(
        &self,
        types: &[&str],
        tags: &[Tag],
        next: Option<String>,
    ) -> AwsResult<Page<TaggedResource>> {
        let mut req = self
            .0
            .get_resources()
            .set_resource_type_filters(Some(types.iter().map(|t| t.to_string()).collect()))
            .resources_per_page(100)
            .set_pagination_token(next.filter(|t| !t.is_empty()));
        for tag in tags {
            req = req.tag_filters(
                TagFilter::builder()
                    .key(&tag.key)
                    .values(&tag.value)
                    .build(),
            );
        }
        let out = req.send().await.map_err(|e| err("GetResources", e))?;
        let resources = out
            .resource_tag_mapping_list()
            .iter()
            .filter_map(|m| {
                let arn = m.resource_arn()?.to_string();
                Some((
                    arn,
                    sorted_tags(m.tags().iter().map(|t| (t.key(), t.value()))),
                ))
            })
            .collect();
        Ok((resources, out.pagination_token().map(str::to_string)))
    }
}
