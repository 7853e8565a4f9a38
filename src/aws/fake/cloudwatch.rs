//! CloudWatch: metric, composite and log alarms (pages of 100, tags kept when
//! put again, deletes blocked by composites), dashboards and their tags.

use super::*;

impl FakeAws {
    fn dashboard_arn(&self, name: &str) -> String {
        crate::resource::dashboard_arn(&self.region, &self.account, name)
    }

    pub(super) fn alarm_arn(&self, name: &str) -> String {
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
                LiveAlarm::Metric(_) | LiveAlarm::Log(_) => false,
            })
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The ARN of a mute rule (the API reference's form,
    /// `…:alarm-mute-rule:NAME`).
    fn mute_rule_arn(&self, name: &str) -> String {
        let p = crate::resource::partition(&self.region);
        format!(
            "arn:{p}:cloudwatch:{}:{}:alarm-mute-rule:{name}",
            self.region, self.account
        )
    }

    /// The tags of the alarm, dashboard or mute rule `arn` names, if it exists.
    fn cw_tags<'s>(s: &'s mut FakeState, arn: &str) -> Option<&'s mut Vec<Tag>> {
        if let Some(name) = mute_rule_name(arn) {
            return s.mute_rules.get_mut(name).map(|(_, t)| t);
        }
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

fn strip_tags_metric(a: &MetricAlarm) -> MetricAlarm {
    MetricAlarm {
        tags: Vec::new(),
        ..a.clone()
    }
}

