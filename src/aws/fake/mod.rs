//! An in-memory AWS for tests of the core (live reading, planning, apply
//! ordering, ownership, retries): behaves like the real APIs, not like the
//! emulator, in the ways obsctl depends on, each with its source:
//!
//! - pages of 100 alarms, 50 metric filters (API reference, `MaxRecords` /
//!   `limit` bounds);
//! - tags kept when an alarm or dashboard is put again (PutMetricAlarm: "Tags
//!   ... only applied when the alarm is created");
//! - DeleteAlarms of an alarm a composite references fails with
//!   `ValidationError` "Cannot delete X as there are composite alarm(s)
//!   depending on it" and deletes nothing of the batch; at most one composite
//!   per call (DeleteAlarms API reference; aws-fidelity.md);
//! - concurrent PutMetricFilter / DeleteMetricFilter on one log group:
//!   `OperationAbortedException` (Logs API common errors; Terraform's
//!   provider serializes these writes per log group);
//! - PutQueryDefinition with a client token seen before returns the first
//!   definition (PutQueryDefinition `clientToken`; the emulator ignores it);
//! - deletes of something already gone: NotFound (each Delete* reference);
//! - PutMetricFilter on a missing log group: `ResourceNotFoundException`
//!   (PutMetricFilter API reference); CreateLogGroup of an existing one:
//!   `ResourceAlreadyExistsException`;
//! - email and http/https subscriptions stay pending until the endpoint
//!   confirms ([`FakeAws::confirm`]; Subscribe API reference: "If the
//!   endpoint type is HTTP/S or email ... the endpoint owner must run the
//!   ConfirmSubscription action"); raw delivery on lambda or email fails
//!   with `InvalidParameter`; an empty attribute value unsets a filter or
//!   redrive policy, and a filter policy reports its default scope (moto
//!   PR #7251, checked against AWS).
//!
//! It can inject throttling and any other error per API.

use super::*;
use std::sync::Mutex;
use std::time::Duration;

/// In-memory state of one account and region.
#[derive(Debug, Default)]
pub struct FakeState {
    /// Alarms by name, with tags.
    pub alarms: BTreeMap<String, (LiveAlarm, Vec<Tag>)>,
    /// Dashboards: name → body as stored.
    pub dashboards: BTreeMap<String, String>,
    /// Dashboard tags by name.
    pub dashboard_tags: BTreeMap<String, Vec<Tag>>,
    /// Log groups: name → (tags, retention in days).
    pub log_groups: BTreeMap<String, (Vec<Tag>, Option<u32>)>,
    /// Metric filters by (group, name).
    pub filters: BTreeMap<(String, String), MetricFilter>,
    /// Saved queries by id.
    pub queries: BTreeMap<String, QueryDefinition>,
    /// Topics by ARN: attributes and tags.
    pub topics: BTreeMap<String, (BTreeMap<String, String>, Vec<Tag>)>,
    /// Subscriptions: (topic ARN, subscription, attributes).
    pub subscriptions: Vec<(String, LiveSubscription, BTreeMap<String, String>)>,
    /// Upcoming throttling errors per API.
    pub throttle: BTreeMap<String, u32>,
    /// Upcoming errors per API: (code, message), consumed in order.
    pub errors: BTreeMap<String, Vec<(String, String)>>,
    /// Log groups with a filter write in flight.
    pub busy_groups: std::collections::BTreeSet<String>,
    /// Client tokens of PutQueryDefinition → the id created.
    pub query_tokens: BTreeMap<String, String>,
    /// Calls that reached the fake, per API.
    pub calls: BTreeMap<String, u64>,
    /// Upcoming calls per API that are processed but whose answer is lost
    /// (a dropped connection after AWS did the work): they fail with a
    /// transient `ResponseError`.
    pub lost_answers: BTreeMap<String, u32>,
    /// Names of alarms, dashboards and topics that someone else deletes
    /// right after they were listed (when their tags are read, one by one
    /// or in bulk).
    pub vanish: std::collections::BTreeSet<String>,
    /// Behave like an implementation that ignores PutQueryDefinition client
    /// tokens (fakecloud 0.51, aws-fidelity.md), to test that obsctl does
    /// not depend on them.
    pub ignore_client_tokens: bool,
    /// The tagging API's view (GetResources), which is eventually
    /// consistent: ARNs it does not list yet (just tagged, or an index
    /// like the emulator's that knows no CloudWatch or SNS tags).
    pub untagged_in_index: std::collections::BTreeSet<String>,
    /// ... tags it still reports for an ARN (changed since), and ARNs of
    /// resources deleted since that it still lists.
    pub stale_index: BTreeMap<String, Vec<Tag>>,
    /// No resource at all in the tagging API's answers (the emulator).
    pub empty_index: bool,
    /// GetResources page size (AWS: up to 100).
    pub tagging_page: Option<usize>,
    /// Empty pages (with a token) before each page of GetResources.
    pub tagging_empty_pages: u32,
    /// Drop the `Tags` of PutCompositeAlarm and PutDashboard, as fakecloud
    /// 0.51 does (aws-fidelity.md).
    pub drop_create_tags: bool,
    /// Every (IAM action, resource ARN) a call reached AWS with.
    pub authorized: std::collections::BTreeSet<(String, String)>,
    /// ARNs whose tags were read one by one (ListTagsForResource).
    pub tag_reads: Vec<String>,
    next_id: u64,
}

