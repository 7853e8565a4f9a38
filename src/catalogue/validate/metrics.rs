//! Metrics the applications publish (`metrics:`), and external namespaces.

use super::*;

impl Validator<'_> {
    pub(super) fn published_metrics(&mut self) {
        for (name, m) in &self.cat.metrics {
            let o = &m.origin;
            if m.kind == PublishedKind::Histogram && m.via == PublishedVia::CloudwatchAgent {
                self.err(
                    &o.child("kind"),
                    format!("the CloudWatch agent does not convert Prometheus histograms: `{name}` never reaches CloudWatch"),
                    "publish one value per request instead (an EMF log line, or a metric filter on the request log: percentiles then work), or a Prometheus summary (AWS: \"Prometheus metric type conversion by the CloudWatch agent\")".to_string(),
                );
            }
            if m.dimensions.is_empty() {
                self.err(
                    &o.child("dimensions"),
                    format!("`{name}` lists no dimension sets"),
                    "list each set of dimension names it is published with, e.g. `[[service]]`; `[[]]` means without dimensions".to_string(),
                );
            }
            for (i, set) in m.dimensions.iter().enumerate() {
                if set.len() > MAX_DIMENSIONS {
                    self.err(
                        &o.child(&format!("dimensions/{i}")),
                        format!(
                            "{} dimensions; CloudWatch allows at most {MAX_DIMENSIONS}",
                            set.len()
                        ),
                        None,
                    );
                }
            }
            if let Some(unit) = &m.unit {
                self.unit(unit, &o.child("unit"));
            }
            if let Some(ns) = &m.namespace
                && ns.starts_with("AWS/")
            {
                self.err(
                    &o.child("namespace"),
                    format!("namespace `{ns}` is reserved for AWS"),
                    "publish under your own namespace (e.g. the catalogue's `namespace`)"
                        .to_string(),
                );
            }
        }
    }
}
