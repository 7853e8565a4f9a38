//! `obsctl iam-policy`: the least-privilege IAM policy for `plan` (reads),
//! `apply` (reads and writes) or `verify` (data reads) of one environment, generated from the
//! catalogue: every action obsctl calls for the kinds in scope, each scoped
//! to the environment's resource ARNs where the API supports resource-level
//! permissions, `*` only where AWS offers no resource-level control.
//!
//! Each row of [`PERMISSIONS`] cites its Service Authorization Reference
//! page. Two facts shape the scopes (both from those pages):
//! `cloudwatch:DescribeAlarms` scoped to alarm ARNs does not return
//! composite alarms, so it gets `*`; Logs actions on a log group are
//! authorized against `…:log-group:NAME:*` (the log-stream form) as well as
//! `…:log-group:NAME`, so both are granted.
//!
//! Besides the kinds, `apply` needs the apply lock (`lock.rs`): its log
//! group `/obsctl/locks/<project>` (CreateLogGroup with the ownership tag,
//! so logs:TagResource too) and its streams (CreateLogStream,
//! DescribeLogStreams, PutLogEvents, GetLogEvents, DeleteLogStream), all
//! scoped to that group (`…:log-group:/obsctl/locks/<project>` and
//! `…:*`, which covers `…:log-stream:<name>`). `plan` reads it
//! (DescribeLogStreams, GetLogEvents) to note an apply that is running.

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]

use crate::aws::Api;
use crate::compile::{ACCOUNT_PLACEHOLDER, DesiredState};
use crate::ownership::LogGroupScope;
use crate::resource::Kind;
use crate::rules::wildcard::matches;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What the policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `obsctl plan`: reads only.
    Plan,
    /// `obsctl apply`: reads and writes.
    Apply,
    /// `obsctl verify`: reads of what flows through the account (metrics,
    /// log events, alarm history); no configuration read or written.
    Verify,
    /// `obsctl plan --backtest`: plan's reads, and GetMetricData for the
    /// firing counts of the alarms the plan changes.
    PlanBacktest,
    /// `obsctl verify --drill`: verify's reads, SetAlarmState on the
    /// environment's alarms, the mute rules read, temporary SQS queues
    /// (`obsctl-drill-*`) subscribed to the environment's topics.
    Drill,
    /// `obsctl import`: plan's reads of every kind under the prefix (not
    /// the apply lock's), the tags of any alarm and the reads of any topic
    /// (`--names` reads alarms and topics outside the prefix), and a few
    /// log events of any log group (the JSON audit of space-delimited
    /// filters).
    Import,
}

const CLOUDWATCH: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html";
const LOGS: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html";
const SNS: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html";
const IAM: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html";
const TAGGING: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonresourcegrouptaggingapi.html";
const SQS: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html";

/// What an action's `Resource` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// No resource-level permissions (or, for DescribeAlarms, none that
    /// keep composite alarms visible): `*`.
    Any,
    /// The environment's alarms (name prefix).
    Alarms,
    /// The environment's alarms, dashboards and alarm mute rules
    /// (CloudWatch tagging).
    AlarmsAndDashboards,
    /// The environment's alarm mute rules (name prefix).
    MuteRules,
    /// The environment's mute rules and alarms: PutAlarmMuteRule is
    /// authorized against the rule and every alarm it targets (its API
    /// reference, "Permissions").
    MuteRulesAndAlarms,
    /// The environment's dashboards (name prefix; dashboards are global).
    Dashboards,
    /// The environment's topics (name prefix).
    Topics,
    /// Every log group of the account and region (listing filters
    /// account-wide, see the README's "Reading live state").
    AllLogGroups,
    /// The log groups the catalogue's filters and queries use (their common
    /// prefix when they share one, so filters of removed services under it
    /// can be pruned).
    LogGroups,
    /// The apply lock's log group and its streams only.
    Lock,
    /// Exactly the scheduled-query roles the environment's log alarms name
    /// (`iam:PassRole`; obsctl creates no roles).
    LogAlarmRoles,
    /// The drill's temporary queues (`obsctl-drill-*`).
    DrillQueues,
    /// Every alarm and dashboard, and the environment's mute rules: the
    /// tags `obsctl import --names` reads (alarms and dashboards outside
    /// the prefix).
    AnyAlarmTags,
    /// Every dashboard of the account (`obsctl import --names` reads
    /// dashboards outside the prefix).
    AllDashboards,
    /// Every topic of the account and region (`obsctl import --names`
    /// reads topics outside the prefix).
    AllTopics,
}

