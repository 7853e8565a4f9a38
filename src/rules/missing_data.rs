//! Namespaces whose alarms ignore the configured missing-data treatment.
//!
//! PutMetricAlarm API reference, `TreatMissingData`, and the CloudWatch
//! User Guide page "Configuring how CloudWatch alarms treat missing data"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html>):
//! "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore
//! missing data even if you choose a different option for TreatMissingData.
//! When an AWS/DynamoDB metric has missing data, alarms that evaluate that
//! metric remain in their current state."
//!
//! AWS says nothing about metric math. obsctl's choice, the literal reading:
//! a math alarm that reads at least one AWS/DynamoDB metric "evaluates" a
//! DynamoDB metric, so it ignores missing data too (docs/testing.md).

/// The namespace whose alarms always ignore missing data.
pub const DYNAMODB: &str = "AWS/DynamoDB";

/// The rule, as reported with equivalent mutants and warnings.
pub const DYNAMODB_RULE: &str =
    "alarms on AWS/DynamoDB metrics always ignore missing data (PutMetricAlarm TreatMissingData)";

/// True when an alarm reading metrics of these namespaces always treats
/// missing data as `ignore`, whatever its `TreatMissingData`.
pub fn always_ignores_missing_data<'a>(namespaces: impl IntoIterator<Item = &'a str>) -> bool {
    namespaces.into_iter().any(|ns| ns == DYNAMODB)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PutMetricAlarm reference: "Alarms that evaluate metrics in the
    /// AWS/DynamoDB namespace always ignore missing data"; a math alarm
    /// reading one DynamoDB metric is such an alarm (obsctl's reading).
    #[test]
    fn dynamodb_alarms_ignore_missing_data() {
        assert!(always_ignores_missing_data(["AWS/DynamoDB"]));
        assert!(always_ignores_missing_data(["AWS/Lambda", "AWS/DynamoDB"]));
        assert!(!always_ignores_missing_data(["AWS/Lambda"]));
        assert!(!always_ignores_missing_data(["aws/dynamodb"]));
        assert!(!always_ignores_missing_data([]));
    }
}