/// The fake AWS. Clone it to share state between the three traits.
#[derive(Debug, Clone)]
pub struct FakeAws {
    /// The state, for tests to inspect and change ("console edits").
    pub state: Arc<Mutex<FakeState>>,
    region: String,
    account: String,
    /// How long each call takes (the scale benchmark models AWS's
    /// round trip with it, on tokio's paused clock).
    latency: Duration,
}

impl Default for FakeAws {
    fn default() -> Self {
        FakeAws {
            state: Arc::default(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            latency: Duration::ZERO,
        }
    }
}

impl FakeAws {
    /// Bundles the fake behind [`Aws`] with unlimited rates and fast retries.
    pub fn aws(&self) -> Aws {
        self.aws_with(Rates::unlimited())
    }

    /// Bundles the fake behind [`Aws`] with the given rate limits.
    pub fn aws_with(&self, rates: Rates) -> Aws {
        Aws::new(
            Clients {
                cloudwatch: Arc::new(self.clone()),
                logs: Arc::new(self.clone()),
                sns: Arc::new(self.clone()),
                identity: Arc::new(self.clone()),
                tagging: Arc::new(self.clone()),
            },
            rates,
            RetryPolicy {
                max_attempts: 8,
                base_delay: Duration::from_millis(1),
            },
        )
    }

    /// The same account, with every call taking `latency`.
    pub fn with_latency(mut self, latency: Duration) -> FakeAws {
        self.latency = latency;
        self
    }

    /// The endpoint confirms its pending subscriptions (what visiting the
    /// SubscribeURL does on AWS).
    pub fn confirm(&self, endpoint: &str) {
        self.with(|s| {
            let mut n = s.next_id;
            for (topic, sub, _) in s.subscriptions.iter_mut() {
                if sub.endpoint == endpoint && sub.pending() {
                    n += 1;
                    sub.arn = format!("{topic}:{n:08}");
                }
            }
            s.next_id = n;
        });
    }

