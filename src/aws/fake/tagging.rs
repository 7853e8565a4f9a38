//! Resource Groups Tagging API: GetResources from an index that may lag,
//! be stale or be empty.

use super::*;

/// GetResources as AWS answers it: only resources carrying every tag
/// filter, from an index that may lag ([`FakeState::untagged_in_index`],
/// [`FakeState::stale_index`]); pages up to 100 (the `ResourcesPerPage`
/// maximum), possibly short or empty with a token, and an empty string as
/// the last token (GetResources API reference: "PaginationToken ... a
/// null or empty string" at the end).
#[async_trait]
impl TaggingApi for FakeAws {
    async fn get_resources(
        &self,
        types: &[&str],
        tags: &[Tag],
        next: Option<String>,
    ) -> AwsResult<Page<TaggedResource>> {
        self.enter(Api::GetResources.name()).await?;
        self.authorize(Api::GetResources, vec!["*".to_string()]);
        // Alarms and topics someone deletes right after they were listed
        // vanish now: their tags are read in bulk, not one by one.
        self.with(|s| {
            let names: Vec<String> = s.vanish.iter().cloned().collect();
            for name in names {
                let topic = s
                    .topics
                    .keys()
                    .find(|a| a.rsplit(':').next() == Some(&name))
                    .cloned();
                let alarm = s.alarms.remove(&name).is_some();
                if let Some(arn) = &topic {
                    s.topics.remove(arn);
                    s.subscriptions.retain(|(t, _, _)| t != arn);
                }
                if alarm || topic.is_some() {
                    s.vanish.remove(&name);
                }
            }
        });
        let wants = |t: &str| {
            types
                .iter()
                .any(|w| *w == t || t.split(':').next() == Some(*w))
        };
        let (all, size, empties) = self.with(|s| {
            let mut all: BTreeMap<String, Vec<Tag>> = BTreeMap::new();
            if !s.empty_index {
                if wants("cloudwatch:alarm") {
                    for (name, (_, t)) in &s.alarms {
                        all.insert(self.alarm_arn(name), t.clone());
                    }
                }
                if wants("sns:topic") {
                    for (arn, (_, t)) in &s.topics {
                        all.insert(arn.clone(), t.clone());
                    }
                }
                for (arn, t) in &s.stale_index {
                    all.insert(arn.clone(), t.clone());
                }
                for arn in &s.untagged_in_index {
                    all.remove(arn);
                }
            }
            let all: Vec<TaggedResource> = all
                .into_iter()
                .filter(|(_, have)| tags.iter().all(|f| have.contains(f)))
                .collect();
            (all, s.tagging_page.unwrap_or(100), s.tagging_empty_pages)
        });
        // Tokens: "<offset>" for a real page, "<offset>.<k>" for the k-th
        // empty page before it.
        let (offset, k) = match next.as_deref() {
            None => ("0".to_string(), 0),
            Some(t) => match t.split_once('.') {
                Some((o, k)) => (o.to_string(), k.parse().unwrap_or(0)),
                None => (t.to_string(), empties),
            },
        };
        if k < empties {
            return Ok((Vec::new(), Some(format!("{offset}.{}", k + 1))));
        }
        let (items, next) = page(all, Some(offset), size.max(1));
        Ok((
            items,
            Some(next.map(|n| format!("{n}.0")).unwrap_or_default()),
        ))
    }
}
