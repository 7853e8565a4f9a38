//! Estimated monthly cost of the desired state, with its basis (us-east-1
//! list prices from `../shared/reference/aws-facts.md` §6).

use crate::compile::DesiredState;

/// Standard-resolution alarm metric, per month.
pub const STANDARD_ALARM_METRIC: f64 = 0.10;
/// High-resolution alarm metric, per month.
pub const HIGH_RES_ALARM_METRIC: f64 = 0.30;
/// Composite alarm, per month.
pub const COMPOSITE_ALARM: f64 = 0.50;
/// Dashboard beyond the free ones, per month.
pub const DASHBOARD: f64 = 3.00;
/// Free dashboards per account.
pub const FREE_DASHBOARDS: usize = 3;

/// The billed quantities of one or more environments.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Standard-resolution alarm metrics.
    pub standard_metrics: u32,
    /// High-resolution alarm metrics.
    pub high_res_metrics: u32,
    /// Composite alarms.
    pub composites: u32,
    /// Dashboards.
    pub dashboards: usize,
    /// Log alarms: not in [`Cost::monthly`] — what one costs depends on the
    /// data each scheduled query run scans (Logs Insights is billed per GB
    /// scanned), which obsctl cannot know offline.
    pub log_alarms: u32,
}

impl Cost {
    /// Counts the billed quantities of the given states.
    pub fn of(states: &[DesiredState]) -> Cost {
        let mut c = Cost::default();
        for r in states.iter().flat_map(|s| s.resources.values()) {
            r.cost(&mut c);
        }
        c
    }

    /// Dollars per month (dashboards' free tier applied once per account).
    pub fn monthly(&self) -> f64 {
        f64::from(self.standard_metrics) * STANDARD_ALARM_METRIC
            + f64::from(self.high_res_metrics) * HIGH_RES_ALARM_METRIC
            + f64::from(self.composites) * COMPOSITE_ALARM
            + self.dashboards.saturating_sub(FREE_DASHBOARDS) as f64 * DASHBOARD
    }
}