    /// Makes the next `n` calls of `api` fail with `Throttling`.
    pub fn throttle(&self, api: &str, n: u32) {
        self.with(|s| s.throttle.insert(api.to_string(), n));
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Makes the next calls of `api` fail with `code` and `message`, once each.
    pub fn fail(&self, api: &str, code: &str, message: &str) {
        self.with(|s| {
            s.errors
                .entry(api.to_string())
                .or_default()
                .push((code.to_string(), message.to_string()))
        });
    }

    /// Starts a metric-filter write on `group`; a write already in flight
    /// on the same group makes this one fail as AWS does.
    async fn write_group(&self, api: &str, group: &str) -> AwsResult<()> {
        let busy = self.with(|s| !s.busy_groups.insert(group.to_string()));
        if busy {
            return Err(AwsError::new(
                api,
                "OperationAbortedException",
                "Multiple concurrent requests to update the same resource were in conflict",
            ));
        }
        // Let other tasks run while this write is "in flight".
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        Ok(())
    }

    fn end_write_group(&self, group: &str) {
        self.with(|s| s.busy_groups.remove(group));
    }

    /// A call reaches the fake: it takes the modelled latency, is counted,
    /// and fails if an error is due.
    async fn enter(&self, api: &str) -> AwsResult<()> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        self.with(|s| {
            *s.calls.entry(api.to_string()).or_default() += 1;
            if let Some(queue) = s.errors.get_mut(api)
                && !queue.is_empty()
            {
                let (code, message) = queue.remove(0);
                return Err(AwsError::new(api, code, message));
            }
            match s.throttle.get_mut(api) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    Err(AwsError::new(api, "Throttling", "Rate exceeded"))
                }
                _ => Ok(()),
            }
        })
    }

    /// The answer to a processed call of `api`: lost if one is due.
    fn answer<T>(&self, api: &str, value: T) -> AwsResult<T> {
        self.with(|s| match s.lost_answers.get_mut(api) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Err(AwsError::new(
                    api,
                    "ResponseError",
                    "connection closed before the response",
                ))
            }
            _ => Ok(value),
        })
    }

    /// Records that a call of `action` on `resources` reached AWS: what IAM
    /// authorizes it against (tests check a generated policy allows it).
    fn authorize(&self, action: &str, resources: Vec<String>) {
        self.with(|s| {
            for r in resources {
                s.authorized.insert((action.to_string(), r));
            }
        });
    }

    fn dashboard_arn(&self, name: &str) -> String {
        crate::resource::dashboard_arn(&self.region, &self.account, name)
    }

    /// The ARN IAM checks for Logs actions on a log group (the log-stream
    /// form, `…:log-group:NAME:*`; `*` for every group).
    fn log_group_arn(&self, name: &str) -> String {
        if name == "*" {
            return format!("arn:aws:logs:{}:{}:log-group:*", self.region, self.account);
        }
        format!(
            "arn:aws:logs:{}:{}:log-group:{name}:*",
            self.region, self.account
        )
    }

    fn alarm_arn(&self, name: &str) -> String {
        crate::resource::alarm_arn(&self.region, &self.account, name)
    }

    fn alarm_name_of(arn: &str) -> String {
        arn.rsplit(":alarm:").next().unwrap_or(arn).to_string()
    }

    /// Composite alarms whose rules reference `alarm`.
    fn parents(s: &FakeState, alarm: &str) -> Vec<String> {
        s.alarms
            .iter()
            .filter(|(_, (a, _))| match a {
                LiveAlarm::Composite(c) => crate::rules::composite::rule_refs(&c.alarm_rule)
                    .into_iter()
                    .any(|r| c.alarm_rule.get(r) == Some(alarm)),
                LiveAlarm::Metric(_) => false,
            })
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The tags of the alarm or dashboard `arn` names, if it exists.
    fn cw_tags<'s>(s: &'s mut FakeState, arn: &str) -> Option<&'s mut Vec<Tag>> {
        match arn.split_once(":dashboard/") {
            Some((_, name)) => {
                if !s.dashboards.contains_key(name) {
                    return None;
                }
                Some(s.dashboard_tags.entry(name.to_string()).or_default())
            }
            None => s.alarms.get_mut(&Self::alarm_name_of(arn)).map(|(_, t)| t),
        }
    }

    fn put_alarm(&self, name: &str, alarm: LiveAlarm, tags: &[Tag]) {
        self.with(|s| {
            let tags = match s.alarms.get(name) {
                Some((_, old)) => old.clone(),
                None => tags.to_vec(),
            };
            s.alarms.insert(name.to_string(), (alarm, tags));
        });
    }
}

/// One page of `all`: the page at the offset `next` names, `size` long,
/// and the token of the following page (AWS's page sizes, aws-facts.md §5.4).
fn page<T>(all: Vec<T>, next: Option<String>, size: usize) -> Page<T> {
    let offset: usize = next.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
    let more = offset + size < all.len();
    let items = all.into_iter().skip(offset).take(size).collect();
    (items, more.then(|| (offset + size).to_string()))
}

fn strip_tags_metric(a: &MetricAlarm) -> MetricAlarm {
    MetricAlarm {
        tags: Vec::new(),
        ..a.clone()
    }
}

fn strip_tags_composite(a: &CompositeAlarm) -> CompositeAlarm {
    CompositeAlarm {
        tags: Vec::new(),
        ..a.clone()
    }
}

fn merge_tags(old: &mut Vec<Tag>, new: &[Tag]) {
    for t in new {
        old.retain(|o| o.key != t.key);
        old.push(t.clone());
    }
    old.sort();
}

