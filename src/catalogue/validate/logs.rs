//! Metric filters.

use super::*;

impl Validator<'_> {
    pub(super) fn metric_filters(&mut self) {
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
            self.filter_pattern(f);
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

    /// Saved queries: the services they are limited to exist and write logs.
    pub(super) fn queries(&mut self) {
        for q in self.cat.queries.values() {
            let Some(services) = &q.services else {
                continue;
            };
            for (i, s) in services.iter().enumerate() {
                let at = q.origin.child(&format!("services/{i}"));
                self.service_ref(s, &at);
                let no_logs = self.cat.services.get(s).is_some_and(|svc| {
                    svc.log_group.as_deref() == Some(crate::catalogue::model::NO_LOG_GROUP)
                });
                if no_logs {
                    self.err(
                        &at,
                        format!("service `{s}` writes no logs (`log_group: none`); a saved query cannot read it"),
                        "remove it from `services`".to_string(),
                    );
                }
            }
        }
    }

    /// Parses the pattern with the filter-pattern engine, and checks the
    /// value and dimension selectors against it: each mistake is located at
    /// its field, with the character where the parser stopped.
    fn filter_pattern(&mut self, f: &Item<MetricFilterSpec>) {
        use crate::engine::filter_pattern::{ParseError, Pattern};
        let o = &f.origin;
        // Templated patterns are checked once rendered, by the compiler.
        if f.pattern.contains("{{") || f.pattern.contains("{%") {
            return;
        }
        let show = |e: &ParseError, text: &str| {
            let before = text.get(..e.offset).unwrap_or(text).chars().count();
            let caret = format!("{text}\n{}{}", " ".repeat(before), "^".repeat(e.len.max(1)));
            let help = e
                .help
                .clone()
                .map_or(caret.clone(), |h| format!("{h}\n{caret}"));
            (format!("{} (at character {})", e.message, before + 1), help)
        };
        let pattern = match Pattern::parse(&f.pattern) {
            Ok(p) => p,
            Err(e) => {
                let (message, help) = show(&e, &f.pattern);
                self.err(
                    &o.child("pattern"),
                    format!("filter pattern: {message}"),
                    help,
                );
                return;
            }
        };
        if let Err(e) = pattern.check_selector(&f.value, true) {
            let (message, help) = show(&e, &f.value);
            self.err(&o.child("value"), format!("metric value: {message}"), help);
        }
        for (name, spec) in &f.dimensions {
            if let Err(e) = pattern.check_selector(spec, false) {
                let (message, help) = show(&e, spec);
                self.err(
                    &o.child("dimensions").key(name),
                    format!("dimension `{name}`: {message}"),
                    help,
                );
            }
        }
    }
}
