//! Services and dashboards.

use super::*;

impl Validator<'_> {
    pub(super) fn services(&mut self) {
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
            if svc
                .log_group
                .as_deref()
                .is_some_and(|g| g.trim().is_empty())
            {
                self.err(
                    &o.child("log_group"),
                    "empty log group name",
                    "name the service's log group, or write `log_group: none` for a service that writes no logs".to_string(),
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

    pub(super) fn dashboards(&mut self) {
        if self.cat.unreadable.contains(&self.cat.templates_path) {
            // The templates directory was refused (outside the sandbox):
            // that is the one problem, not every template it holds.
            return;
        }
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
}
