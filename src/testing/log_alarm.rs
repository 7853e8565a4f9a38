//! A log alarm in `obsctl test`: its scheduled query run over the test's
//! log events, then M of N over the most recent query results.
//!
//! What AWS documents ("Log alarms", CloudWatch User Guide; PutLogAlarm and
//! ScheduleConfiguration, API reference):
//!
//! - The query runs on its `rate()` schedule; a run at time T reads the
//!   events from T − StartTimeOffset to T − EndTimeOffset ("an offset of
//!   360 (6 minutes) on a query running at 12:05:00 starts the query time
//!   range at 11:59:00"). In a test the first run is one interval after
//!   `0s` (the alarm is created at the test's start), and the range is
//!   half-open, [start, end), so adjacent ranges never count an event twice.
//! - "Each scheduled query execution returns one or more aggregated values
//!   determined by the AggregationExpression, and each aggregated value is
//!   compared against the alarm Threshold"; "Log Alarms evaluate the last N
//!   query executions. The alarm transitions to ALARM when M of those N
//!   executions breach the threshold."
//!
//! What AWS leaves implicit, and obsctl decides (docs/log-alarms.md):
//!
//! - **Several values per run** (`… by ip`): one run is one of the N
//!   results, and it breaches when **any** of its values breaches. M of N
//!   counts runs, not values: three IPs over the threshold in one run are
//!   one breaching result, and one IP over it in each of M runs alarms even
//!   when a different IP breaches each time.
//! - **No matching rows**: the query returns no result, and the run is a
//!   missing datapoint, handled by TreatMissingData exactly as for metric
//!   alarms (`engine::alarm::evaluate_range`, the N most recent runs as the
//!   evaluation range). For a count of bad events `notBreaching` is right
//!   (no failed login is good news); `missing` turns a quiet log into
//!   INSUFFICIENT_DATA; `breaching` alarms on silence.

use super::case::LogBatch;
use super::simulate::Timeline;
use crate::engine::alarm::{self, Comparison, MissingData, Rule, State, Threshold};
use crate::engine::insights::{self, Event};
use crate::resource::LogAlarm;

/// The result of one run: `None` when the query returned nothing, else
/// whether any of its values breaches.
pub fn run_result(
    a: &LogAlarm,
    query: &insights::Query,
    aggregation: &insights::Aggregation,
    events: &[Event],
) -> Result<Option<bool>, String> {
    let comparison: Comparison = a
        .comparison_operator
        .parse()
        .map_err(|_| format!("unknown comparison `{}`", a.comparison_operator))?;
    let rows = insights::run(query, events)?;
    let values = insights::aggregate(aggregation, &rows);
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(values.iter().any(|(_, v)| {
        comparison.breaches(*v, a.threshold, a.threshold)
    })))
}