fn strip_tags_log(a: &LogAlarm) -> LogAlarm {
    LogAlarm {
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

/// The alarm as DescribeAlarms returns it: without its tags.
fn strip_tags(a: &LiveAlarm) -> LiveAlarm {
    match a {
        LiveAlarm::Metric(m) => LiveAlarm::Metric(strip_tags_metric(m)),
        LiveAlarm::Composite(c) => LiveAlarm::Composite(strip_tags_composite(c)),
        LiveAlarm::Log(l) => LiveAlarm::Log(strip_tags_log(l)),
    }
}

impl FakeAws {
    /// DescribeAlarms by `AlarmNames`: the call authorized against each
    /// alarm, and at most 100 names (the API reference: "Maximum number of
    /// 100 items"; names that do not exist are simply not returned).
    async fn describe_by_names(&self, names: &[String]) -> AwsResult<()> {
        self.enter(Api::DescribeAlarms.name()).await?;
        self.authorize(
            Api::DescribeAlarms,
            names.iter().map(|n| self.alarm_arn(n)).collect(),
        );
        if names.len() > 100 {
            return Err(AwsError::new(
                Api::DescribeAlarms.name(),
                "ValidationError",
                "AlarmNames: at most 100",
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl CloudWatchApi for FakeAws {
    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage> {
        self.enter(Api::DescribeAlarms.name()).await?;
        self.authorize(Api::DescribeAlarms, vec!["*".to_string()]);
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
                .map(|(n, (a, _))| (self.alarm_arn(n), strip_tags(a)))
                .collect();
            let next = (offset + 100 < matching.len()).then(|| (offset + 100).to_string());
            Ok(AlarmPage { alarms, next })
        })
    }

    async fn describe_alarms_named(&self, names: &[String]) -> AwsResult<Vec<(String, LiveAlarm)>> {
        self.describe_by_names(names).await?;
        Ok(self.with(|s| {
            names
                .iter()
                .filter_map(|n| Some((self.alarm_arn(n), strip_tags(&s.alarms.get(n)?.0))))
                .collect()
        }))
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        self.enter(Api::CloudWatchListTags.name()).await?;
        self.authorize(Api::CloudWatchListTags, vec![arn.to_string()]);
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
                    Api::CloudWatchListTags.name(),
                    "ResourceNotFoundException",
                    format!("{arn} not found"),
                )
            })
    }

    async fn put_metric_alarm(&self, alarm: &MetricAlarm) -> AwsResult<()> {
        self.enter(Api::PutMetricAlarm.name()).await?;
        self.authorize(Api::PutMetricAlarm, vec![self.alarm_arn(&alarm.alarm_name)]);
        if alarm.datapoints_to_alarm.unwrap_or(1) > alarm.evaluation_periods {
            return Err(AwsError::new(
                Api::PutMetricAlarm.name(),
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

    /// PutLogAlarm as its API reference states it: `QueryResultsToAlarm`
    /// "must be less than or equal to `QueryResultsToEvaluate`" (both 1 to
    /// 100), one of four comparison operators, 1 to 50 log groups,
    /// `EndTimeOffset` "less than `StartTimeOffset`"; tags given on
    /// creation kept (dropped where the fake plays an endpoint that drops
    /// them).
    async fn put_log_alarm(&self, alarm: &LogAlarm) -> AwsResult<()> {
        self.enter(Api::PutLogAlarm.name()).await?;
        self.authorize(Api::PutLogAlarm, vec![self.alarm_arn(&alarm.alarm_name)]);
        let invalid = |m: &str| {
            Err(AwsError::new(
                Api::PutLogAlarm.name(),
                "ValidationError",
                m.to_string(),
            ))
        };
        let n = alarm.query_results_to_evaluate;
        let m = alarm.query_results_to_alarm;
        if !(1..=100).contains(&n) || m < 1 || m > n {
            return invalid(
                "QueryResultsToAlarm must be less than or equal to QueryResultsToEvaluate (1 to 100)",
            );
        }
        if !crate::rules::log_alarm::COMPARISONS.contains(&alarm.comparison_operator.as_str()) {
            return invalid("ComparisonOperator is not one of the four a log alarm takes");
        }
        let q = &alarm.scheduled_query_configuration;
        if !(1..=50).contains(&q.log_group_identifiers.len()) {
            return invalid("LogGroupIdentifiers must contain between 1 and 50 entries");
        }
        let s = &q.schedule_configuration;
        if s.end_time_offset > 0 && s.end_time_offset >= s.start_time_offset {
            return invalid("EndTimeOffset must be less than StartTimeOffset");
        }
        let drop = self.with(|s| s.drop_create_tags);
        self.put_alarm(
            &alarm.alarm_name,
            LiveAlarm::Log(strip_tags_log(alarm)),
            if drop { &[] } else { &alarm.tags },
        );
        Ok(())
    }

    async fn put_composite_alarm(&self, alarm: &CompositeAlarm) -> AwsResult<()> {
        self.enter(Api::PutCompositeAlarm.name()).await?;
        self.authorize(
            Api::PutCompositeAlarm,
            vec![self.alarm_arn(&alarm.alarm_name)],
        );
        let missing: Vec<String> = crate::rules::composite::rule_refs(&alarm.alarm_rule)
            .into_iter()
            .map(|r| alarm.alarm_rule[r].to_string())
            .filter(|child| !self.with(|s| s.alarms.contains_key(child)))
            .collect();
        if !missing.is_empty() {
            return Err(AwsError::new(
                Api::PutCompositeAlarm.name(),
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
        self.enter(Api::DeleteAlarms.name()).await?;
        self.authorize(
            Api::DeleteAlarms,
            names.iter().map(|n| self.alarm_arn(n)).collect(),
        );
        self.with(|s| {
            let composites = names
                .iter()
                .filter(|n| matches!(s.alarms.get(*n), Some((LiveAlarm::Composite(_), _))))
                .count();
            if composites > 1 {
                return Err(AwsError::new(
                    Api::DeleteAlarms.name(),
                    "ValidationError",
                    "at most one composite alarm per call",
                ));
            }
            if let Some(missing) = names.iter().find(|n| !s.alarms.contains_key(*n)) {
                return Err(AwsError::new(
                    Api::DeleteAlarms.name(),
                    "ResourceNotFound",
                    format!("{missing} does not exist"),
                ));
            }
            for n in names {
                if !Self::parents(s, n).iter().all(|p| names.contains(p)) {
                    return Err(AwsError::new(
                        Api::DeleteAlarms.name(),
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
        self.enter(Api::DescribeAlarms.name()).await?;
        self.authorize(Api::DescribeAlarms, vec!["*".to_string()]);
        Ok(self.with(|s| Self::parents(s, alarm)))
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.enter(Api::CloudWatchTag.name()).await?;
        self.authorize(Api::CloudWatchTag, vec![arn.to_string()]);
        self.with(|s| match Self::cw_tags(s, arn) {
            Some(old) => {
                merge_tags(old, tags);
                Ok(())
            }
            None => Err(AwsError::new(
                Api::CloudWatchTag.name(),
                "ResourceNotFoundException",
                arn,
            )),
        })
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.enter(Api::CloudWatchUntag.name()).await?;
        self.authorize(Api::CloudWatchUntag, vec![arn.to_string()]);
        self.with(|s| {
            if let Some(old) = Self::cw_tags(s, arn) {
                old.retain(|t| !keys.contains(&t.key));
            }
        });
        Ok(())
    }

    async fn list_dashboards(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        self.enter(Api::ListDashboards.name()).await?;
        self.authorize(Api::ListDashboards, vec!["*".to_string()]);
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
        self.enter(Api::GetDashboard.name()).await?;
        self.authorize(Api::GetDashboard, vec![self.dashboard_arn(name)]);
        self.with(|s| s.dashboards.get(name).cloned())
            .ok_or_else(|| {
                AwsError::new(
                    Api::GetDashboard.name(),
                    "ResourceNotFound",
                    format!("Dashboard {name} does not exist"),
                )
            })
    }

    async fn put_dashboard(&self, dashboard: &Dashboard) -> AwsResult<()> {
        self.enter(Api::PutDashboard.name()).await?;
        self.authorize(
            Api::PutDashboard,
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
        self.enter(Api::DeleteDashboards.name()).await?;
        self.authorize(
            Api::DeleteDashboards,
            names.iter().map(|n| self.dashboard_arn(n)).collect(),
        );
        self.with(|s| {
            if let Some(missing) = names.iter().find(|n| !s.dashboards.contains_key(*n)) {
                return Err(AwsError::new(
                    Api::DeleteDashboards.name(),
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

    async fn list_metrics(
        &self,
        listing: &crate::aws::data::MetricListing,
        next: Option<String>,
    ) -> AwsResult<Page<crate::resource::Metric>> {
        self.enter(Api::ListMetrics.name()).await?;
        self.authorize(Api::ListMetrics, vec!["*".to_string()]);
        Ok(self.fake_list_metrics(listing, next))
    }

    async fn get_metric_data(
        &self,
        queries: &[crate::aws::data::DataQuery],
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<crate::aws::data::DataPage> {
        self.enter(Api::GetMetricData.name()).await?;
        self.authorize(Api::GetMetricData, vec!["*".to_string()]);
        self.fake_get_metric_data(queries, start, end, next)
    }

    async fn alarm_history(
        &self,
        alarm: &str,
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<Page<crate::aws::data::AlarmTransition>> {
        self.enter(Api::DescribeAlarmHistory.name()).await?;
        self.authorize(Api::DescribeAlarmHistory, vec!["*".to_string()]);
        Ok(self.fake_alarm_history(alarm, start, end, next))
    }

    async fn list_alarm_mute_rules(
        &self,
        next: Option<String>,
    ) -> AwsResult<Page<MuteRuleSummary>> {
        self.enter(Api::ListAlarmMuteRules.name()).await?;
        self.authorize(Api::ListAlarmMuteRules, vec!["*".to_string()]);
        let all = self.with(|s| {
            s.mute_rules
                .values()
                .map(|(r, _)| MuteRuleSummary {
                    arn: self.mute_rule_arn(&r.name),
                    expire_date: r.expire_date.clone(),
                })
                .collect()
        });
        Ok(page(all, next, 100))
    }

    async fn get_alarm_mute_rule(&self, name: &str) -> AwsResult<(String, AlarmMuteRule)> {
        self.enter(Api::GetAlarmMuteRule.name()).await?;
        self.authorize(Api::GetAlarmMuteRule, vec![self.mute_rule_arn(name)]);
        self.with(|s| s.mute_rules.get(name).map(|(r, _)| r.clone()))
            .map(|r| (self.mute_rule_arn(name), r))
            .ok_or_else(|| {
                AwsError::new(
                    Api::GetAlarmMuteRule.name(),
                    "ResourceNotFoundException",
                    format!("Mute rule {name} does not exist"),
                )
            })
    }

    async fn put_alarm_mute_rule(&self, rule: &AlarmMuteRule) -> AwsResult<()> {
        self.enter(Api::PutAlarmMuteRule.name()).await?;
        let mut resources = vec![self.mute_rule_arn(&rule.name)];
        resources.extend(
            rule.mute_targets
                .alarm_names
                .iter()
                .map(|a| self.alarm_arn(a)),
        );
        self.authorize(Api::PutAlarmMuteRule, resources);
        self.with(|s| {
            if let Some(missing) = rule
                .mute_targets
                .alarm_names
                .iter()
                .find(|a| !s.alarms.contains_key(*a))
            {
                return Err(AwsError::new(
                    Api::PutAlarmMuteRule.name(),
                    "ValidationError",
                    format!("Alarm {missing} does not exist"),
                ));
            }
            let tags = match s.mute_rules.get(&rule.name) {
                Some((_, old)) => old.clone(),
                None if s.drop_create_tags => Vec::new(),
                None => {
                    let mut t = rule.tags.clone();
                    t.sort();
                    t
                }
            };
            let stored = AlarmMuteRule {
                tags: Vec::new(),
                ..rule.clone()
            };
            s.mute_rules.insert(rule.name.clone(), (stored, tags));
            Ok(())
        })
    }

    async fn delete_alarm_mute_rule(&self, name: &str) -> AwsResult<()> {
        self.enter(Api::DeleteAlarmMuteRule.name()).await?;
        self.authorize(Api::DeleteAlarmMuteRule, vec![self.mute_rule_arn(name)]);
        self.with(|s| s.mute_rules.remove(name));
        Ok(())
    }

    async fn alarm_states(&self, names: &[String]) -> AwsResult<Vec<AlarmStatus>> {
        self.describe_by_names(names).await?;
        Ok(self.with(|s| {
            names
                .iter()
                .filter_map(|n| {
                    let (alarm, _) = s.alarms.get(n)?;
                    let (enabled, suppressor) = match alarm {
                        LiveAlarm::Metric(a) => (a.actions_enabled, None),
                        LiveAlarm::Log(a) => (a.actions_enabled, None),
                        LiveAlarm::Composite(c) => {
                            (c.actions_enabled, c.actions_suppressor.clone())
                        }
                    };
                    Some(AlarmStatus {
                        name: n.clone(),
                        composite: matches!(alarm, LiveAlarm::Composite(_)),
                        state: s.state_of(n),
                        actions_enabled: enabled,
                        actions_suppressor: suppressor,
                    })
                })
                .collect()
        }))
    }

    /// SetAlarmState as AWS runs it (API reference: "Temporarily sets the
    /// state of an alarm for testing purposes. When the updated state
    /// differs from the previous value, the action configured for the
    /// appropriate state is invoked"): the same state again does nothing;
    /// a change is written to the alarm's history and runs the new state's actions unless actions are disabled,
    /// a mute rule mutes the alarm now ("How alarm mute rules work"), or a
    /// composite's actions suppressor is in ALARM ("Alarm suppression").
    /// SNS actions publish the alarm's notification (the JSON of AWS's
    /// alarm messages: AlarmName, NewStateValue, NewStateReason,
    /// OldStateValue, StateChangeTime…; aws-lambda-go's
    /// `cloudwatch-alarm-sns-payload-single-metric.json`). A metric alarm
    /// keeps the state until its next evaluation, which the fake does not
    /// run; a composite keeps it until a child changes.
    async fn set_alarm_state(
        &self,
        name: &str,
        state: crate::aws::data::AlarmState,
        reason: &str,
    ) -> AwsResult<()> {
        self.enter(Api::SetAlarmState.name()).await?;
        self.authorize(Api::SetAlarmState, vec![self.alarm_arn(name)]);
        let now = self.now_ms();
        let arn = self.alarm_arn(name);
        let (region, account) = (self.region.clone(), self.account.clone());
        self.with(|s| {
            let Some((alarm, _)) = s.alarms.get(name).cloned() else {
                return Err(AwsError::new(
                    Api::SetAlarmState.name(),
                    "ResourceNotFound",
                    format!("Alarm {name} does not exist"),
                ));
            };
            let old = s.state_of(name);
            if old == state {
                return Ok(());
            }
            s.alarm_states.insert(name.to_string(), state);
            // A state update in the alarm's history, as any change writes
            // (aws-fidelity.md: "SetAlarmState writes DescribeAlarmHistory
            // state updates").
            s.alarm_history.push(data::FakeHistoryItem {
                alarm_name: name.to_string(),
                time: now,
                summary: format!("Alarm updated from {} to {}", old.as_str(), state.as_str()),
                data: serde_json::json!({
                    "version": "1.0",
                    "oldState": {"stateValue": old.as_str()},
                    "newState": {"stateValue": state.as_str(), "stateReason": reason},
                })
                .to_string(),
            });
            let (enabled, ok, alarm_actions, insufficient, suppressor, description) = match &alarm {
                LiveAlarm::Metric(a) => (
                    a.actions_enabled,
                    &a.ok_actions,
                    &a.alarm_actions,
                    &a.insufficient_data_actions,
                    None,
                    a.alarm_description.clone(),
                ),
                LiveAlarm::Log(a) => (
                    a.actions_enabled,
                    &a.ok_actions,
                    &a.alarm_actions,
                    &a.insufficient_data_actions,
                    None,
                    a.alarm_description.clone(),
                ),
                LiveAlarm::Composite(c) => (
                    c.actions_enabled,
                    &c.ok_actions,
                    &c.alarm_actions,
                    &c.insufficient_data_actions,
                    c.actions_suppressor.clone(),
                    c.alarm_description.clone(),
                ),
            };
            let actions = match state {
                crate::aws::data::AlarmState::Ok => ok,
                crate::aws::data::AlarmState::Alarm => alarm_actions,
                crate::aws::data::AlarmState::InsufficientData => insufficient,
            };
            let muted =
                !crate::testing::mute::Mutes::from_rules(s.mute_rules.values().map(|(r, _)| r))
                    .muting_at(name, now.div_euclid(1000))
                    .is_empty();
            let suppressed =
                suppressor.is_some_and(|p| s.state_of(&p) == crate::aws::data::AlarmState::Alarm);
            if !enabled || muted || suppressed {
                return Ok(());
            }
            let message = serde_json::json!({
                "AlarmName": name,
                "AlarmDescription": description,
                "AWSAccountId": account,
                "NewStateValue": state.as_str(),
                "NewStateReason": reason,
                "StateChangeTime": super::iso_ms(now),
                "Region": region,
                "AlarmArn": arn,
                "OldStateValue": old.as_str(),
            })
            .to_string();
            let subject = format!("{}: \"{name}\" in {region}", state.as_str());
            for topic in actions.clone() {
                s.publish(&topic, &subject, &message, now);
            }
            Ok(())
        })
    }
}
