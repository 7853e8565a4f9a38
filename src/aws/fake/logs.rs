//! CloudWatch Logs: log groups, metric filters (pages of 50, concurrent
//! writes on one group abort), saved Logs Insights queries (client
//! tokens), and log streams and events (the apply lock).

use super::*;

impl FakeAws {
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

    /// The ARN IAM checks for actions on one log stream.
    fn log_stream_arn(&self, group: &str, stream: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{group}:log-stream:{stream}",
            self.region, self.account
        )
    }

    /// `f` on the streams of `group`; `ResourceNotFoundException` when the
    /// group does not exist (each stream API's reference).
    fn in_group<T>(
        &self,
        api: Api,
        group: &str,
        f: impl FnOnce(&mut BTreeMap<String, FakeLogStream>) -> AwsResult<T>,
    ) -> AwsResult<T> {
        self.with(|s| {
            if !s.log_groups.contains_key(group) {
                return Err(AwsError::new(
                    api.name(),
                    "ResourceNotFoundException",
                    "The specified log group does not exist.",
                ));
            }
            f(s.log_streams.entry(group.to_string()).or_default())
        })
    }
}

fn no_stream(api: Api) -> AwsError {
    AwsError::new(
        api.name(),
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
}

#[async_trait]
impl LogsApi for FakeAws {
    async fn describe_log_groups(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<String>> {
        self.enter(Api::DescribeLogGroups.name()).await?;
        self.authorize(Api::DescribeLogGroups, vec!["*".to_string()]);
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
        self.enter(Api::CreateLogGroup.name()).await?;
        self.authorize(Api::CreateLogGroup, vec![self.log_group_arn(name)]);
        self.with(|s| {
            if s.log_groups.contains_key(name) {
                // CreateLogGroup API reference: ResourceAlreadyExistsException.
                return Err(AwsError::new(
                    Api::CreateLogGroup.name(),
                    "ResourceAlreadyExistsException",
                    "The specified log group already exists",
                ));
            }
            s.log_groups.insert(name.to_string(), (tags.to_vec(), None));
            Ok(())
        })?;
        self.answer(Api::CreateLogGroup.name(), ())
    }

    async fn put_retention_policy(&self, name: &str, days: u32) -> AwsResult<()> {
        self.enter(Api::PutRetentionPolicy.name()).await?;
        self.authorize(Api::PutRetentionPolicy, vec![self.log_group_arn(name)]);
        self.with(|s| match s.log_groups.get_mut(name) {
            Some(group) => {
                group.1 = Some(days);
                Ok(())
            }
            None => Err(AwsError::new(
                Api::PutRetentionPolicy.name(),
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
        self.enter(Api::DescribeMetricFilters.name()).await?;
        self.authorize(
            Api::DescribeMetricFilters,
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
        self.enter(Api::PutMetricFilter.name()).await?;
        self.authorize(
            Api::PutMetricFilter,
            vec![self.log_group_arn(&filter.log_group_name)],
        );
        let group = &filter.log_group_name;
        // PutMetricFilter API reference: ResourceNotFoundException when the
        // log group does not exist (the emulator creates the filter anyway,
        // aws-fidelity.md).
        if !self.with(|s| s.log_groups.contains_key(group)) {
            return Err(AwsError::new(
                Api::PutMetricFilter.name(),
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ));
        }
        self.write_group(Api::PutMetricFilter.name(), group).await?;
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
        self.enter(Api::DeleteMetricFilter.name()).await?;
        self.authorize(Api::DeleteMetricFilter, vec![self.log_group_arn(log_group)]);
        self.write_group(Api::DeleteMetricFilter.name(), log_group)
            .await?;
        let removed = self.with(|s| s.filters.remove(&(log_group.to_string(), name.to_string())));
        self.end_write_group(log_group);
        removed.map(|_| ()).ok_or_else(|| {
            AwsError::new(
                Api::DeleteMetricFilter.name(),
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
        self.enter(Api::DescribeQueryDefinitions.name()).await?;
        self.authorize(Api::DescribeQueryDefinitions, vec!["*".to_string()]);
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
        self.enter(Api::PutQueryDefinition.name()).await?;
        self.authorize(Api::PutQueryDefinition, vec!["*".to_string()]);
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
        self.answer(Api::PutQueryDefinition.name(), id)
    }

    async fn delete_query_definition(&self, id: &str) -> AwsResult<()> {
        self.enter(Api::DeleteQueryDefinition.name()).await?;
        self.authorize(Api::DeleteQueryDefinition, vec!["*".to_string()]);
        self.with(|s| s.queries.remove(id))
            .map(|_| ())
            .ok_or_else(|| {
                AwsError::new(
                    Api::DeleteQueryDefinition.name(),
                    "ResourceNotFoundException",
                    "The specified query definition does not exist",
                )
            })
    }

    async fn create_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        self.enter(Api::CreateLogStream.name()).await?;
        self.authorize(Api::CreateLogStream, vec![self.log_group_arn(group)]);
        let now = self.now_ms();
        self.in_group(Api::CreateLogStream, group, |streams| {
            if streams.contains_key(stream) {
                // CreateLogStream API reference: ResourceAlreadyExistsException.
                return Err(AwsError::new(
                    Api::CreateLogStream.name(),
                    "ResourceAlreadyExistsException",
                    "The specified log stream already exists",
                ));
            }
            streams.insert(
                stream.to_string(),
                FakeLogStream {
                    creation_time: now,
                    events: Vec::new(),
                },
            );
            Ok(())
        })?;
        self.answer(Api::CreateLogStream.name(), ())
    }

    async fn describe_log_streams(
        &self,
        group: &str,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LogStream>> {
        self.enter(Api::DescribeLogStreams.name()).await?;
        self.authorize(Api::DescribeLogStreams, vec![self.log_group_arn(group)]);
        // Ordered by name (the default `orderBy`), 50 per page (`limit`: 1–50).
        let all = self.in_group(Api::DescribeLogStreams, group, |streams| {
            Ok(streams
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(name, s)| LogStream {
                    name: name.clone(),
                    creation_time: s.creation_time,
                })
                .collect())
        })?;
        Ok(page(all, next, 50))
    }

    async fn put_log_event(
        &self,
        group: &str,
        stream: &str,
        timestamp: i64,
        message: &str,
    ) -> AwsResult<()> {
        self.enter(Api::PutLogEvents.name()).await?;
        self.authorize(Api::PutLogEvents, vec![self.log_stream_arn(group, stream)]);
        let now = self.now_ms();
        self.in_group(Api::PutLogEvents, group, |streams| {
            let s = streams
                .get_mut(stream)
                .ok_or_else(|| no_stream(Api::PutLogEvents))?;
            s.events.push(LogEvent {
                timestamp,
                ingestion_time: now,
                message: message.to_string(),
            });
            // GetLogEvents returns events in timestamp order.
            s.events.sort_by_key(|e| e.timestamp);
            Ok(())
        })?;
        self.answer(Api::PutLogEvents.name(), ())
    }

    async fn get_log_events(
        &self,
        group: &str,
        stream: &str,
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        self.enter(Api::GetLogEvents.name()).await?;
        self.authorize(Api::GetLogEvents, vec![self.log_stream_arn(group, stream)]);
        let events = self.in_group(Api::GetLogEvents, group, |streams| {
            Ok(streams
                .get(stream)
                .ok_or_else(|| no_stream(Api::GetLogEvents))?
                .events
                .clone())
        })?;
        // Newest first: the token is the index the older page ends at.
        let end: usize = next
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or(events.len())
            .min(events.len());
        let start = end.saturating_sub(usize::try_from(limit.max(1)).unwrap_or(1));
        let older = (start > 0).then(|| start.to_string());
        let page = events.get(start..end).map(<[LogEvent]>::to_vec);
        Ok((page.unwrap_or_default(), older))
    }

    async fn delete_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        self.enter(Api::DeleteLogStream.name()).await?;
        self.authorize(
            Api::DeleteLogStream,
            vec![self.log_stream_arn(group, stream)],
        );
        self.in_group(Api::DeleteLogStream, group, |streams| {
            streams
                .remove(stream)
                .map(|_| ())
                .ok_or_else(|| no_stream(Api::DeleteLogStream))
        })
    }

    async fn filter_log_events(
        &self,
        group: &str,
        pattern: Option<&str>,
        (start, end): (i64, i64),
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        self.enter(Api::FilterLogEvents.name()).await?;
        self.authorize(Api::FilterLogEvents, vec![self.log_group_arn(group)]);
        self.fake_filter_log_events(group, pattern, (start, end), limit, next)
    }

    async fn start_query(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> AwsResult<String> {
        self.enter(Api::StartQuery.name()).await?;
        self.authorize(
            Api::StartQuery,
            groups.iter().map(|g| self.log_group_arn(g)).collect(),
        );
        self.fake_start_query(groups, query, start, end)
    }

    async fn get_query_results(&self, id: &str) -> AwsResult<crate::aws::data::QueryRun> {
        self.enter(Api::GetQueryResults.name()).await?;
        self.authorize(Api::GetQueryResults, vec!["*".to_string()]);
        self.fake_query_results(id)
    }

    async fn stop_query(&self, id: &str) -> AwsResult<()> {
        self.enter(Api::StopQuery.name()).await?;
        self.authorize(Api::StopQuery, vec!["*".to_string()]);
        self.fake_stop_query(id)
    }
}
