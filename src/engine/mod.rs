//! Pure engines with no AWS or catalogue types in their interfaces, so
//! they can evaluate test inputs today and live data later:
//! [`filter_pattern`] (CloudWatch Logs filter patterns) and [`alarm`]
//! (CloudWatch alarm evaluation, metric math, composite rules).

pub mod alarm;
pub mod filter_pattern;
