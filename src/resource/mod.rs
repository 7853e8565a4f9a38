//! Resources: the typed desired state, shaped exactly like the AWS API inputs
//! (PutMetricAlarm, PutCompositeAlarm, PutDashboard, CreateLogGroup,
//! PutMetricFilter, PutQueryDefinition, CreateTopic, Subscribe,
//! PutAlarmMuteRule). Desired state from the compiler
//! and live state read from AWS use these same types, in the same canonical
//! form (see [`canonical`]), so comparing them is plain equality.

mod body;
pub mod canonical;
pub mod dashboard_defaults;
mod types;

pub use body::Body;
pub use types::*;

pub use crate::kinds::{Kind, Resource};

/// The AWS partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for
/// `us-gov-*`, `aws-iso*` for the isolated regions, else `aws`. Derived
/// offline so `render` needs no credentials; plan and apply cross-check it
/// with STS.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// The ARN of a CloudWatch alarm.
pub fn alarm_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:cloudwatch:{region}:{account}:alarm:{name}")
}

/// The ARN of a CloudWatch dashboard (dashboards are global: no region).
pub fn dashboard_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:cloudwatch::{account}:dashboard/{name}")
}

/// The ARN of an SNS topic.
pub fn topic_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:sns:{region}:{account}:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_and_arns_follow_the_region() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("us-iso-east-1"), "aws-iso");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(
            alarm_arn("cn-northwest-1", "1", "a"),
            "arn:aws-cn:cloudwatch:cn-northwest-1:1:alarm:a"
        );
        assert_eq!(
            topic_arn("us-gov-east-1", "1", "t"),
            "arn:aws-us-gov:sns:us-gov-east-1:1:t"
        );
        assert_eq!(
            dashboard_arn("cn-north-1", "1", "d"),
            "arn:aws-cn:cloudwatch::1:dashboard/d"
        );
    }
}