/// One action obsctl may call: when, on what, and where AWS documents it.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    /// The IAM action, `service:Name`.
    pub action: &'static str,
    /// Plan (read) or apply only (write).
    pub purpose: Purpose,
    /// Its resource.
    pub scope: Scope,
    /// The Service Authorization Reference page with its row.
    pub source: &'static str,
    /// Why it is needed when it is not called itself (a permission AWS
    /// requires for another call), else empty.
    pub implied_by: &'static str,
    /// Also needed for the apply lock, on its log group, whatever the kinds
    /// (`plan` reads it; `apply` takes it).
    pub lock: bool,
}

impl Permission {
    /// The kinds whose reading or writing calls it (each kind lists its
    /// actions in `kinds::<kind>`'s `IAM_ACTIONS`).
    pub fn kinds(&self) -> Vec<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.iam_actions().contains(&self.action))
            .collect()
    }
}

const fn p(
    action: &'static str,
    purpose: Purpose,
    scope: Scope,
    source: &'static str,
) -> Permission {
    Permission {
        action,
        purpose,
        scope,
        source,
        implied_by: "",
        lock: false,
    }
}

/// A permission the apply lock needs (see [`Permission::lock`]).
const fn lock(action: &'static str, purpose: Purpose, scope: Scope) -> Permission {
    Permission {
        lock: true,
        ..p(action, purpose, scope, LOGS)
    }
}

