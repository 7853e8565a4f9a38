//! Semantic validation of a loaded catalogue: references between sections and
//! every AWS input rule that can be checked offline (see
//! `../shared/reference/aws-facts.md`). All problems are collected; each is
//! reported where its value was written. Rules that need the merged result of
//! templates and overrides (M ≤ N, period × N) are checked by the compiler.

use super::load::{Catalogue, Item, Origin, Problems};
use super::model::*;
use super::suggest::did_you_mean;
pub use crate::rules::composite::rule_refs;
use crate::rules::endpoint;
pub use crate::rules::limits::*;

/// True for an ARN of `service` in any partition (`arn:aws-cn:sqs:…`).
fn is_arn_of(text: &str, service: &str) -> bool {
    let mut parts = text.split(':');
    parts.next() == Some("arn")
        && parts.next().is_some_and(|p| p.starts_with("aws"))
        && parts.next() == Some(service)
        && parts.count() >= 3
}

/// Checks everything that can be checked before compiling.
pub fn validate(cat: &Catalogue, problems: &mut Problems) {
    let mut v = Validator { cat, problems };
    v.naming();
    v.environments();
    v.topics();
    v.severities();
    for (name, alarm) in &cat.alarms {
        v.alarm(name, alarm);
    }
    v.services();
    v.dashboards();
    v.metric_filters();
}

struct Validator<'a> {
    cat: &'a Catalogue,
    problems: &'a mut Problems,
}

