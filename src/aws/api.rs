//! Every AWS API obsctl calls, as a value: its service, its name (also its
//! IAM action, `service:Name`) and AWS's default rate quota.
//!
//! The rate limiter, the call counters and the retry layer key on [`Api`],
//! so an API cannot be called under a misspelt name, and adding a call means
//! adding a variant here, with its quota, before anything compiles.

use std::fmt;

/// One AWS API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    // CloudWatch
    /// cloudwatch:DescribeAlarms
    DescribeAlarms,
    /// cloudwatch:PutMetricAlarm
    PutMetricAlarm,
    /// cloudwatch:PutLogAlarm
    PutLogAlarm,
    /// cloudwatch:PutCompositeAlarm
    PutCompositeAlarm,
    /// cloudwatch:DeleteAlarms
    DeleteAlarms,
    /// cloudwatch:ListTagsForResource
    CloudWatchListTags,
    /// cloudwatch:TagResource
    CloudWatchTag,
    /// cloudwatch:UntagResource
    CloudWatchUntag,
    /// cloudwatch:ListDashboards
    ListDashboards,
    /// cloudwatch:GetDashboard
    GetDashboard,
    /// cloudwatch:PutDashboard
    PutDashboard,
    /// cloudwatch:DeleteDashboards
    DeleteDashboards,
    /// cloudwatch:ListMetrics
    ListMetrics,
    /// cloudwatch:GetMetricData
    GetMetricData,
    /// cloudwatch:DescribeAlarmHistory
    DescribeAlarmHistory,
    /// cloudwatch:ListAlarmMuteRules
    ListAlarmMuteRules,
    /// cloudwatch:GetAlarmMuteRule
    GetAlarmMuteRule,
    /// cloudwatch:PutAlarmMuteRule
    PutAlarmMuteRule,
    /// cloudwatch:DeleteAlarmMuteRule
    DeleteAlarmMuteRule,
    /// cloudwatch:SetAlarmState (the drill)
    SetAlarmState,
    // CloudWatch Logs
    /// logs:DescribeLogGroups
    DescribeLogGroups,
    /// logs:CreateLogGroup
    CreateLogGroup,
    /// logs:PutRetentionPolicy
    PutRetentionPolicy,
    /// logs:DescribeMetricFilters
    DescribeMetricFilters,
    /// logs:PutMetricFilter
    PutMetricFilter,
    /// logs:DeleteMetricFilter
    DeleteMetricFilter,
    /// logs:DescribeQueryDefinitions
    DescribeQueryDefinitions,
    /// logs:PutQueryDefinition
    PutQueryDefinition,
    /// logs:DeleteQueryDefinition
    DeleteQueryDefinition,
    /// logs:CreateLogStream
    CreateLogStream,
    /// logs:DescribeLogStreams
    DescribeLogStreams,
    /// logs:PutLogEvents
    PutLogEvents,
    /// logs:GetLogEvents
    GetLogEvents,
    /// logs:DeleteLogStream
    DeleteLogStream,
    /// logs:FilterLogEvents
    FilterLogEvents,
    /// logs:StartQuery
    StartQuery,
    /// logs:GetQueryResults
    GetQueryResults,
    /// logs:StopQuery
    StopQuery,
    // SNS
    /// sns:ListTopics
    ListTopics,
    /// sns:GetTopicAttributes
    GetTopicAttributes,
    /// sns:SetTopicAttributes
    SetTopicAttributes,
    /// sns:CreateTopic
    CreateTopic,
    /// sns:DeleteTopic
    DeleteTopic,
    /// sns:ListTagsForResource
    SnsListTags,
    /// sns:TagResource
    SnsTag,
    /// sns:UntagResource
    SnsUntag,
    /// sns:ListSubscriptionsByTopic
    ListSubscriptionsByTopic,
    /// sns:GetSubscriptionAttributes
    GetSubscriptionAttributes,
    /// sns:SetSubscriptionAttributes
    SetSubscriptionAttributes,
    /// sns:Subscribe
    Subscribe,
    /// sns:Unsubscribe
    Unsubscribe,
    // Resource Groups Tagging API
    /// tag:GetResources
    GetResources,
    // STS
    /// sts:GetCallerIdentity
    GetCallerIdentity,
    // SQS (the drill's temporary queues)
    /// sqs:CreateQueue
    CreateQueue,
    /// sqs:GetQueueAttributes
    GetQueueAttributes,
    /// sqs:ListQueues
    ListQueues,
    /// sqs:ListQueueTags
    ListQueueTags,
    /// sqs:ReceiveMessage
    ReceiveMessage,
    /// sqs:DeleteMessage
    DeleteMessage,
    /// sqs:DeleteQueue
    DeleteQueue,
}