/// Every permission obsctl can need. `sts:GetCallerIdentity` is absent: AWS
/// requires no permission for it (it works even when explicitly denied).
pub const PERMISSIONS: &[Permission] = &[
    // Reads (plan).
    p(
        "cloudwatch:DescribeAlarms",
        Purpose::Plan,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:ListTagsForResource",
        Purpose::Plan,
        Scope::AlarmsAndDashboards,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:ListDashboards",
        Purpose::Plan,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:GetDashboard",
        Purpose::Plan,
        Scope::Dashboards,
        CLOUDWATCH,
    ),
    p("logs:DescribeLogGroups", Purpose::Plan, Scope::Any, LOGS),
    p(
        "logs:DescribeMetricFilters",
        Purpose::Plan,
        Scope::AllLogGroups,
        LOGS,
    ),
    p(
        "logs:DescribeQueryDefinitions",
        Purpose::Plan,
        Scope::Any,
        LOGS,
    ),
    lock("logs:DescribeLogStreams", Purpose::Plan, Scope::Lock),
    lock("logs:GetLogEvents", Purpose::Plan, Scope::Lock),
    p("sns:ListTopics", Purpose::Plan, Scope::Any, SNS),
    p("sns:GetTopicAttributes", Purpose::Plan, Scope::Topics, SNS),
    p("sns:ListTagsForResource", Purpose::Plan, Scope::Topics, SNS),
    p(
        "sns:ListSubscriptionsByTopic",
        Purpose::Plan,
        Scope::Topics,
        SNS,
    ),
    p(
        "sns:GetSubscriptionAttributes",
        Purpose::Plan,
        Scope::Any,
        SNS,
    ),
    p("tag:GetResources", Purpose::Plan, Scope::Any, TAGGING),
    p(
        "cloudwatch:ListAlarmMuteRules",
        Purpose::Plan,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:GetAlarmMuteRule",
        Purpose::Plan,
        Scope::MuteRules,
        CLOUDWATCH,
    ),
    // Reads of data (verify). ListMetrics and GetMetricData have no
    // resource-level permissions; DescribeAlarmHistory "scoped to *" is
    // what returns composite alarms (its API reference), the backtest's.
    p(
        "cloudwatch:ListMetrics",
        Purpose::Verify,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:GetMetricData",
        Purpose::Verify,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:DescribeAlarmHistory",
        Purpose::Verify,
        Scope::Any,
        CLOUDWATCH,
    ),
    p(
        "logs:FilterLogEvents",
        Purpose::Verify,
        Scope::LogGroups,
        LOGS,
    ),
    // `verify --queries`: saved queries run on their log groups; the
    // results and the stop name a query id, not a resource.
    p("logs:StartQuery", Purpose::Verify, Scope::LogGroups, LOGS),
    p("logs:GetQueryResults", Purpose::Verify, Scope::Any, LOGS),
    p("logs:StopQuery", Purpose::Verify, Scope::Any, LOGS),
    // Writes (apply).
    p(
        "cloudwatch:PutMetricAlarm",
        Purpose::Apply,
        Scope::Alarms,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:PutCompositeAlarm",
        Purpose::Apply,
        Scope::Alarms,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:PutLogAlarm",
        Purpose::Apply,
        Scope::Alarms,
        CLOUDWATCH,
    ),
    Permission {
        implied_by: "PutLogAlarm, which passes the scheduled-query role (its API reference, \"Permissions\": the role in ScheduledQueryRoleARN)",
        ..p("iam:PassRole", Purpose::Apply, Scope::LogAlarmRoles, IAM)
    },
    p(
        "cloudwatch:DeleteAlarms",
        Purpose::Apply,
        Scope::Alarms,
        CLOUDWATCH,
    ),
    Permission {
        implied_by: "PutMetricAlarm, PutCompositeAlarm and PutDashboard with Tags (their API references: \"you must have the cloudwatch:TagResource permission\")",
        ..p(
            "cloudwatch:TagResource",
            Purpose::Apply,
            Scope::AlarmsAndDashboards,
            CLOUDWATCH,
        )
    },
    p(
        "cloudwatch:UntagResource",
        Purpose::Apply,
        Scope::AlarmsAndDashboards,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:PutDashboard",
        Purpose::Apply,
        Scope::Dashboards,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:DeleteDashboards",
        Purpose::Apply,
        Scope::Dashboards,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:PutAlarmMuteRule",
        Purpose::Apply,
        Scope::MuteRulesAndAlarms,
        CLOUDWATCH,
    ),
    p(
        "cloudwatch:DeleteAlarmMuteRule",
        Purpose::Apply,
        Scope::MuteRules,
        CLOUDWATCH,
    ),
    lock("logs:CreateLogGroup", Purpose::Apply, Scope::LogGroups),
    p(
        "logs:PutRetentionPolicy",
        Purpose::Apply,
        Scope::LogGroups,
        LOGS,
    ),
    Permission {
        implied_by: "CreateLogGroup with tags (its API reference: logs:TagResource or logs:TagLogGroup)",
        ..lock("logs:TagResource", Purpose::Apply, Scope::LogGroups)
    },
    p(
        "logs:PutMetricFilter",
        Purpose::Apply,
        Scope::LogGroups,
        LOGS,
    ),
    p(
        "logs:DeleteMetricFilter",
        Purpose::Apply,
        Scope::LogGroups,
        LOGS,
    ),
    p("logs:PutQueryDefinition", Purpose::Apply, Scope::Any, LOGS),
    p(
        "logs:DeleteQueryDefinition",
        Purpose::Apply,
        Scope::Any,
        LOGS,
    ),
    lock("logs:CreateLogStream", Purpose::Apply, Scope::Lock),
    lock("logs:PutLogEvents", Purpose::Apply, Scope::Lock),
    lock("logs:DeleteLogStream", Purpose::Apply, Scope::Lock),
    Permission {
        implied_by: "CreateTopic with Tags (its API reference: \"you must have the sns:CreateTopic and sns:TagResource permissions\")",
        ..p("sns:TagResource", Purpose::Apply, Scope::Topics, SNS)
    },
    p("sns:CreateTopic", Purpose::Apply, Scope::Topics, SNS),
    p("sns:SetTopicAttributes", Purpose::Apply, Scope::Topics, SNS),
    p("sns:DeleteTopic", Purpose::Apply, Scope::Topics, SNS),
    p("sns:UntagResource", Purpose::Apply, Scope::Topics, SNS),
    p("sns:Subscribe", Purpose::Apply, Scope::Topics, SNS),
    p(
        "sns:SetSubscriptionAttributes",
        Purpose::Apply,
        Scope::Any,
        SNS,
    ),
    p("sns:Unsubscribe", Purpose::Apply, Scope::Any, SNS),
    // The drill (`verify --drill`): alarm states set on the environment's
    // alarms; temporary queues, created tagged (CreateQueue with tags also
    // needs sqs:TagQueue: CreateQueue API reference), read, deleted.
    p(
        "cloudwatch:SetAlarmState",
        Purpose::Drill,
        Scope::Alarms,
        CLOUDWATCH,
    ),
    p("sqs:CreateQueue", Purpose::Drill, Scope::DrillQueues, SQS),
    Permission {
        implied_by: "sqs:CreateQueue with tags",
        ..p("sqs:TagQueue", Purpose::Drill, Scope::DrillQueues, SQS)
    },
    p(
        "sqs:GetQueueAttributes",
        Purpose::Drill,
        Scope::DrillQueues,
        SQS,
    ),
    p("sqs:ListQueues", Purpose::Drill, Scope::Any, SQS),
    p("sqs:ListQueueTags", Purpose::Drill, Scope::DrillQueues, SQS),
    p(
        "sqs:ReceiveMessage",
        Purpose::Drill,
        Scope::DrillQueues,
        SQS,
    ),
    p("sqs:DeleteMessage", Purpose::Drill, Scope::DrillQueues, SQS),
    p("sqs:DeleteQueue", Purpose::Drill, Scope::DrillQueues, SQS),
];