impl Validator<'_> {
    fn err(
        &mut self,
        origin: &Origin,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.cat
            .problem(self.problems, origin, message, help.into());
    }

    fn err_key(
        &mut self,
        origin: &Origin,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.cat
            .problem_at_key(self.problems, origin, message, help.into());
    }

    fn naming(&mut self) {
        let origin = Origin {
            file: 0,
            pointer: "/naming".into(),
        };
        let pattern = &self.cat.naming;
        for required in ["{env}", "{name}"] {
            if !pattern.contains(required) {
                self.err(
                    &origin,
                    format!("naming pattern `{pattern}` lacks `{required}`"),
                    format!("every resource name must carry {required}; e.g. `{DEFAULT_NAMING}`"),
                );
            }
        }
        let mut rest = pattern.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let token = &rest[open..(close + 1).min(rest.len())];
            if !["{project}", "{env}", "{service}", "{name}"].contains(&token) {
                self.err(
                    &origin,
                    format!("unknown placeholder `{token}` in naming pattern"),
                    "use {project}, {env}, {service} and {name}".to_string(),
                );
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
    }

    fn environments(&mut self) {
        let broken = self
            .cat
            .broken
            .iter()
            .any(|b| b.starts_with("environments/"));
        if self.cat.environments.is_empty() && !broken {
            self.err(
                &Origin {
                    file: 0,
                    pointer: String::new(),
                },
                "no environments defined",
                "add `environments:` with at least one environment (e.g. staging)".to_string(),
            );
        }
        for env in self.cat.environments.values() {
            if env.region.is_empty() {
                self.err(
                    &env.origin.child("region"),
                    "region is empty",
                    "set e.g. `region: us-east-1`".to_string(),
                );
            }
            if let Some(account) = &env.account_id
                && (account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()))
            {
                self.err(
                    &env.origin.child("account_id"),
                    format!("account id `{account}` is not 12 digits"),
                    "quote it so YAML keeps leading zeros: account_id: \"012345678901\""
                        .to_string(),
                );
            }
            if let Some(days) = env.log_retention_days {
                let at = env.origin.child("log_retention_days");
                if !LOG_RETENTION_DAYS.contains(&days) {
                    self.err(
                        &at,
                        format!("{days} days is not a retention CloudWatch Logs offers"),
                        format!(
                            "use one of {}",
                            LOG_RETENTION_DAYS.map(|d| d.to_string()).join(", ")
                        ),
                    );
                } else if env.log_groups != LogGroupMode::Create {
                    self.err(
                        &at,
                        "log_retention_days applies only to log groups obsctl creates",
                        "add `log_groups: create`, or remove log_retention_days (obsctl never changes a log group it did not create)".to_string(),
                    );
                }
            }
            self.routes(&env.routes, &env.origin.child("routes"));
            self.overrides(&env.alarms, &env.origin.child("alarms"));
        }
    }

    fn routes(&mut self, routes: &std::collections::BTreeMap<String, String>, origin: &Origin) {
        for (severity, topic) in routes {
            let at = origin.key(severity);
            self.severity_ref(severity, &at, true);
            if !self.cat.topics.contains_key(topic) && !self.known("topics", topic) {
                let help = did_you_mean(topic, self.cat.topics.keys().map(String::as_str));
                self.err(
                    &at,
                    format!("route to undefined topic `{topic}`"),
                    help.or(Some("define it under `topics:`".into())),
                );
            }
        }
    }

    fn known(&self, section: &str, name: &str) -> bool {
        self.cat.broken.contains(&format!("{section}/{name}"))
    }

    fn severity_ref(&mut self, severity: &str, origin: &Origin, at_key: bool) {
        if self.cat.severities.contains_key(severity) || self.known("severities", severity) {
            return;
        }
        let help =
            did_you_mean(severity, self.cat.severities.keys().map(String::as_str)).or_else(|| {
                Some(format!(
                    "define it under `severities:` or use one of: {}",
                    self.cat
                        .severities
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
        let message = format!("undefined severity `{severity}`");
        if at_key {
            self.err_key(origin, message, help);
        } else {
            self.err(origin, message, help);
        }
    }

    fn topics(&mut self) {
        for (name, topic) in &self.cat.topics {
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || name.is_empty()
            {
                self.err_key(
                    &topic.origin,
                    format!("topic name `{name}` may only use A-Z a-z 0-9 - _"),
                    None,
                );
            }
            if topic.kms_key.as_deref() == Some("alias/aws/sns") {
                self.err(&topic.origin.child("kms_key"), "CloudWatch cannot publish to a topic encrypted with the AWS-managed key alias/aws/sns", "use a customer-managed KMS key whose policy allows cloudwatch.amazonaws.com".to_string());
            }
            for (attribute, value) in [
                ("policy", &topic.policy),
                ("delivery_policy", &topic.delivery_policy),
            ] {
                if value.as_ref().is_some_and(|v| !v.is_object()) {
                    self.err(
                        &topic.origin.child(attribute),
                        format!("{attribute} must be a JSON object"),
                        "write it as a YAML mapping (it is sent to SNS as JSON)".to_string(),
                    );
                }
            }
            for (i, sub) in topic.subscriptions.iter().enumerate() {
                self.subscription(&topic.origin.child(&format!("subscriptions/{i}")), sub);
            }
        }
    }

    fn subscription(&mut self, origin: &Origin, sub: &SubscriptionSpec) {
        let protocol = sub.protocol.as_str();
        if sub.raw_message_delivery && !endpoint::supports_raw_delivery(protocol) {
            self.err(
                &origin.child("raw_message_delivery"),
                format!("SNS does not deliver raw messages to {protocol} subscriptions"),
                "remove raw_message_delivery (it is for https and sqs endpoints)".to_string(),
            );
        }
        if let Some(policy) = &sub.filter_policy
            && !policy.is_object()
        {
            self.err(
                &origin.child("filter_policy"),
                "filter_policy must be a JSON object",
                "write it as a mapping, e.g. `filter_policy: { severity: [critical] }`".to_string(),
            );
        }
        if sub.filter_policy_scope.is_some() && sub.filter_policy.is_none() {
            self.err(
                &origin.child("filter_policy_scope"),
                "filter_policy_scope without filter_policy",
                "add the filter_policy it applies to, or remove it".to_string(),
            );
        }
        if let Some(dlq) = &sub.dead_letter_queue
            && !is_arn_of(dlq, "sqs")
        {
            self.err(
                &origin.child("dead_letter_queue"),
                format!("dead_letter_queue `{dlq}` is not an SQS queue ARN"),
                "use arn:aws:sqs:<region>:<account>:<queue>".to_string(),
            );
        }
        let at = origin.child("endpoint");
        if let Some(var) = sub.endpoint.strip_prefix("${env:") {
            let ok = var.strip_suffix('}').is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if !ok {
                self.err(
                    &at,
                    format!("malformed secret reference `{}`", sub.endpoint),
                    "write `${env:NAME}` with NAME made of letters, digits and _".to_string(),
                );
            }
            return;
        }
        if sub.optional {
            self.err(
                &origin.child("optional"),
                "only `${env:NAME}` endpoints can be optional",
                None,
            );
        }
        let (ok, want) = match sub.protocol {
            Protocol::Email => (sub.endpoint.contains('@'), "an email address"),
            Protocol::Https => (sub.endpoint.starts_with("https://"), "an https:// URL"),
            Protocol::Sqs => (is_arn_of(&sub.endpoint, "sqs"), "an SQS queue ARN"),
            Protocol::Lambda => (is_arn_of(&sub.endpoint, "lambda"), "a Lambda function ARN"),
        };
        if !ok {
            self.err(
                &at,
                format!("endpoint `{}` is not {want}", sub.endpoint),
                format!("use {want}, or `${{env:NAME}}` to read it at run time"),
            );
        } else if let Some(service) = endpoint::chat_webhook(&sub.endpoint) {
            self.err(
                &at,
                format!(
                    "{service} incoming webhooks never confirm an SNS subscription: no alert would arrive"
                ),
                endpoint::chat_webhook_help(service),
            );
        }
    }

    fn severities(&mut self) {
        if self.cat.severities.is_empty() {
            self.err(
                &Origin {
                    file: 0,
                    pointer: String::new(),
                },
                "no severities defined",
                "add `severities:` (critical, warning, info) with their topics".to_string(),
            );
        }
        for sev in self.cat.severities.values() {
            if !self.cat.topics.contains_key(&sev.topic) && !self.known("topics", &sev.topic) {
                let help = did_you_mean(&sev.topic, self.cat.topics.keys().map(String::as_str));
                self.err(
                    &sev.origin.child("topic"),
                    format!("undefined topic `{}`", sev.topic),
                    help.or(Some("define it under `topics:`".into())),
                );
            }
        }
    }

    fn alarm(&mut self, name: &str, alarm: &Item<AlarmSpec>) {
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
        if let Some(url) = &alarm.runbook {
            self.url(url, &o.child("runbook"));
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
        ];
        let (required, allowed): (&[&str], &[&str]) = match alarm.kind {
            AlarmKind::Metric => (&["metric", "threshold", "comparison"], &[]),
            AlarmKind::Math => (&["queries", "returns", "threshold", "comparison"], &[]),
            AlarmKind::Anomaly => (&["metric"], &["band_width", "comparison"]),
            AlarmKind::Composite => (&["rule"], &["actions_suppressor"]),
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
        if let Some(cmp) = alarm.comparison {
            match (alarm.kind, cmp.is_band()) {
                (AlarmKind::Anomaly, false) => self.err(&o.child("comparison"), format!("{} is not an anomaly-detection comparison", cmp.as_str()), "use LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold or GreaterThanUpperThreshold".to_string()),
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

    fn period(&mut self, period: u32, origin: &Origin) {
        if let Some(message) = period_problem(period) {
            self.err(
                origin,
                message,
                "use 10, 20 or 30 (high resolution) or a multiple of 60 up to 86400".to_string(),
            );
        }
    }

    fn counts(&mut self, n: Option<u32>, m: Option<u32>, o: &Origin) {
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

    fn url(&mut self, url: &str, origin: &Origin) {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            self.err(
                origin,
                format!("runbook `{url}` is not a URL"),
                "use an http(s):// link".to_string(),
            );
        }
    }

    fn service_ref(&mut self, service: &str, origin: &Origin) {
        if !self.cat.services.contains_key(service) && !self.known("services", service) {
            let help = did_you_mean(service, self.cat.services.keys().map(String::as_str));
            self.err(
                origin,
                format!("undefined service `{service}`"),
                help.or(Some("define it under `services:`".into())),
            );
        }
    }

    fn metric(&mut self, m: &MetricSpec, o: &Origin) {
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

    fn dimensions(&mut self, n: usize, o: &Origin) {
        if n > MAX_DIMENSIONS {
            self.err(
                o,
                format!("{n} dimensions; CloudWatch allows at most {MAX_DIMENSIONS}"),
                None,
            );
        }
    }

    fn unit(&mut self, unit: &str, o: &Origin) {
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

    fn math(
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

    fn rule(&mut self, rule: &str, scope: Scope, o: &Origin) {
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

    fn alarm_ref(&mut self, reference: &str, scope: Scope, o: &Origin) {
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

    fn overrides(
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
            if let Some(url) = &ov.runbook {
                self.url(url, &at.child("runbook"));
            }
            let kind = template.kind;
            if ov.threshold.is_some() && matches!(kind, AlarmKind::Anomaly | AlarmKind::Composite) {
                self.err_key(
                    &at.child("threshold"),
                    format!("`{name}` has no static threshold"),
                    None,
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

    fn services(&mut self) {
        for (name, svc) in &self.cat.services {
            let o = &svc.origin;
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                self.err_key(
                    o,
                    format!("service name `{name}` may only use A-Z a-z 0-9 - _"),
                    None,
                );
            }
            self.routes(&svc.routes, &o.child("routes"));
            self.overrides(&svc.alarms, &o.child("alarms"));
            for (env, senv) in &svc.environments {
                let at = o.child("environments").key(env);
                if !self.cat.environments.contains_key(env) && !self.known("environments", env) {
                    let help = did_you_mean(env, self.cat.environments.keys().map(String::as_str));
                    self.err_key(&at, format!("undefined environment `{env}`"), help);
                }
                self.routes(&senv.routes, &at.child("routes"));
                self.overrides(&senv.alarms, &at.child("alarms"));
            }
            if let Some(slo) = &svc.slo {
                if !(slo.availability > 0.0 && slo.availability < 100.0) {
                    self.err(
                        &o.child("slo/availability"),
                        "availability must be a percentage between 0 and 100 (exclusive)",
                        None,
                    );
                }
                if !is_extended_statistic(&slo.latency_percentile)
                    || !slo.latency_percentile.starts_with('p')
                {
                    self.err(
                        &o.child("slo/latency_percentile"),
                        format!("`{}` is not a percentile", slo.latency_percentile),
                        "use e.g. p95".to_string(),
                    );
                }
            }
        }
    }

    fn dashboards(&mut self) {
        for d in self.cat.dashboards.values() {
            if !self.cat.templates.contains_key(&d.template) {
                let help = did_you_mean(&d.template, self.cat.templates.keys().map(String::as_str));
                self.err(
                    &d.origin.child("template"),
                    format!("template `{}` not found", d.template),
                    help.or(Some("put it in templates/ next to definitions/".into())),
                );
            }
        }
    }

    fn metric_filters(&mut self) {
        for f in self.cat.metric_filters.values() {
            let o = &f.origin;
            if f.dimensions.len() > MAX_FILTER_DIMENSIONS {
                self.err(
                    &o.child("dimensions"),
                    format!(
                        "{} dimensions; a metric filter allows at most {MAX_FILTER_DIMENSIONS}",
                        f.dimensions.len()
                    ),
                    None,
                );
            }
            if f.default.is_some() && !f.dimensions.is_empty() {
                self.err(
                    &o.child("default"),
                    "a metric filter with dimensions cannot have a default value",
                    "remove `default` or the dimensions".to_string(),
                );
            }
            if f.pattern.chars().count() > MAX_FILTER_PATTERN {
                self.err(
                    &o.child("pattern"),
                    format!(
                        "pattern has {} characters; at most {MAX_FILTER_PATTERN}",
                        f.pattern.chars().count()
                    ),
                    None,
                );
            }
            if f.value.is_empty() || f.value.len() > 100 {
                self.err(
                    &o.child("value"),
                    "metric value must have 1–100 characters",
                    None,
                );
            }
            for (field, text) in [
                ("metric", &f.metric),
                (
                    "namespace",
                    f.namespace.as_ref().unwrap_or(&self.cat.namespace),
                ),
            ] {
                if text.is_empty() || text.contains([':', '*', '$']) {
                    self.err(
                        &o.child(field),
                        format!("`{text}` must be non-empty and contain no `:`, `*` or `$`"),
                        None,
                    );
                }
            }
            if let Some(unit) = &f.unit {
                self.unit(unit, &o.child("unit"));
            }
            if let Some(services) = &f.services {
                for (i, s) in services.iter().enumerate() {
                    self.service_ref(s, &o.child(&format!("services/{i}")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        for ok in [10, 20, 30, 60, 300, 3600, 86_400] {
            assert!(period_problem(ok).is_none(), "{ok}");
        }
        for bad in [0, 15, 45, 90, 61, 86_460] {
            assert!(period_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn windows() {
        assert!(window_problem(60, 1440).is_none());
        assert!(window_problem(60, 1441).is_some());
        assert!(window_problem(3600, 168).is_none());
        assert!(window_problem(3600, 169).is_some());
    }

    #[test]
    fn statistics() {
        for ok in [
            "Sum",
            "p95",
            "p99.9",
            "p0.0",
            "p100",
            "tm90",
            "IQM",
            "TM(10%:90%)",
            "PR(:300)",
            "TC(5:)",
        ] {
            assert!(valid_statistic(ok), "{ok}");
        }
        for bad in ["sum", "p", "p101", "Avg", "TM()", "TM(:)", "q95"] {
            assert!(!valid_statistic(bad), "{bad}");
        }
    }

    #[test]
    fn query_ids() {
        assert!(valid_query_id("m1"));
        assert!(valid_query_id("error_rate"));
        assert!(!valid_query_id("M1"));
        assert!(!valid_query_id("1m"));
        assert!(!valid_query_id("m-1"));
    }

    #[test]
    fn rule_references() {
        let rule = r#"ALARM(a) AND NOT OK("b c") OR AT_LEAST(2, ALARM, (x, y/z)) AND INSUFFICIENT_DATA(d)"#;
        let refs: Vec<&str> = rule_refs(rule).into_iter().map(|r| &rule[r]).collect();
        assert_eq!(refs, vec!["a", "b c", "x", "y/z", "d"]);
    }
}