impl Api {
    /// Every API, in declaration order.
    pub const ALL: &'static [Api] = &[
        Api::DescribeAlarms,
        Api::PutMetricAlarm,
        Api::PutLogAlarm,
        Api::PutCompositeAlarm,
        Api::DeleteAlarms,
        Api::CloudWatchListTags,
        Api::CloudWatchTag,
        Api::CloudWatchUntag,
        Api::ListDashboards,
        Api::GetDashboard,
        Api::PutDashboard,
        Api::DeleteDashboards,
        Api::ListMetrics,
        Api::GetMetricData,
        Api::DescribeAlarmHistory,
        Api::ListAlarmMuteRules,
        Api::GetAlarmMuteRule,
        Api::PutAlarmMuteRule,
        Api::DeleteAlarmMuteRule,
        Api::SetAlarmState,
        Api::DescribeLogGroups,
        Api::CreateLogGroup,
        Api::PutRetentionPolicy,
        Api::DescribeMetricFilters,
        Api::PutMetricFilter,
        Api::DeleteMetricFilter,
        Api::DescribeQueryDefinitions,
        Api::PutQueryDefinition,
        Api::DeleteQueryDefinition,
        Api::CreateLogStream,
        Api::DescribeLogStreams,
        Api::PutLogEvents,
        Api::GetLogEvents,
        Api::DeleteLogStream,
        Api::FilterLogEvents,
        Api::StartQuery,
        Api::GetQueryResults,
        Api::StopQuery,
        Api::ListTopics,
        Api::GetTopicAttributes,
        Api::SetTopicAttributes,
        Api::CreateTopic,
        Api::DeleteTopic,
        Api::SnsListTags,
        Api::SnsTag,
        Api::SnsUntag,
        Api::ListSubscriptionsByTopic,
        Api::GetSubscriptionAttributes,
        Api::SetSubscriptionAttributes,
        Api::Subscribe,
        Api::Unsubscribe,
        Api::GetResources,
        Api::GetCallerIdentity,
        Api::CreateQueue,
        Api::GetQueueAttributes,
        Api::ListQueues,
        Api::ListQueueTags,
        Api::ReceiveMessage,
        Api::DeleteMessage,
        Api::DeleteQueue,
    ];

    /// The service prefix of its IAM action.
    pub fn service(self) -> &'static str {
        use Api::*;
        match self {
            DescribeAlarms | PutMetricAlarm | PutLogAlarm | PutCompositeAlarm | DeleteAlarms
            | CloudWatchListTags | CloudWatchTag | CloudWatchUntag | ListDashboards
            | GetDashboard | PutDashboard | DeleteDashboards | ListMetrics | GetMetricData
            | DescribeAlarmHistory | ListAlarmMuteRules | GetAlarmMuteRule | PutAlarmMuteRule
            | DeleteAlarmMuteRule | SetAlarmState => "cloudwatch",
            DescribeLogGroups
            | CreateLogGroup
            | PutRetentionPolicy
            | DescribeMetricFilters
            | PutMetricFilter
            | DeleteMetricFilter
            | DescribeQueryDefinitions
            | PutQueryDefinition
            | DeleteQueryDefinition
            | CreateLogStream
            | DescribeLogStreams
            | PutLogEvents
            | GetLogEvents
            | DeleteLogStream
            | FilterLogEvents
            | StartQuery
            | GetQueryResults
            | StopQuery => "logs",
            ListTopics
            | GetTopicAttributes
            | SetTopicAttributes
            | CreateTopic
            | DeleteTopic
            | SnsListTags
            | SnsTag
            | SnsUntag
            | ListSubscriptionsByTopic
            | GetSubscriptionAttributes
            | SetSubscriptionAttributes
            | Subscribe
            | Unsubscribe => "sns",
            GetResources => "tag",
            GetCallerIdentity => "sts",
            CreateQueue | GetQueueAttributes | ListQueues | ListQueueTags | ReceiveMessage
            | DeleteMessage | DeleteQueue => "sqs",
        }
    }

    /// The operation's name as AWS spells it.
    pub fn name(self) -> &'static str {
        use Api::*;
        match self {
            DescribeAlarms => "DescribeAlarms",
            PutMetricAlarm => "PutMetricAlarm",
            PutLogAlarm => "PutLogAlarm",
            PutCompositeAlarm => "PutCompositeAlarm",
            DeleteAlarms => "DeleteAlarms",
            CloudWatchListTags | SnsListTags => "ListTagsForResource",
            CloudWatchTag | SnsTag => "TagResource",
            CloudWatchUntag | SnsUntag => "UntagResource",
            ListDashboards => "ListDashboards",
            GetDashboard => "GetDashboard",
            PutDashboard => "PutDashboard",
            DeleteDashboards => "DeleteDashboards",
            ListMetrics => "ListMetrics",
            GetMetricData => "GetMetricData",
            DescribeAlarmHistory => "DescribeAlarmHistory",
            ListAlarmMuteRules => "ListAlarmMuteRules",
            GetAlarmMuteRule => "GetAlarmMuteRule",
            PutAlarmMuteRule => "PutAlarmMuteRule",
            DeleteAlarmMuteRule => "DeleteAlarmMuteRule",
            DescribeLogGroups => "DescribeLogGroups",
            CreateLogGroup => "CreateLogGroup",
            PutRetentionPolicy => "PutRetentionPolicy",
            DescribeMetricFilters => "DescribeMetricFilters",
            PutMetricFilter => "PutMetricFilter",
            DeleteMetricFilter => "DeleteMetricFilter",
            DescribeQueryDefinitions => "DescribeQueryDefinitions",
            PutQueryDefinition => "PutQueryDefinition",
            DeleteQueryDefinition => "DeleteQueryDefinition",
            CreateLogStream => "CreateLogStream",
            DescribeLogStreams => "DescribeLogStreams",
            PutLogEvents => "PutLogEvents",
            GetLogEvents => "GetLogEvents",
            DeleteLogStream => "DeleteLogStream",
            FilterLogEvents => "FilterLogEvents",
            StartQuery => "StartQuery",
            GetQueryResults => "GetQueryResults",
            StopQuery => "StopQuery",
            ListTopics => "ListTopics",
            GetTopicAttributes => "GetTopicAttributes",
            SetTopicAttributes => "SetTopicAttributes",
            CreateTopic => "CreateTopic",
            DeleteTopic => "DeleteTopic",
            ListSubscriptionsByTopic => "ListSubscriptionsByTopic",
            GetSubscriptionAttributes => "GetSubscriptionAttributes",
            SetSubscriptionAttributes => "SetSubscriptionAttributes",
            Subscribe => "Subscribe",
            Unsubscribe => "Unsubscribe",
            GetResources => "GetResources",
            GetCallerIdentity => "GetCallerIdentity",
            SetAlarmState => "SetAlarmState",
            CreateQueue => "CreateQueue",
            GetQueueAttributes => "GetQueueAttributes",
            ListQueues => "ListQueues",
            ListQueueTags => "ListQueueTags",
            ReceiveMessage => "ReceiveMessage",
            DeleteMessage => "DeleteMessage",
            DeleteQueue => "DeleteQueue",
        }
    }

    /// AWS's default quota in calls per second
    /// (`../shared/reference/aws-facts.md` §5: the CloudWatch, CloudWatch
    /// Logs and SNS service-quota pages).
    pub fn default_rate(self) -> f64 {
        use Api::*;
        match self {
            DescribeAlarms => 9.0,
            // PutLogAlarm is not in the quota table: PutMetricAlarm's 3.
            PutMetricAlarm | PutLogAlarm | PutCompositeAlarm | DeleteAlarms => 3.0,
            CloudWatchListTags => 10.0,
            CloudWatchTag | CloudWatchUntag => 20.0,
            ListDashboards | GetDashboard | PutDashboard | DeleteDashboards => 10.0,
            // `obsctl verify` (aws-facts.md §5.1). ListMetrics: 25.
            // GetMetricData: 50, the lower of the two published values
            // (the 2023 quota page; the current one says 500, adjustable):
            // a verify needs few calls, so the safe one costs little.
            // DescribeAlarmHistory: 3 for the same reason (2023: 3; now 20;
            // not adjustable).
            ListMetrics => 25.0,
            GetMetricData => 50.0,
            DescribeAlarmHistory => 3.0,
            // Not in the CloudWatch quota table (aws-facts.md §5.1): 3,
            // CloudWatch's lowest published rate (PutMetricAlarm's).
            ListAlarmMuteRules | GetAlarmMuteRule | PutAlarmMuteRule | DeleteAlarmMuteRule => 3.0,
            DescribeLogGroups => 10.0,
            // Not in the quota table; the Logs control-plane APIs that are
            // published run at 5.
            CreateLogGroup | PutRetentionPolicy => 5.0,
            DescribeMetricFilters | PutMetricFilter | DeleteMetricFilter => 5.0,
            // Not published; AWS's other Logs APIs suggest 5.
            DescribeQueryDefinitions | PutQueryDefinition | DeleteQueryDefinition => 5.0,
            // The apply lock's calls (a handful per apply, one heartbeat
            // every 30 s). CreateLogStream: 50 (its API reference: "a limit
            // of 50 TPS on CreateLogStream operations"). DescribeLogStreams
            // and DeleteLogStream: 5 (the Logs quota page; its current
            // English copy was not at hand, and a translated copy says 5;
            // the DescribeLogStreams reference once said "five transactions
            // per second"). PutLogEvents: 5, its long-standing limit per log
            // stream (a lock writes one stream). GetLogEvents: not found in
            // the sources at hand ("a hard limit", AWS Knowledge Center,
            // cloudwatch-logs-throttling): 5, the lowest Logs rate.
            CreateLogStream => 50.0,
            DescribeLogStreams | DeleteLogStream | PutLogEvents | GetLogEvents => 5.0,
            // Not in aws-facts.md's table; the CloudWatch Logs quota page
            // lists FilterLogEvents at 5 per second (not adjustable), the
            // Logs rate obsctl assumes where none is at hand.
            FilterLogEvents => 5.0,
            // Logs Insights (aws-facts.md §5.2): StartQuery and
            // GetQueryResults 10. StopQuery is not published: 5, the Logs
            // rate assumed where none is at hand.
            StartQuery | GetQueryResults => 10.0,
            StopQuery => 5.0,
            ListTopics | ListSubscriptionsByTopic => 30.0,
            Subscribe | Unsubscribe => 100.0,
            SnsListTags | SnsTag | SnsUntag => 10.0,
            // 30 TPS is the lowest regional quota of SNS's "other API" group.
            GetTopicAttributes
            | SetTopicAttributes
            | CreateTopic
            | DeleteTopic
            | GetSubscriptionAttributes
            | SetSubscriptionAttributes => 30.0,
            // No rate is published for the Resource Groups Tagging API (its
            // page of the AWS General Reference lists resource quotas only):
            // 5 per second is a conservative choice, the lowest rate any
            // API obsctl calls has by default. A plan needs ⌈tagged / 100⌉.
            GetResources => 5.0,
            GetCallerIdentity => 10.0,
            // Not in the CloudWatch quota table: 3, its lowest published
            // rate. A drill sets two states per route.
            SetAlarmState => 3.0,
            // SQS: "Amazon SQS supports a nearly unlimited number of API
            // calls per second" for standard queues (SQS quotas page,
            // "Standard queue quotas"); the drill makes a handful per route.
            // 100, so a runaway loop still cannot flood the account.
            CreateQueue | GetQueueAttributes | ListQueues | ListQueueTags | ReceiveMessage
            | DeleteMessage | DeleteQueue => 100.0,
        }
    }

    /// False for a call whose repetition, after AWS processed it but the
    /// answer was lost (a dropped connection, a timeout, a 5xx), means
    /// something else than the first call. PutQueryDefinition may create a
    /// second definition: its client token makes it idempotent on AWS, but
    /// not every implementation honours it (aws-fidelity.md), so apply looks
    /// for the definition first. CreateLogStream repeated answers
    /// `ResourceAlreadyExistsException` for the stream the first call made,
    /// which the apply lock would read as "another apply won"; the lock
    /// decides about such an error itself (`lock.rs`). Every other write is
    /// a put by name, a tag, a delete, or idempotent by AWS's own rules
    /// (CreateTopic and Subscribe return the existing topic or subscription).
    pub fn is_idempotent(self) -> bool {
        // StartQuery repeated after a lost answer starts a second query,
        // billed again: it is not retried after a transient error either.
        !matches!(
            self,
            Api::PutQueryDefinition | Api::CreateLogStream | Api::StartQuery
        )
    }

    /// The IAM action, `service:Name` (also the key of call statistics).
    pub fn action(self) -> String {
        format!("{}:{}", self.service(), self.name())
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn all_lists_every_api_once_with_a_distinct_action() {
        let actions: BTreeSet<String> = Api::ALL.iter().map(|a| a.action()).collect();
        assert_eq!(actions.len(), Api::ALL.len());
        // The match in `service` is exhaustive; this counts the variants.
        let last = Api::DeleteQueue as usize;
        assert_eq!(Api::ALL.len(), last + 1);
        for (i, api) in Api::ALL.iter().enumerate() {
            assert_eq!(*api as usize, i, "{api} out of order in Api::ALL");
            assert!(api.default_rate() > 0.0);
        }
    }
}