/// The permission row of `api`, if it needs one.
pub fn permission_of(api: Api) -> Option<&'static Permission> {
    let action = api.action();
    PERMISSIONS.iter().find(|p| p.action == action)
}

/// The rows a `purpose` of `kinds` needs for `desired` (log-group writes
/// only where the catalogue creates log groups), and the apply lock's.
pub fn rows(desired: &DesiredState, purpose: Purpose, kinds: &BTreeSet<Kind>) -> Vec<Permission> {
    if purpose == Purpose::PlanBacktest {
        let mut out = rows(desired, Purpose::Plan, kinds);
        out.extend(
            PERMISSIONS
                .iter()
                .filter(|p| p.action == "cloudwatch:GetMetricData")
                .copied(),
        );
        return out;
    }
    if purpose == Purpose::Import {
        // Plan's reads without the apply lock's; the tags of any alarm; a
        // few events of any log group.
        let mut out: Vec<Permission> = rows(desired, Purpose::Plan, kinds)
            .into_iter()
            .filter(|p| !p.lock)
            .map(|p| {
                if p.action == "cloudwatch:ListTagsForResource" {
                    Permission {
                        scope: Scope::AnyAlarmTags,
                        ..p
                    }
                } else if p.scope == Scope::Topics {
                    Permission {
                        scope: Scope::AllTopics,
                        ..p
                    }
                } else if p.scope == Scope::Dashboards {
                    Permission {
                        scope: Scope::AllDashboards,
                        ..p
                    }
                } else {
                    p
                }
            })
            .collect();
        out.extend(
            PERMISSIONS
                .iter()
                .filter(|p| matches!(p.action, "logs:DescribeLogStreams" | "logs:GetLogEvents"))
                .map(|p| Permission {
                    scope: Scope::AllLogGroups,
                    lock: false,
                    ..*p
                }),
        );
        return out;
    }
    if purpose == Purpose::Drill {
        return PERMISSIONS
            .iter()
            .filter(|p| for_verify(p) || for_drill(p))
            .copied()
            .collect();
    }
    if purpose == Purpose::Verify {
        // Verify reads the compiled catalogue, not the live configuration:
        // only the data reads, and which alarms exist (the backtest's
        // history agreement).
        return PERMISSIONS
            .iter()
            .filter(|p| for_verify(p))
            .copied()
            .collect();
    }
    PERMISSIONS
        .iter()
        .filter(|p| for_kinds(desired, purpose, kinds, p) || for_lock(purpose, p))
        .copied()
        .collect()
}