#[async_trait]
impl CloudWatchApi for FakeAws {
    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage> {
        self.enter("DescribeAlarms").await?;
        self.authorize("cloudwatch:DescribeAlarms", vec!["*".to_string()]);
        let offset: usize = next.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
        self.with(|s| {
            let matching: Vec<_> = s
                .alarms
                .iter()
                .filter(|(n, _)| n.starts_with(prefix))
                .collect();
            let alarms = matching
                .iter()
                .skip(offset)
                .take(100)
                .map(|(n, (a, _))| {
                    let a = match a {
                        LiveAlarm::Metric(m) => LiveAlarm::Metric(strip_tags_metric(m)),
                        LiveAlarm::Composite(c) => LiveAlarm::Composite(strip_tags_composite(c)),
                    };
                    (self.alarm_arn(n), a)
                })
                .collect();
            let next = (offset + 100 < matching.len()).then(|| (offset + 100).to_string());
            Ok(AlarmPage { alarms, next })
        })
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        self.enter("ListTagsForResource").await?;
        self.authorize("cloudwatch:ListTagsForResource", vec![arn.to_string()]);
        self.with(|s| {
            s.tag_reads.push(arn.to_string());
            let name = arn
                .rsplit_once(":alarm:")
                .or_else(|| arn.rsplit_once(":dashboard/"))
                .map_or(arn, |(_, n)| n);
            if s.vanish.remove(name) {
                s.alarms.remove(name);
                s.dashboards.remove(name);
                s.dashboard_tags.remove(name);
            }
        });
        self.with(|s| Self::cw_tags(s, arn).map(|t| t.clone()))
            .ok_or_else(|| {
                AwsError::new(
                    "ListTagsForResource",
                    "ResourceNotFoundException",
                    format!("{arn} not found"),
                )
            })
    }

    async fn put_metric_alarm(&self, alarm: &MetricAlarm) -> AwsResult<()> {
        self.enter("PutMetricAlarm").await?;
        self.authorize(
            "cloudwatch:PutMetricAlarm",
            vec![self.alarm_arn(&alarm.alarm_name)],
        );
        if alarm.datapoints_to_alarm.unwrap_or(1) > alarm.evaluation_periods {
            return Err(AwsError::new(
                "PutMetricAlarm",
                "ValidationError",
                "DatapointsToAlarm must be less than or equal to EvaluationPeriods",
            ));
        }
        self.put_alarm(
            &alarm.alarm_name,
            LiveAlarm::Metric(strip_tags_metric(alarm)),
            &alarm.tags,
        );
        Ok(())
    }

    async fn put_composite_alarm(&self, alarm: &CompositeAlarm) -> AwsResult<()> {
        self.enter("PutCompositeAlarm").await?;
        self.authorize(
            "cloudwatch:PutCompositeAlarm",
            vec![self.alarm_arn(&alarm.alarm_name)],
        );
        let missing: Vec<String> = crate::rules::composite::rule_refs(&alarm.alarm_rule)
            .into_iter()
            .map(|r| alarm.alarm_rule[r].to_string())
            .filter(|child| !self.with(|s| s.alarms.contains_key(child)))
            .collect();
        if !missing.is_empty() {
            return Err(AwsError::new(
                "PutCompositeAlarm",
                "ValidationError",
                format!(
                    "Could not save the composite alarm as alarms [{}] in the alarm rule do not exist",
                    missing.join(", ")
                ),
            ));
        }
        let drop = self.with(|s| s.drop_create_tags);
        self.put_alarm(
            &alarm.alarm_name,
            LiveAlarm::Composite(strip_tags_composite(alarm)),
            if drop { &[] } else { &alarm.tags },
        );
        Ok(())
    }

