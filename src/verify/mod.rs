//! `obsctl verify`: the catalogue against what actually flows through the
//! account (issue 22). Read-only.
//!
//! Section 1, "Data: every metric and query is alive": [`targets`] lists,
//! from the compiled desired state, every metric an alarm or widget reads
//! and every metric filter, each with its catalogue location (pure);
//! [`check::observe`] asks AWS in the fewest calls, [`check::judge`] turns
//! the answers into findings (pure); [`queries`] runs the saved queries
//! (`--queries`, with `--max-scan`); [`report`] renders them.
//!
//! Section 2, "Backtest" (`--backtest`, and `plan --backtest`):
//! [`backtest`] replays the window's data through the engine `obsctl test`
//! uses and compares the live alarms' history; [`backtest_report`] renders
//! it.
//!
//! Section 3, the drill (`--drill`): [`drill`] finds the routes and picks
//! an alarm per route, recognises notifications and judges deliveries
//! (pure); [`drill_run`] subscribes temporary SQS queues, sets the alarms'
//! states and removes everything temporary again.
//!
//! The AWS reads themselves (GetMetricData batched within both of its
//! limits, ListMetrics, FilterLogEvents, DescribeAlarmHistory as typed
//! transitions) are in [`crate::aws::data`], for the backtest to use beside
//! this section: an alarm's metric queries are
//! [`crate::aws::data::alarm_queries`] (`Some(60)`: per minute), their
//! datapoints over a window [`crate::aws::data::metric_data`] (batched,
//! every page, oldest first, by query id), an alarm's real transitions
//! [`crate::aws::data::alarm_history`] (typed, with the evaluated
//! datapoints AWS recorded).

pub mod backtest;
pub mod backtest_report;
pub mod check;
pub mod drill;
pub mod drill_report;
pub mod drill_run;
pub mod queries;
pub mod report;
pub mod targets;