/// Whether `verify` needs `p`: the data reads, and DescribeAlarms (which
/// of the catalogue's alarms exist live, for `--backtest`'s history
/// agreement).
fn for_verify(p: &Permission) -> bool {
    p.purpose == Purpose::Verify || p.action == "cloudwatch:DescribeAlarms"
}

/// Whether the drill needs `p` (besides verify's reads): its own rows, the
/// mute rules (a muted alarm is not drilled) and the topics' subscriptions.
fn for_drill(p: &Permission) -> bool {
    p.purpose == Purpose::Drill
        || matches!(
            p.action,
            "cloudwatch:ListAlarmMuteRules"
                | "cloudwatch:GetAlarmMuteRule"
                | "sns:ListSubscriptionsByTopic"
                | "sns:Subscribe"
                | "sns:Unsubscribe"
        )
}

/// Whether the kinds in scope need `p`.
fn for_kinds(
    desired: &DesiredState,
    purpose: Purpose,
    kinds: &BTreeSet<Kind>,
    p: &Permission,
) -> bool {
    (purpose == Purpose::Apply || p.purpose == Purpose::Plan)
        && p.kinds()
            .iter()
            .any(|k| kinds.contains(k) && (*k != Kind::LogGroup || creates_log_groups(desired)))
        && (p.action != "logs:PutRetentionPolicy" || sets_retention(desired))
        // Creating and updating need a resource of the kind; reads and
        // deletes do not (a kind removed from the catalogue is pruned).
        && (p.purpose == Purpose::Plan
            || p.action.contains(":Delete")
            || p.action.ends_with(":Unsubscribe")
            || p.action.ends_with("UntagResource")
            || p.kinds()
                .iter()
                .any(|k| desired.resources.keys().any(|(kind, _)| kind == k)))
}

/// Whether the apply lock needs `p` for `purpose`.
fn for_lock(purpose: Purpose, p: &Permission) -> bool {
    p.lock && (purpose == Purpose::Apply || p.purpose == Purpose::Plan)
}

/// The `Resource` patterns of one row: its scope's where the kinds need
/// it, then the lock group's where the lock does.
pub fn row_resources(
    desired: &DesiredState,
    purpose: Purpose,
    kinds: &BTreeSet<Kind>,
    row: &Permission,
) -> Vec<String> {
    let mut out = Vec::new();
    if purpose == Purpose::Import {
        // `rows` gave each row its import scope.
        return resources(desired, row.scope);
    }
    if purpose == Purpose::PlanBacktest {
        if row.action == "cloudwatch:GetMetricData" {
            return resources(desired, row.scope);
        }
        return row_resources(desired, Purpose::Plan, kinds, row);
    }
    if purpose == Purpose::Verify {
        if for_verify(row) {
            out.extend(resources(desired, row.scope));
        }
        return out;
    }
    if purpose == Purpose::Drill {
        if for_verify(row) || for_drill(row) {
            out.extend(resources(desired, row.scope));
        }
        return out;
    }
    if row.scope != Scope::Lock && for_kinds(desired, purpose, kinds, row) {
        out.extend(resources(desired, row.scope));
    }
    if for_lock(purpose, row) {
        out.extend(resources(desired, Scope::Lock));
    }
    out
}

/// Whether the catalogue creates log groups (`log_groups: create`).
fn creates_log_groups(desired: &DesiredState) -> bool {
    desired
        .resources
        .keys()
        .any(|(kind, _)| *kind == Kind::LogGroup)
}

/// Whether a log group it creates gets a retention period.
fn sets_retention(desired: &DesiredState) -> bool {
    desired.resources.values().any(
        |r| matches!(r, crate::resource::Resource::LogGroup(g) if g.retention_in_days.is_some()),
    )
}