    async fn delete_alarms(&self, names: &[String]) -> AwsResult<()> {
        self.enter("DeleteAlarms").await?;
        self.authorize(
            "cloudwatch:DeleteAlarms",
            names.iter().map(|n| self.alarm_arn(n)).collect(),
        );
        self.with(|s| {
            let composites = names
                .iter()
                .filter(|n| matches!(s.alarms.get(*n), Some((LiveAlarm::Composite(_), _))))
                .count();
            if composites > 1 {
                return Err(AwsError::new(
                    "DeleteAlarms",
                    "ValidationError",
                    "at most one composite alarm per call",
                ));
            }
            if let Some(missing) = names.iter().find(|n| !s.alarms.contains_key(*n)) {
                return Err(AwsError::new(
                    "DeleteAlarms",
                    "ResourceNotFound",
                    format!("{missing} does not exist"),
                ));
            }
            for n in names {
                if !Self::parents(s, n).iter().all(|p| names.contains(p)) {
                    return Err(AwsError::new(
                        "DeleteAlarms",
                        "ValidationError",
                        format!(
                            "Cannot delete {n} as there are composite alarm(s) depending on it"
                        ),
                    ));
                }
            }
            for n in names {
                s.alarms.remove(n);
            }
            Ok(())
        })
    }

    async fn parents_of(&self, alarm: &str) -> AwsResult<Vec<String>> {
        self.enter("DescribeAlarms").await?;
        self.authorize("cloudwatch:DescribeAlarms", vec!["*".to_string()]);
        Ok(self.with(|s| Self::parents(s, alarm)))
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.enter("TagResource").await?;
        self.authorize("cloudwatch:TagResource", vec![arn.to_string()]);
        self.with(|s| match Self::cw_tags(s, arn) {
            Some(old) => {
                merge_tags(old, tags);
                Ok(())
            }
            None => Err(AwsError::new(
                "TagResource",
                "ResourceNotFoundException",
                arn,
            )),
        })
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.enter("UntagResource").await?;
        self.authorize("cloudwatch:UntagResource", vec![arn.to_string()]);
        self.with(|s| {
            if let Some(old) = Self::cw_tags(s, arn) {
                old.retain(|t| !keys.contains(&t.key));
            }
        });
        Ok(())
    }

    async fn list_dashboards(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        self.enter("ListDashboards").await?;
        self.authorize("cloudwatch:ListDashboards", vec!["*".to_string()]);
        // ListDashboards: up to 1,000 per page.
        let all = self.with(|s| {
            s.dashboards
                .keys()
                .filter(|n| n.starts_with(prefix))
                .cloned()
                .collect()
        });
        Ok(page(all, next, 1000))
    }

    async fn get_dashboard(&self, name: &str) -> AwsResult<String> {
        self.enter("GetDashboard").await?;
        self.authorize("cloudwatch:GetDashboard", vec![self.dashboard_arn(name)]);
        self.with(|s| s.dashboards.get(name).cloned())
            .ok_or_else(|| {
                AwsError::new(
                    "GetDashboard",
                    "ResourceNotFound",
                    format!("Dashboard {name} does not exist"),
                )
            })
    }

    async fn put_dashboard(&self, dashboard: &Dashboard) -> AwsResult<()> {
        self.enter("PutDashboard").await?;
        self.authorize(
            "cloudwatch:PutDashboard",
            vec![self.dashboard_arn(&dashboard.dashboard_name)],
        );
        let body = serde_json::to_string(&dashboard.body).unwrap_or_default();
        self.with(|s| {
            let name = &dashboard.dashboard_name;
            // Like PutMetricAlarm, Tags apply when the dashboard is created.
            if s.dashboards.insert(name.clone(), body).is_none() {
                let mut tags = if s.drop_create_tags {
                    Vec::new()
                } else {
                    dashboard.tags.clone()
                };
                tags.sort();
                s.dashboard_tags.insert(name.clone(), tags);
            }
        });
        Ok(())
    }

    async fn delete_dashboards(&self, names: &[String]) -> AwsResult<()> {
        self.enter("DeleteDashboards").await?;
        self.authorize(
            "cloudwatch:DeleteDashboards",
            names.iter().map(|n| self.dashboard_arn(n)).collect(),
        );
        self.with(|s| {
            if let Some(missing) = names.iter().find(|n| !s.dashboards.contains_key(*n)) {
                return Err(AwsError::new(
                    "DeleteDashboards",
                    "ResourceNotFound",
                    format!("Dashboard {missing} does not exist"),
                ));
            }
            for n in names {
                s.dashboards.remove(n);
                s.dashboard_tags.remove(n);
            }
            Ok(())
        })
    }
}

