//! The tagging index: ownership tags of alarms and topics from one
//! GetResources listing, and the tags settled for each resource from it (or
//! from ListTagsForResource where the index is silent or disagrees).

use super::gone_is_none;
use crate::aws::{Aws, AwsError, AwsResult, all_pages};
use crate::compile::DesiredState;
use crate::ownership::{ENV_TAG, OWNER_TAG, Owner, is_record_tag};
use crate::resource::*;
use std::collections::{BTreeMap, BTreeSet};

/// The tagging API's answer: ARN → tags of this catalogue's and
/// environment's alarms and topics.
#[derive(Debug, Clone, Default)]
pub(super) struct TagIndex {
    tags: BTreeMap<String, Vec<Tag>>,
    /// Resources listed (T of the floor).
    pub(super) tagged: u64,
}

impl TagIndex {
    /// Whether the index lists `arn` (tagged as this environment's).
    pub(super) fn lists(&self, arn: &str) -> bool {
        self.tags.contains_key(arn)
    }

    /// The names of the alarms the index lists (from their ARNs,
    /// `arn:…:cloudwatch:…:alarm:NAME`).
    pub(super) fn alarm_names(&self) -> impl Iterator<Item = String> + '_ {
        self.tags.keys().filter_map(|arn| {
            let (head, name) = arn.split_once(":alarm:")?;
            head.contains(":cloudwatch:").then(|| name.to_string())
        })
    }

    /// True for a resource the index does not list and whose name belongs
    /// to a longer prefix of another environment: whatever its tags, it is
    /// not this environment's (see [`Owner::tagged`]: only this
    /// environment's two tags would make it ours, and then the index lists
    /// it), so its tags are not read. It would be misjudged only while the
    /// index lags behind a resource this environment just tagged under such
    /// a name (a service since removed from the catalogue): its prune then
    /// waits for a later plan.
    pub(super) fn not_ours(
        &self,
        arn: &str,
        name: &str,
        owner: &Owner,
        names: &BTreeSet<String>,
    ) -> bool {
        !self.tags.contains_key(arn) && !owner.by_name(name, names)
    }
}

/// Lists, with GetResources, the alarms and topics tagged for this catalogue
/// and environment (both tags as `TagFilters`, so another environment's
/// resources are not even listed).
pub(super) async fn tag_index(
    aws: &Aws,
    desired: &DesiredState,
    alarms: bool,
    topics: bool,
) -> Result<TagIndex, AwsError> {
    let mut types = Vec::new();
    if alarms {
        types.push("cloudwatch:alarm");
    }
    if topics {
        types.push("sns");
    }
    if types.is_empty() {
        return Ok(TagIndex::default());
    }
    let filters = [
        Tag {
            key: OWNER_TAG.to_string(),
            value: desired.project.clone(),
        },
        Tag {
            key: ENV_TAG.to_string(),
            value: desired.env.clone(),
        },
    ];
    let (types, filters) = (&types, &filters);
    let found = all_pages(|next| aws.tagging().get_resources(types, filters, next)).await?;
    Ok(TagIndex {
        tagged: found.len() as u64,
        tags: found.into_iter().collect(),
    })
}

/// The tags of the resource `arn` named `key`: the index's when they are
/// exactly the tags the catalogue wants for it, else read from the resource
/// itself with `read` (the index may lag, list a resource deleted since, or
/// hold an old value; and a resource obsctl would delete or treat as a
/// conflict is judged on its own tags, never on the index's).
pub(super) async fn settled_tags<F, Fut>(
    index: &TagIndex,
    desired: Option<&Resource>,
    arn: &str,
    read: F,
) -> AwsResult<Option<Vec<Tag>>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AwsResult<Vec<Tag>>>,
{
    let wanted = desired.map(|r| {
        let mut t = r.tags().to_vec();
        t.sort();
        t
    });
    // A topic's record of the subscriptions obsctl made is not compiled
    // (the plan derives it): the index is trusted for it when every other
    // tag is as wanted. A lagging record only makes the plan leave a
    // subscription alone, never delete one it did not make.
    let compiled = |tags: &[Tag]| -> Vec<Tag> {
        tags.iter()
            .filter(|t| !is_record_tag(&t.key))
            .cloned()
            .collect()
    };
    if let (Some(indexed), Some(wanted)) = (index.tags.get(arn), wanted)
        && compiled(indexed) == wanted
    {
        return Ok(Some(indexed.clone()));
    }
    gone_is_none(read().await)
}