/// The partition of a region's ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The `Resource` patterns of `scope` for `desired`'s environment.
pub fn resources(desired: &DesiredState, scope: Scope) -> Vec<String> {
    let part = partition(&desired.region);
    let region = &desired.region;
    let account = if desired.account == ACCOUNT_PLACEHOLDER || desired.account.is_empty() {
        "*"
    } else {
        desired.account.as_str()
    };
    let prefix = &desired.prefix;
    // Alarms named outside the prefix (an override's `name`) by their ARNs.
    let named: BTreeSet<&String> = desired
        .alarm_names
        .values()
        .filter(|n| !n.starts_with(prefix.as_str()))
        .collect();
    let alarms: Vec<String> = std::iter::once(format!(
        "arn:{part}:cloudwatch:{region}:{account}:alarm:{prefix}*"
    ))
    .chain(
        named
            .iter()
            .map(|n| format!("arn:{part}:cloudwatch:{region}:{account}:alarm:{n}")),
    )
    .collect();
    let dashboards = format!("arn:{part}:cloudwatch::{account}:dashboard/{prefix}*");
    // Dashboards named outside the prefix (a dashboard's `name`).
    let named_dashboards: Vec<String> = desired
        .resources
        .keys()
        .filter(|(kind, key)| {
            *kind == crate::resource::Kind::Dashboard && !key.starts_with(prefix.as_str())
        })
        .map(|(_, key)| format!("arn:{part}:cloudwatch::{account}:dashboard/{key}"))
        .collect();
    // The API reference's form (`…:alarm-mute-rule:NAME`).
    let mute_rules = format!("arn:{part}:cloudwatch:{region}:{account}:alarm-mute-rule:{prefix}*");

    let group = |name: &str| format!("arn:{part}:logs:{region}:{account}:log-group:{name}");
    match scope {
        Scope::Any => vec!["*".into()],
        Scope::Alarms => alarms,
        Scope::AlarmsAndDashboards => {
            let mut out = alarms;
            out.push(dashboards);
            out.extend(named_dashboards);
            out.push(mute_rules);
            out
        }
        Scope::MuteRules => vec![mute_rules],
        Scope::AllTopics => vec![format!("arn:{part}:sns:{region}:{account}:*")],
        Scope::AllDashboards => vec![format!("arn:{part}:cloudwatch::{account}:dashboard/*")],
        Scope::AnyAlarmTags => vec![
            format!("arn:{part}:cloudwatch:{region}:{account}:alarm:*"),
            format!("arn:{part}:cloudwatch::{account}:dashboard/*"),
            mute_rules,
        ],
        Scope::MuteRulesAndAlarms => std::iter::once(mute_rules).chain(alarms).collect(),
        Scope::Dashboards => std::iter::once(dashboards)
            .chain(named_dashboards)
            .collect(),
        Scope::Topics => std::iter::once(format!("arn:{part}:sns:{region}:{account}:{prefix}*"))
            .chain(
                desired
                    .topic_names
                    .values()
                    .filter(|n| !n.starts_with(prefix.as_str()))
                    .map(|n| format!("arn:{part}:sns:{region}:{account}:{n}")),
            )
            .collect(),
        Scope::DrillQueues => vec![format!(
            "arn:{part}:sqs:{region}:{account}:{}*",
            crate::verify::drill::QUEUE_PREFIX
        )],
        Scope::AllLogGroups => vec![group("*")],
        Scope::LogAlarmRoles => {
            let roles: BTreeSet<String> = desired
                .resources
                .values()
                .filter_map(|r| match r {
                    crate::resource::Resource::LogAlarm(a) => Some(
                        a.scheduled_query_configuration
                            .scheduled_query_role_arn
                            .replace(ACCOUNT_PLACEHOLDER, account),
                    ),
                    _ => None,
                })
                .collect();
            roles.into_iter().collect()
        }
        Scope::Lock => {
            let name = crate::lock::group_name(&desired.project);
            vec![group(&name), group(&format!("{name}:*"))]
        }
        Scope::LogGroups => match LogGroupScope::of(desired.log_group_users.keys()) {
            LogGroupScope::Prefix(common) => vec![group(&format!("{common}*"))],
            LogGroupScope::Exact(names) => names
                .iter()
                .flat_map(|n| [group(n), group(&format!("{n}:*"))])
                .collect(),
        },
    }
}

