//! Naming pattern and environments: regions, account ids, log groups, routes.

use super::*;

impl Validator<'_> {
    pub(super) fn naming(&mut self) {
        let origin = Origin {
            file: 0,
            pointer: "/naming".into(),
        };
        let pattern = &self.cat.naming;
        if !pattern.contains("{name}") {
            self.err(
                &origin,
                format!("naming pattern `{pattern}` lacks `{{name}}`"),
                format!("every resource name must carry {{name}}; e.g. `{DEFAULT_NAMING}`"),
            );
        }
        // The environment's prefix (everything up to `{env}`) is what tells
        // this catalogue's resources from other teams' and other
        // environments': a placeholder before it (`{service}-{env}-…`) would
        // make one team's names another's prefix (issue 19, finding 3).
        let placeholders: Vec<&str> = pattern
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(token, _)| token))
            .collect();
        if placeholders.get(..2) != Some(&["project", "env"][..]) {
            self.err(
                &origin,
                format!(
                    "naming pattern `{pattern}` must begin with `{{project}}` and then `{{env}}`, before any other placeholder"
                ),
                format!(
                    "obsctl owns the names under the environment's prefix (`{{project}}-{{env}}-`), so the prefix must name both; e.g. `{DEFAULT_NAMING}`"
                ),
            );
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

    pub(super) fn environments(&mut self) {
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

    pub(super) fn routes(
        &mut self,
        routes: &std::collections::BTreeMap<String, crate::catalogue::model::Route>,
        origin: &Origin,
    ) {
        for (severity, route) in routes {
            let at = origin.key(severity);
            self.severity_ref(severity, &at, true);
            for topic in route.topics() {
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
    }
}
