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