/// The policy document: one statement per resource set, actions sorted.
pub fn policy(desired: &DesiredState, purpose: Purpose, kinds: &BTreeSet<Kind>) -> Value {
    let mut by_resources: BTreeMap<Vec<String>, BTreeSet<&str>> = BTreeMap::new();
    for row in rows(desired, purpose, kinds) {
        by_resources
            .entry(row_resources(desired, purpose, kinds, &row))
            .or_default()
            .insert(row.action);
    }
    let statements: Vec<Value> = by_resources
        .into_iter()
        .enumerate()
        .map(|(i, (resources, actions))| {
            json!({
                "Sid": sid(i, &resources),
                "Effect": "Allow",
                "Action": actions.into_iter().collect::<Vec<_>>(),
                "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
            })
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// A statement id naming what it covers (IAM: alphanumeric).
fn sid(i: usize, resources: &[String]) -> String {
    let first = resources.first().map(String::as_str).unwrap_or("*");
    let what = if first == "*" {
        "NoResourceLevelPermissions"
    } else if first.contains(":alarm:") && resources.len() > 1 {
        "AlarmsAndDashboards"
    } else if first.contains(":alarm:") {
        "Alarms"
    } else if first.contains(":alarm-mute-rule:") {
        "MuteRules"
    } else if first.contains(":dashboard/") {
        "Dashboards"
    } else if first.contains(":role/") {
        "ScheduledQueryRoles"
    } else if first.contains(":log-group:/obsctl/locks/") {
        "ApplyLock"
    } else if first.contains(":sqs:") {
        "DrillQueues"
    } else if first.ends_with(":log-group:*") {
        "AllLogGroups"
    } else if first.contains(":log-group:") {
        "LogGroups"
    } else {
        "Topics"
    };
    format!("{what}{i}")
}

/// The rows as a Markdown table, each with its source.
pub fn markdown(desired: &DesiredState, purpose: Purpose, kinds: &BTreeSet<Kind>) -> String {
    let mut out = String::from("| Action | Resource | Why | Source |\n|---|---|---|---|\n");
    for row in rows(desired, purpose, kinds) {
        let why = if row.implied_by.is_empty() {
            let what = match row.purpose {
                Purpose::Plan => "read",
                Purpose::Apply => "write",
                Purpose::Verify | Purpose::PlanBacktest => "read data (verify)",
                Purpose::Drill => "drill (verify --drill)",
                Purpose::Import => "read (import)",
            };
            if row.lock && row.kinds().is_empty() {
                format!("{what} (the apply lock)")
            } else if row.lock {
                format!("{what}; also the apply lock's group")
            } else {
                what.to_string()
            }
        } else {
            format!("required by {}", row.implied_by)
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | [Service Authorization Reference]({}) |\n",
            row.action,
            row_resources(desired, purpose, kinds, &row).join("`, `"),
            why,
            row.source
        ));
    }
    out
}

/// Whether `policy`'s Allow statements allow `action` on `resource`
/// (actions compare case-insensitively, resources exactly).
pub fn allows(policy: &Value, action: &str, resource: &str) -> bool {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .any(|s| {
            list(&s["Action"])
                .iter()
                .any(|a| matches(&a.to_lowercase(), &action.to_lowercase()))
                && list(&s["Resource"]).iter().any(|r| matches(r, resource))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(matches(
            "arn:aws:sns:us-east-1:*:p-staging-*",
            "arn:aws:sns:us-east-1:1:p-staging-a"
        ));
        assert!(!matches(
            "arn:aws:sns:us-east-1:*:p-staging-*",
            "arn:aws:sns:us-east-1:1:p-prod-a"
        ));
        assert!(matches("*", "anything"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("abc", "*"));
    }

    #[test]
    fn every_api_obsctl_calls_has_a_row_except_get_caller_identity() {
        for api in Api::ALL {
            assert_eq!(
                permission_of(*api).is_some(),
                *api != Api::GetCallerIdentity,
                "{api}"
            );
        }
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