/// The alarm's state after each run up to `until` (seconds from the test's
/// start), over the events of `logs` written to its log groups — or, when
/// the test gives them, over its query results (`given`: one value per run,
/// `None` for no result; runs past the list return no result).
pub fn timeline(
    a: &LogAlarm,
    logs: &[LogBatch],
    given: Option<&crate::engine::alarm::Series>,
    until: i64,
) -> Result<Timeline, String> {
    let q = &a.scheduled_query_configuration;
    let query = insights::parse(&q.query_string)
        .map_err(|e| format!("query of `{}`: {}", a.alarm_name, e.message))?;
    let aggregation = insights::parse_aggregation(&q.aggregation_expression)
        .map_err(|e| format!("aggregation of `{}`: {}", a.alarm_name, e.message))?;
    let schedule = &q.schedule_configuration;
    let interval = crate::rules::log_alarm::rate_seconds(&schedule.schedule_expression)?;
    let interval = i64::try_from(interval).map_err(|_| "schedule too long".to_string())?;
    let start = i64::try_from(schedule.start_time_offset).unwrap_or(i64::MAX);
    let end = i64::try_from(schedule.end_time_offset).unwrap_or(i64::MAX);
    let treat_missing: MissingData = a
        .treat_missing_data
        .parse()
        .map_err(|_| format!("unknown missing-data treatment `{}`", a.treat_missing_data))?;
    let comparison: Comparison = a
        .comparison_operator
        .parse()
        .map_err(|_| format!("unknown comparison `{}`", a.comparison_operator))?;
    let n = a.query_results_to_evaluate.max(1) as usize;
    let rule = Rule {
        evaluation_periods: n,
        datapoints_to_alarm: a.query_results_to_alarm as usize,
        comparison,
        threshold: Threshold::Static(a.threshold),
        treat_missing,
    };
    // The events of its log groups, in time order (seconds → ms).
    let mut events: Vec<(i64, Event)> = Vec::new();
    for batch in logs
        .iter()
        .filter(|b| q.log_group_identifiers.contains(&b.group))
    {
        for &t in &batch.times {
            for line in &batch.lines {
                for _ in 0..batch.count {
                    events.push((
                        t,
                        Event {
                            timestamp_ms: t.saturating_mul(1000),
                            message: line.clone(),
                            log_group: batch.group.clone(),
                        },
                    ));
                }
            }
        }
    }
    events.sort_by_key(|(t, _)| *t);
    let mut results: Vec<Option<bool>> = Vec::new();
    let mut state = State::InsufficientData;
    let mut out = Timeline::new();
    let mut run_at = interval;
    while run_at <= until {
        let (from, to) = (run_at.saturating_sub(start), run_at.saturating_sub(end));
        let lo = events.partition_point(|(t, _)| *t < from);
        let hi = events.partition_point(|(t, _)| *t < to);
        let window: Vec<Event> = events
            .get(lo..hi.max(lo))
            .unwrap_or_default()
            .iter()
            .map(|(_, e)| e.clone())
            .collect();
        let result = match given {
            Some(values) => values
                .get(results.len())
                .copied()
                .flatten()
                .map(|v| comparison.breaches(v, a.threshold, a.threshold)),
            None => run_result(a, &query, &aggregation, &window)?,
        };
        results.push(result);
        let range = &results[results.len().saturating_sub(n)..];
        state = alarm::evaluate_range(&rule, range, state);
        out.push((run_at, state));
        run_at = run_at.saturating_add(interval);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{LogAlarmSchedule, ScheduledQuery};

    fn alarm(m: u32, n: u32, treat: &str) -> LogAlarm {
        LogAlarm {
            alarm_name: "a".into(),
            alarm_description: None,
            actions_enabled: true,
            ok_actions: vec![],
            alarm_actions: vec![],
            insufficient_data_actions: vec![],
            scheduled_query_configuration: ScheduledQuery {
                query_string: "filter event = \"fail\"".into(),
                log_group_identifiers: vec!["/g".into()],
                scheduled_query_role_arn: "r".into(),
                schedule_configuration: LogAlarmSchedule {
                    schedule_expression: "rate(5 minutes)".into(),
                    start_time_offset: 300,
                    end_time_offset: 0,
                },
                aggregation_expression: "count(*) by ip".into(),
            },
            query_results_to_evaluate: n,
            query_results_to_alarm: m,
            threshold: 2.0,
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: treat.into(),
            tags: vec![],
        }
    }

    fn fails(at: i64, ip: &str, count: usize) -> LogBatch {
        LogBatch {
            group: "/g".into(),
            times: vec![at],
            lines: vec![format!(r#"{{"event": "fail", "ip": "{ip}"}}"#)],
            count,
        }
    }

    #[test]
    fn runs_read_their_range_and_breach_on_any_group() {
        // Run at 5m reads [0, 5m): ip a 3 times (> 2) and ip b once.
        let logs = [fails(0, "a", 3), fails(60, "b", 1)];
        let tl = timeline(&alarm(1, 1, "notBreaching"), &logs, None, 900).unwrap();
        assert_eq!(
            tl,
            vec![(300, State::Alarm), (600, State::Ok), (900, State::Ok)]
        );
        // An event at exactly 5m belongs to the run at 10m.
        let tl = timeline(
            &alarm(1, 1, "notBreaching"),
            &[fails(300, "a", 3)],
            None,
            600,
        )
        .unwrap();
        assert_eq!(tl, vec![(300, State::Ok), (600, State::Alarm)]);
    }

    #[test]
    fn m_of_n_counts_runs_not_values() {
        // Two IPs over the threshold in one run: one breaching result, not
        // two, so 2 of 2 is not met by that run alone.
        let logs = [fails(0, "a", 3), fails(0, "b", 3)];
        let tl = timeline(&alarm(2, 2, "notBreaching"), &logs, None, 300).unwrap();
        assert_eq!(tl, vec![(300, State::Ok)]);
        // A different IP breaching in each of two runs: 2 of 2.
        let logs = [fails(0, "a", 3), fails(300, "b", 3)];
        let tl = timeline(&alarm(2, 2, "notBreaching"), &logs, None, 600).unwrap();
        assert_eq!(tl, vec![(300, State::Ok), (600, State::Alarm)]);
    }

    #[test]
    fn no_matching_rows_is_missing_data() {
        let quiet: [LogBatch; 0] = [];
        let state = |treat: &str| timeline(&alarm(1, 1, treat), &quiet, None, 300).unwrap()[0].1;
        assert_eq!(state("notBreaching"), State::Ok);
        assert_eq!(state("breaching"), State::Alarm);
        assert_eq!(state("missing"), State::InsufficientData);
        assert_eq!(state("ignore"), State::InsufficientData);
    }

    #[test]
    fn results_given_directly_replace_the_query() {
        // 2 of 3: runs 3, _, 3, 1 (threshold > 2); the fourth run's range
        // is _, 3, 1: one breach of the two real results.
        let given = vec![Some(3.0), None, Some(3.0), Some(1.0)];
        let tl = timeline(&alarm(2, 3, "notBreaching"), &[], Some(&given), 1200).unwrap();
        let states: Vec<State> = tl.iter().map(|(_, s)| *s).collect();
        assert_eq!(states, vec![State::Ok, State::Ok, State::Alarm, State::Ok]);
    }
}
