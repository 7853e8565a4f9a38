//! Pure engines with no AWS or catalogue types in their interfaces, so
//! they can evaluate test inputs today and live data later:
//! [`filter_pattern`] (CloudWatch Logs filter patterns) and [`alarm`]
//! (CloudWatch alarm evaluation, metric math, composite rules).

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "the engines match on their own token and AST enums and on serde_json::Value, whose variants are fixed"
)]

pub mod alarm;
pub mod filter_pattern;
pub mod insights;
