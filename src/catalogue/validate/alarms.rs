//! Alarm templates: kinds, metrics, periods, math, composite rules, overrides.

use super::*;

impl Validator<'_> {
    pub(super) fn alarm(&mut self, name: &str, alarm: &Item<AlarmSpec>) {
        let o = &alarm.origin;
        self.severity_ref(&alarm.severity, &o.child("severity"), false);
        if let Some(p) = alarm.period {
            self.period(p, &o.child("period"));
        }
        self.counts(alarm.evaluation_periods, alarm.datapoints_to_alarm, o);
        if let Some(services) = &alarm.services {
            if alarm.scope == Scope::Environment {
                self.err(
                    &o.child("services"),
                    "`services` only applies to service-scoped alarms",
                    None,
                );
            }
            for (i, s) in services.iter().enumerate() {
                self.service_ref(s, &o.child(&format!("services/{i}")));
            }
        }
        match &alarm.runbook {
            Some(r) => self.runbook(r, &o.child("runbook")),
            None if alarm.notify && self.cat.runbooks.as_ref().is_some_and(|r| r.required) => {
                self.err(
                    o,
                    "alarm without a runbook (the catalogue requires runbooks)",
                    "add `runbook: runbooks/<name>.md` (or a link)".to_string(),
                );
            }
            None => {}
        }
        let present = |b: bool, field: &str| (b, field.to_string());
        let fields = [
            present(alarm.metric.is_some(), "metric"),
            present(alarm.queries.is_some(), "queries"),
            present(alarm.returns.is_some(), "returns"),
            present(alarm.band_width.is_some(), "band_width"),
            present(alarm.rule.is_some(), "rule"),
            present(alarm.actions_suppressor.is_some(), "actions_suppressor"),
            present(alarm.threshold.is_some(), "threshold"),
            present(alarm.comparison.is_some(), "comparison"),
            present(alarm.query.is_some(), "query"),
            present(alarm.aggregation.is_some(), "aggregation"),
            present(alarm.schedule.is_some(), "schedule"),
            present(alarm.start_offset.is_some(), "start_offset"),
            present(alarm.end_offset.is_some(), "end_offset"),
            present(alarm.log_groups.is_some(), "log_groups"),
            present(alarm.period.is_some(), "period"),
        ];
        let (required, allowed): (&[&str], &[&str]) = match alarm.kind {
            AlarmKind::Metric => (&["metric", "threshold", "comparison"], &["period"]),
            AlarmKind::Math => (
                &["queries", "returns", "threshold", "comparison"],
                &["period"],
            ),
            AlarmKind::Anomaly => (&["metric"], &["band_width", "comparison", "period"]),
            // `period` of a composite is reported below, with the counts.
            AlarmKind::Composite => (&["rule"], &["actions_suppressor", "period"]),
            AlarmKind::Log => (
                &["query", "aggregation", "threshold", "comparison"],
                &["schedule", "start_offset", "end_offset", "log_groups"],
            ),
        };
        let kind = format!("{:?}", alarm.kind).to_lowercase();
        for (is_set, field) in &fields {
            if *is_set && !required.contains(&field.as_str()) && !allowed.contains(&field.as_str())
            {
                self.err_key(
                    &o.child(field),
                    format!("`{field}` does not apply to a {kind} alarm"),
                    "remove it, or change `kind`".to_string(),
                );
            }
        }
        for field in required {
            if !fields.iter().any(|(set, f)| *set && f == field) {
                self.err_key(
                    o,
                    format!("{kind} alarm `{name}` needs `{field}`"),
                    format!("add `{field}: …`"),
                );
            }
        }
        if alarm.kind == AlarmKind::Composite {
            for f in [
                "period",
                "evaluation_periods",
                "datapoints_to_alarm",
                "treat_missing_data",
            ] {
                let set = match f {
                    "period" => alarm.period.is_some(),
                    "evaluation_periods" => alarm.evaluation_periods.is_some(),
                    "datapoints_to_alarm" => alarm.datapoints_to_alarm.is_some(),
                    _ => alarm.treat_missing_data.is_some(),
                };
                if set {
                    self.err_key(
                        &o.child(f),
                        format!("`{f}` does not apply to a composite alarm"),
                        "composite alarms take their state from the rule".to_string(),
                    );
                }
            }
        }
        if alarm.kind == AlarmKind::Log {
            self.log_alarm(alarm);
        }
        if let Some(v) = alarm.evaluate_low_sample_count_percentile
            && !percentile_alarm(alarm)
        {
            self.low_sample_needs_percentile(
                v,
                name,
                &o.child("evaluate_low_sample_count_percentile"),
            );
        }
        if let Some(cmp) = alarm.comparison {
            match (alarm.kind, cmp.is_band()) {
                (AlarmKind::Anomaly, false) => self.err(&o.child("comparison"), format!("{} is not an anomaly-detection comparison", cmp.as_str()), "use LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold or GreaterThanUpperThreshold".to_string()),
                (AlarmKind::Log, true) => self.err(&o.child("comparison"), format!("{} is only for anomaly-detection alarms", cmp.as_str()), "a log alarm takes >, >=, < or <= (PutLogAlarm's four comparisons)".to_string()),
                (AlarmKind::Metric | AlarmKind::Math, true) => self.err(&o.child("comparison"), format!("{} is only for anomaly-detection alarms", cmp.as_str()), "use >, >=, < or <=".to_string()),
                _ => {}
            }
        }
        if let Some(w) = alarm.band_width
            && (w.is_nan() || w <= 0.0)
        {
            self.err(&o.child("band_width"), "band_width must be positive", None);
        }
        if let Some(metric) = &alarm.metric {
            self.metric(metric, &o.child("metric"));
        }
        if let Some(queries) = &alarm.queries {
            self.math(queries, alarm.returns.as_deref(), o);
        }
        if let Some(rule) = &alarm.rule {
            self.rule(rule, alarm.scope, &o.child("rule"));
        }
        if let Some(s) = &alarm.actions_suppressor {
            self.alarm_ref(&s.alarm, alarm.scope, &o.child("actions_suppressor/alarm"));
        }
    }

    /// A log alarm's schedule, offsets, M of N and query (the AWS rules are
    /// in [`crate::rules::log_alarm`]; the query language's in
    /// [`crate::engine::insights`]).
    fn log_alarm(&mut self, alarm: &Item<AlarmSpec>) {
        use crate::rules::log_alarm as rules;
        let o = &alarm.origin;
        if let Some(s) = &alarm.schedule
            && let Err(e) = rules::rate_seconds(s)
        {
            self.err(&o.child("schedule"), e, None);
        }
        let mut offset = |field: &str, text: &Option<String>| -> Option<u64> {
            let text = text.as_ref()?;
            match crate::notation::duration(text) {
                Ok(s) if s >= 0 && s % 60 == 0 => u64::try_from(s).ok(),
                Ok(_) => {
                    self.err(
                        &o.child(field),
                        format!("`{text}` is not a whole number of minutes ≥ 0"),
                        "write minutes or hours: `5m`, `1h`".to_string(),
                    );
                    None
                }
                Err(e) => {
                    self.err(&o.child(field), e, None);
                    None
                }
            }
        };
        let end = offset("end_offset", &alarm.end_offset);
        let start = offset("start_offset", &alarm.start_offset);
        if let (Some(start), end) = (start, end)
            && let Some(problem) = rules::offsets_problem(start, end.unwrap_or(0))
        {
            self.err(
                &o.child("start_offset"),
                problem,
                "the start offset reaches further back than the end offset".to_string(),
            );
        }
        if let Some(n) = alarm.evaluation_periods
            && n > rules::MAX_RESULTS_TO_EVALUATE
        {
            self.err(
                &o.child("evaluation_periods"),
                format!(
                    "a log alarm evaluates at most {} query results (QueryResultsToEvaluate); got {n}",
                    rules::MAX_RESULTS_TO_EVALUATE
                ),
                None,
            );
        }
        if let Some(a) = &alarm.aggregation
            && (a.trim().is_empty() || a.chars().count() > rules::MAX_AGGREGATION)
        {
            self.err(
                &o.child("aggregation"),
                format!(
                    "the aggregation must be 1 to {} characters",
                    rules::MAX_AGGREGATION
                ),
                None,
            );
        }
        // Templated texts are checked once rendered, by the compiler.
        let templated = |t: &str| t.contains("{{") || t.contains("{%");
        if let Some(q) = &alarm.query
            && !templated(q)
            && let Err(e) = crate::engine::insights::parse(q)
        {
            let (message, help) = e.located(q);
            self.err(
                &o.child("query"),
                format!("Logs Insights query: {message}"),
                help,
            );
        }
        if let Some(a) = &alarm.aggregation
            && !templated(a)
            && let Err(e) = crate::engine::insights::parse_aggregation(a)
        {
            let (message, help) = e.located(a);
            self.err(
                &o.child("aggregation"),
                format!("aggregation: {message}"),
                help,
            );
        }
        if let Some(groups) = &alarm.log_groups
            && (groups.is_empty() || groups.len() > rules::MAX_LOG_GROUPS)
        {
            self.err(
                &o.child("log_groups"),
                format!(
                    "a log alarm queries 1 to {} log groups; got {}",
                    rules::MAX_LOG_GROUPS,
                    groups.len()
                ),
                None,
            );
        }
    }

    pub(super) fn period(&mut self, period: u32, origin: &Origin) {
        if let Some(message) = period_problem(period) {
            self.err(
                origin,
                message,
                "use 10, 20 or 30 (high resolution) or a multiple of 60 up to 86400".to_string(),
            );
        }
    }

    pub(super) fn counts(&mut self, n: Option<u32>, m: Option<u32>, o: &Origin) {
        if n == Some(0) {
            self.err(
                &o.child("evaluation_periods"),
                "evaluation_periods must be at least 1",
                None,
            );
        }
        if m == Some(0) {
            self.err(
                &o.child("datapoints_to_alarm"),
                "datapoints_to_alarm must be at least 1",
                None,
            );
        }
    }

    pub(super) fn metric(&mut self, m: &MetricSpec, o: &Origin) {
        if !valid_statistic(&m.statistic) {
            let help = did_you_mean(&m.statistic, STATISTICS);
            self.err(
                &o.child("statistic"),
                format!("`{}` is not a statistic", m.statistic),
                help.or(Some(
                    "use Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p95"
                        .into(),
                )),
            );
        }
        self.dimensions(m.dimensions.len(), &o.child("dimensions"));
        if let Some(unit) = &m.unit {
            self.unit(unit, &o.child("unit"));
        }
        if let Some(ns) = &m.namespace
            && (ns.starts_with(':') || ns.is_empty())
        {
            self.err(
                &o.child("namespace"),
                "namespace must not be empty or start with `:`",
                None,
            );
        }
    }

    pub(super) fn dimensions(&mut self, n: usize, o: &Origin) {
        if n > MAX_DIMENSIONS {
            self.err(
                o,
                format!("{n} dimensions; CloudWatch allows at most {MAX_DIMENSIONS}"),
                None,
            );
        }
    }

    pub(super) fn unit(&mut self, unit: &str, o: &Origin) {
        if !UNITS.contains(&unit) {
            let help = did_you_mean(unit, UNITS);
            self.err(
                o,
                format!("`{unit}` is not a CloudWatch unit"),
                help.or(Some(
                    "leave the unit out (AWS recommends it) or use a StandardUnit such as Count"
                        .into(),
                )),
            );
        }
    }

    pub(super) fn math(
        &mut self,
        queries: &std::collections::BTreeMap<String, MathQuery>,
        returns: Option<&str>,
        o: &Origin,
    ) {
        let qo = o.child("queries");
        let metrics = queries.values().filter(|q| q.metric.is_some()).count();
        if metrics > MAX_MATH_METRICS {
            self.err(&qo, format!("math alarm uses {metrics} metrics; CloudWatch allows at most {MAX_MATH_METRICS}"), "split it into several alarms combined by a composite alarm".to_string());
        }
        for (id, q) in queries {
            let at = qo.key(id);
            if !valid_query_id(id) {
                self.err_key(
                    &at,
                    format!("id `{id}` must match ^[a-z][A-Za-z0-9_]*$"),
                    "start with a lowercase letter; use letters, digits and _".to_string(),
                );
            }
            match (&q.metric, &q.expression) {
                (Some(metric), None) => match &q.statistic {
                    Some(stat) => self.metric(
                        &MetricSpec {
                            namespace: q.namespace.clone(),
                            metric: metric.clone(),
                            statistic: stat.clone(),
                            dimensions: q.dimensions.clone(),
                            unit: None,
                        },
                        &at,
                    ),
                    None => self.err_key(
                        &at,
                        format!("metric `{id}` needs `statistic`"),
                        "add e.g. `statistic: Sum`".to_string(),
                    ),
                },
                (None, Some(expr)) => {
                    if expr.is_empty() || expr.len() > MAX_EXPRESSION {
                        self.err(
                            &at.child("expression"),
                            format!(
                                "expression has {} characters; allowed 1–{MAX_EXPRESSION}",
                                expr.len()
                            ),
                            None,
                        );
                    }
                    if expr.contains("SEARCH(") {
                        self.err(
                            &at.child("expression"),
                            "alarms cannot use SEARCH()",
                            "list the metrics explicitly".to_string(),
                        );
                    }
                    if q.statistic.is_some() || !q.dimensions.is_empty() || q.namespace.is_some() {
                        self.err_key(&at, format!("expression `{id}` cannot also set namespace, statistic or dimensions"), None);
                    }
                }
                _ => self.err_key(
                    &at,
                    format!("`{id}` needs exactly one of `metric` or `expression`"),
                    None,
                ),
            }
        }
        if let Some(ret) = returns
            && !queries.contains_key(ret)
        {
            let ids: Vec<&str> = queries.keys().map(String::as_str).collect();
            let help = did_you_mean(ret, ids.iter().copied())
                .or_else(|| Some(format!("use one of: {}", ids.join(", "))));
            self.err(
                &o.child("returns"),
                format!("`returns: {ret}` names no query"),
                help,
            );
        }
    }

    pub(super) fn rule(&mut self, rule: &str, scope: Scope, o: &Origin) {
        let refs = rule_refs(rule);
        if refs.is_empty() {
            self.err(
                o,
                "the rule references no alarm",
                "write e.g. `ALARM(high-error-rate) AND ALARM(high-latency)`".to_string(),
            );
        }
        if refs.len() > 100 {
            self.err(
                o,
                format!(
                    "the rule has {} children; CloudWatch allows 100",
                    refs.len()
                ),
                None,
            );
        }
        let depth = rule.chars().try_fold(0i32, |d, c| {
            let d = d + i32::from(c == '(') - i32::from(c == ')');
            (d >= 0).then_some(d)
        });
        if depth != Some(0) {
            self.err(o, "unbalanced parentheses in the rule", None);
        }
        for r in refs {
            self.alarm_ref(&rule[r], scope, o);
        }
    }

    pub(super) fn alarm_ref(&mut self, reference: &str, scope: Scope, o: &Origin) {
        let (service, alarm) = match reference.split_once('/') {
            Some((s, a)) => (Some(s), a),
            None => (None, reference),
        };
        if let Some(s) = service {
            self.service_ref(s, o);
        }
        match self.cat.alarms.get(alarm) {
            None if self.known("alarms", alarm) => {}
            None => {
                let help = did_you_mean(alarm, self.cat.alarms.keys().map(String::as_str));
                self.err(
                    o,
                    format!("the rule references undefined alarm `{alarm}`"),
                    help.or(Some(
                        "reference an alarm template by name, or `service/alarm`".into(),
                    )),
                );
            }
            Some(target) => {
                if service.is_none()
                    && scope == Scope::Environment
                    && target.scope == Scope::Service
                {
                    self.err(o, format!("`{alarm}` exists once per service; an environment-scoped rule must say which"), format!("write `SERVICE/{alarm}`"));
                }
                if service.is_some() && target.scope == Scope::Environment {
                    self.err(
                        o,
                        format!("`{alarm}` is environment-scoped; reference it without a service"),
                        None,
                    );
                }
            }
        }
    }

    pub(super) fn overrides(
        &mut self,
        overrides: &std::collections::BTreeMap<String, AlarmOverride>,
        o: &Origin,
    ) {
        for (name, ov) in overrides {
            let at = o.key(name);
            let Some(template) = self.cat.alarms.get(name) else {
                if self.known("alarms", name) {
                    continue;
                }
                let help = did_you_mean(name, self.cat.alarms.keys().map(String::as_str));
                self.err_key(
                    &at,
                    format!("override of undefined alarm `{name}`"),
                    help.or(Some("override an alarm defined under `alarms:`".into())),
                );
                continue;
            };
            if let Some(sev) = &ov.severity {
                self.severity_ref(sev, &at.child("severity"), false);
            }
            if let Some(p) = ov.period {
                self.period(p, &at.child("period"));
            }
            self.counts(ov.evaluation_periods, ov.datapoints_to_alarm, &at);
            if let Some(r) = &ov.runbook {
                self.runbook(r, &at.child("runbook"));
            }
            let kind = template.kind;
            if ov.threshold.is_some() && matches!(kind, AlarmKind::Anomaly | AlarmKind::Composite) {
                self.err_key(
                    &at.child("threshold"),
                    format!("`{name}` has no static threshold"),
                    None,
                );
            }
            if let Some(v) = ov.evaluate_low_sample_count_percentile
                && !percentile_alarm(template)
            {
                self.low_sample_needs_percentile(
                    v,
                    name,
                    &at.child("evaluate_low_sample_count_percentile"),
                );
            }
            if ov.band_width.is_some() && kind != AlarmKind::Anomaly {
                self.err_key(
                    &at.child("band_width"),
                    format!("`{name}` is not an anomaly alarm"),
                    None,
                );
            }
        }
    }
}

impl Validator<'_> {
    /// PutMetricAlarm: EvaluateLowSampleCountPercentile is "used only for
    /// alarms based on percentiles" ("Percentile-based CloudWatch alarms and
    /// low data samples").
    fn low_sample_needs_percentile(
        &mut self,
        v: LowSampleCountPercentile,
        name: &str,
        at: &Origin,
    ) {
        self.err_key(
            at,
            format!(
                "evaluate_low_sample_count_percentile `{}` needs a percentile statistic (pNN): `{name}` is not a percentile alarm",
                v.as_str()
            ),
            "AWS accepts EvaluateLowSampleCountPercentile only on alarms with a percentile statistic; remove it, or use a statistic such as p99".to_string(),
        );
    }
}

/// A metric alarm whose statistic is a percentile (`p99`).
fn percentile_alarm(alarm: &AlarmSpec) -> bool {
    alarm.kind == AlarmKind::Metric
        && alarm
            .metric
            .as_ref()
            .is_some_and(|m| crate::rules::limits::is_percentile(&m.statistic))
}