#[async_trait]
impl LogsApi for FakeAws {
    async fn describe_log_groups(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<String>> {
        self.enter("DescribeLogGroups").await?;
        self.authorize("logs:DescribeLogGroups", vec!["*".to_string()]);
        // 50 per page (DescribeLogGroups `limit`: 1–50).
        let all = self.with(|s| {
            s.log_groups
                .keys()
                .filter(|g| g.starts_with(prefix))
                .cloned()
                .collect()
        });
        Ok(page(all, next, 50))
    }

    async fn create_log_group(&self, name: &str, tags: &[Tag]) -> AwsResult<()> {
        self.enter("CreateLogGroup").await?;
        self.authorize("logs:CreateLogGroup", vec![self.log_group_arn(name)]);
        self.with(|s| {
            if s.log_groups.contains_key(name) {
                // CreateLogGroup API reference: ResourceAlreadyExistsException.
                return Err(AwsError::new(
                    "CreateLogGroup",
                    "ResourceAlreadyExistsException",
                    "The specified log group already exists",
                ));
            }
            s.log_groups.insert(name.to_string(), (tags.to_vec(), None));
            Ok(())
        })?;
        self.answer("CreateLogGroup", ())
    }

    async fn put_retention_policy(&self, name: &str, days: u32) -> AwsResult<()> {
        self.enter("PutRetentionPolicy").await?;
        self.authorize("logs:PutRetentionPolicy", vec![self.log_group_arn(name)]);
        self.with(|s| match s.log_groups.get_mut(name) {
            Some(group) => {
                group.1 = Some(days);
                Ok(())
            }
            None => Err(AwsError::new(
                "PutRetentionPolicy",
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            )),
        })
    }

    async fn describe_metric_filters(
        &self,
        log_group: Option<&str>,
        next: Option<String>,
    ) -> AwsResult<Page<MetricFilter>> {
        self.enter("DescribeMetricFilters").await?;
        self.authorize(
            "logs:DescribeMetricFilters",
            vec![self.log_group_arn(log_group.unwrap_or("*"))],
        );
        let all = self.with(|s| {
            s.filters
                .values()
                .filter(|f| log_group.is_none_or(|g| f.log_group_name == g))
                .cloned()
                .collect()
        });
        Ok(page(all, next, 50))
    }

    async fn put_metric_filter(&self, filter: &MetricFilter) -> AwsResult<()> {
        self.enter("PutMetricFilter").await?;
        self.authorize(
            "logs:PutMetricFilter",
            vec![self.log_group_arn(&filter.log_group_name)],
        );
        let group = &filter.log_group_name;
        // PutMetricFilter API reference: ResourceNotFoundException when the
        // log group does not exist (the emulator creates the filter anyway,
        // aws-fidelity.md).
        if !self.with(|s| s.log_groups.contains_key(group)) {
            return Err(AwsError::new(
                "PutMetricFilter",
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ));
        }
        self.write_group("PutMetricFilter", group).await?;
        self.with(|s| {
            s.filters.insert(
                (filter.log_group_name.clone(), filter.filter_name.clone()),
                filter.clone(),
            );
        });
        self.end_write_group(group);
        Ok(())
    }

    async fn delete_metric_filter(&self, log_group: &str, name: &str) -> AwsResult<()> {
        self.enter("DeleteMetricFilter").await?;
        self.authorize(
            "logs:DeleteMetricFilter",
            vec![self.log_group_arn(log_group)],
        );
        self.write_group("DeleteMetricFilter", log_group).await?;
        let removed = self.with(|s| s.filters.remove(&(log_group.to_string(), name.to_string())));
        self.end_write_group(log_group);
        removed.map(|_| ()).ok_or_else(|| {
            AwsError::new(
                "DeleteMetricFilter",
                "ResourceNotFoundException",
                "The specified metric filter does not exist",
            )
        })
    }

    async fn describe_query_definitions(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<(String, QueryDefinition)>> {
        self.enter("DescribeQueryDefinitions").await?;
        self.authorize("logs:DescribeQueryDefinitions", vec!["*".to_string()]);
        // obsctl asks for the maximum, 1,000 per page.
        let all = self.with(|s| {
            s.queries
                .iter()
                .filter(|(_, q)| q.name.starts_with(prefix))
                .map(|(i, q)| (i.clone(), q.clone()))
                .collect()
        });
        Ok(page(all, next, 1000))
    }

    async fn put_query_definition(
        &self,
        id: Option<&str>,
        query: &QueryDefinition,
        client_token: &str,
    ) -> AwsResult<String> {
        self.enter("PutQueryDefinition").await?;
        self.authorize("logs:PutQueryDefinition", vec!["*".to_string()]);
        let id = self.with(|s| {
            if !s.ignore_client_tokens
                && let Some(first) = s.query_tokens.get(client_token)
            {
                return first.clone();
            }
            let id = id.map(str::to_string).unwrap_or_else(|| {
                s.next_id += 1;
                format!("00000000-0000-0000-0000-{:012}", s.next_id)
            });
            s.queries.insert(id.clone(), query.clone());
            s.query_tokens.insert(client_token.to_string(), id.clone());
            id
        });
        self.answer("PutQueryDefinition", id)
    }

    async fn delete_query_definition(&self, id: &str) -> AwsResult<()> {
        self.enter("DeleteQueryDefinition").await?;
        self.authorize("logs:DeleteQueryDefinition", vec!["*".to_string()]);
        self.with(|s| s.queries.remove(id))
            .map(|_| ())
            .ok_or_else(|| {
                AwsError::new(
                    "DeleteQueryDefinition",
                    "ResourceNotFoundException",
                    "The specified query definition does not exist",
                )
            })
    }
}

#[async_trait]
impl SnsApi for FakeAws {
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>> {
        self.enter("ListTopics").await?;
        self.authorize("sns:ListTopics", vec!["*".to_string()]);
        // ListTopics: up to 100 per page.
        let all = self.with(|s| s.topics.keys().cloned().collect());
        Ok(page(all, next, 100))
    }

    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        self.enter("GetTopicAttributes").await?;
        self.authorize("sns:GetTopicAttributes", vec![arn.to_string()]);
        self.with(|s| s.topics.get(arn).map(|(a, _)| a.clone()))
            .ok_or_else(|| AwsError::new("GetTopicAttributes", "NotFound", "Topic does not exist"))
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        self.enter("sns:ListTagsForResource").await?;
        self.authorize("sns:ListTagsForResource", vec![arn.to_string()]);
        self.with(|s| {
            s.tag_reads.push(arn.to_string());
            if s.vanish.remove(arn.rsplit(':').next().unwrap_or(arn)) {
                s.topics.remove(arn);
                s.subscriptions.retain(|(t, _, _)| t != arn);
            }
        });
        self.with(|s| s.topics.get(arn).map(|(_, t)| t.clone()))
            .ok_or_else(|| {
                AwsError::new(
                    "ListTagsForResource",
                    "ResourceNotFound",
                    "Resource does not exist",
                )
            })
    }

    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>> {
        self.enter("ListSubscriptionsByTopic").await?;
        self.authorize("sns:ListSubscriptionsByTopic", vec![topic_arn.to_string()]);
        // ListSubscriptionsByTopic: up to 100 per page.
        let all = self.with(|s| {
            s.subscriptions
                .iter()
                .filter(|(t, _, _)| t == topic_arn)
                .map(|(_, sub, _)| sub.clone())
                .collect()
        });
        Ok(page(all, next, 100))
    }

    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        self.enter("GetSubscriptionAttributes").await?;
        self.authorize("sns:GetSubscriptionAttributes", vec!["*".to_string()]);
        self.with(|s| {
            s.subscriptions
                .iter()
                .find(|(_, sub, _)| sub.arn == arn)
                .map(|(_, _, a)| {
                    let mut a = a.clone();
                    // AWS reports the default scope of a filter policy.
                    if a.contains_key("FilterPolicy") {
                        a.entry("FilterPolicyScope".into())
                            .or_insert_with(|| "MessageAttributes".into());
                    }
                    a
                })
        })
        .ok_or_else(|| {
            AwsError::new(
                "GetSubscriptionAttributes",
                "NotFound",
                "Subscription does not exist",
            )
        })
    }

    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        self.enter("CreateTopic").await?;
        self.authorize(
            "sns:CreateTopic",
            vec![crate::resource::topic_arn(
                &self.region,
                &self.account,
                name,
            )],
        );
        let arn = crate::resource::topic_arn(&self.region, &self.account, name);
        self.with(|s| {
            s.topics.entry(arn.clone()).or_insert_with(|| {
                let mut tags = tags.to_vec();
                tags.sort();
                (attributes.clone(), tags)
            });
        });
        Ok(arn)
    }

    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()> {
        self.enter("SetTopicAttributes").await?;
        self.authorize("sns:SetTopicAttributes", vec![arn.to_string()]);
        self.with(|s| {
            s.topics
                .get_mut(arn)
                .map(|(a, _)| a.insert(name.to_string(), value.to_string()))
        });
        Ok(())
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.enter("sns:TagResource").await?;
        self.authorize("sns:TagResource", vec![arn.to_string()]);
        self.with(|s| s.topics.get_mut(arn).map(|(_, old)| merge_tags(old, tags)));
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.enter("sns:UntagResource").await?;
        self.authorize("sns:UntagResource", vec![arn.to_string()]);
        self.with(|s| {
            s.topics
                .get_mut(arn)
                .map(|(_, old)| old.retain(|t| !keys.contains(&t.key)))
        });
        Ok(())
    }

    async fn delete_topic(&self, arn: &str) -> AwsResult<()> {
        self.enter("DeleteTopic").await?;
        self.authorize("sns:DeleteTopic", vec![arn.to_string()]);
        self.with(|s| {
            s.topics.remove(arn);
            s.subscriptions.retain(|(t, _, _)| t != arn);
        });
        Ok(())
    }

    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String> {
        self.enter("Subscribe").await?;
        self.authorize("sns:Subscribe", vec![topic_arn.to_string()]);
        self.with(|s| {
            if !s.topics.contains_key(topic_arn) {
                return Err(AwsError::new(
                    "Subscribe",
                    "NotFound",
                    "Topic does not exist",
                ));
            }
            if attributes.get("RawMessageDelivery").is_some_and(|v| v == "true")
                && !crate::rules::endpoint::supports_raw_delivery(protocol)
            {
                // Subscribe API reference: raw delivery is for SQS, HTTP/S
                // and Firehose endpoints.
                return Err(AwsError::new(
                    "Subscribe",
                    "InvalidParameter",
                    format!(
                        "Invalid parameter: Attributes Reason: Delivery protocol [{protocol}] does not support raw message delivery."
                    ),
                ));
            }
            s.next_id += 1;
            // Email and http/https endpoints must confirm first (Subscribe
            // API reference: "If the endpoint type is HTTP/S or email ... the
            // endpoint owner must run the ConfirmSubscription action").
            let pending = matches!(protocol, "email" | "email-json" | "http" | "https");
            let arn = if pending {
                "PendingConfirmation".to_string()
            } else {
                format!("{topic_arn}:{:08}", s.next_id)
            };
            let sub = LiveSubscription {
                arn: arn.clone(),
                protocol: protocol.into(),
                endpoint: endpoint.into(),
            };
            s.subscriptions
                .push((topic_arn.to_string(), sub, attributes.clone()));
            Ok(if pending {
                "pending confirmation".to_string()
            } else {
                arn
            })
        })
    }

    async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> AwsResult<()> {
        self.enter("SetSubscriptionAttributes").await?;
        self.authorize("sns:SetSubscriptionAttributes", vec!["*".to_string()]);
        self.with(|s| {
            if let Some((_, _, a)) = s
                .subscriptions
                .iter_mut()
                .find(|(_, sub, _)| sub.arn == arn)
            {
                // An empty value unsets a policy (moto PR #7251, checked
                // against AWS); its scope goes with the filter policy.
                if value.is_empty() {
                    a.remove(name);
                    if name == "FilterPolicy" {
                        a.remove("FilterPolicyScope");
                    }
                } else {
                    a.insert(name.to_string(), value.to_string());
                }
            }
        });
        Ok(())
    }

    async fn unsubscribe(&self, arn: &str) -> AwsResult<()> {
        self.enter("Unsubscribe").await?;
        self.authorize("sns:Unsubscribe", vec!["*".to_string()]);
        self.with(|s| s.subscriptions.retain(|(_, sub, _)| sub.arn != arn));
        Ok(())
    }
}

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
        self.enter("GetResources").await?;
        self.authorize("tag:GetResources", vec!["*".to_string()]);
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

#[async_trait]
impl IdentityApi for FakeAws {
    async fn identity(&self) -> AwsResult<Identity> {
        Ok(Identity {
            account: self.account.clone(),
            arn: format!("arn:aws:iam::{}:user/test", self.account),
        })
    }
}
