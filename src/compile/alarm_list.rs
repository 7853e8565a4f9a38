//! The `alarms` a dashboard template sees: the alarms in the dashboard's
//! scope, each a map of `name`, `arn`, `template`, `service` and
//! `severity`.
//!
//! Built lazily: an environment-wide dashboard of a large catalogue scopes
//! thousands of alarms, and most templates never read `alarms`. Turning the
//! whole list into template values up front made it the largest transient
//! allocation of `render` at 1000 services (about 9 MB, the peak). Here the
//! rows are shared by every dashboard of the environment and an item
//! becomes a value only when the template reads it.

use super::alarms::AlarmInfo;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One alarm as the templates see it (its ARN is derived when read).
#[derive(Debug)]
struct Row {
    name: String,
    template: String,
    service: Option<String>,
    severity: String,
}

/// Every alarm of the environment, shared by the dashboards' lists.
#[derive(Debug, Clone)]
pub(super) struct AlarmRows {
    rows: Arc<[Row]>,
    /// The ARN of an alarm is this followed by its name.
    arn_prefix: Arc<str>,
}

impl AlarmRows {
    /// The rows of `alarms`; `arn_of` gives an alarm's ARN from its name.
    pub(super) fn new(alarms: &[AlarmInfo], arn_of: impl Fn(&str) -> String) -> AlarmRows {
        let arn_prefix = arn_of("");
        debug_assert!(arn_of("x").ends_with(":alarm:x"));
        AlarmRows {
            rows: alarms
                .iter()
                .map(|a| Row {
                    name: a.name.clone(),
                    template: a.template.clone(),
                    service: a.service.clone(),
                    severity: a.severity.clone(),
                })
                .collect(),
            arn_prefix: arn_prefix.into(),
        }
    }

    /// The list of the rows at `picked` (indices into the alarms given to
    /// [`AlarmRows::new`], in order), as a template value.
    pub(super) fn list(&self, picked: Vec<u32>) -> Value {
        Value::from_object(AlarmList {
            rows: self.clone(),
            picked,
        })
    }
}

/// A dashboard's `alarms`: a sequence whose items are made when read.
#[derive(Debug)]
struct AlarmList {
    rows: AlarmRows,
    picked: Vec<u32>,
}

impl Object for AlarmList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = *self.picked.get(key.as_usize()?)?;
        let row = self.rows.rows.get(i as usize)?;
        // Keys in sorted order, as the JSON object they replace had them
        // (`tojson` writes them in this order).
        let mut map: BTreeMap<&str, Value> = BTreeMap::new();
        map.insert(
            "arn",
            Value::from(format!("{}{}", self.rows.arn_prefix, row.name)),
        );
        map.insert("name", Value::from(row.name.as_str()));
        map.insert("service", Value::from(row.service.as_deref()));
        map.insert("severity", Value::from(row.severity.as_str()));
        map.insert("template", Value::from(row.template.as_str()));
        Some(Value::from(map))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.picked.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, service: Option<&str>) -> AlarmInfo {
        AlarmInfo {
            name: name.into(),
            template: "t".into(),
            service: service.map(str::to_string),
            severity: "critical".into(),
            watches: None,
            stat_period: None,
            threshold: None,
            notifies: true,
        }
    }

    #[test]
    fn templates_read_the_list_as_they_read_the_json_it_replaces() {
        let alarms = [info("p-a-t", Some("a")), info("p-t", None)];
        let rows = AlarmRows::new(&alarms, |n| format!("arn:aws:cloudwatch:r:1:alarm:{n}"));
        let env = minijinja::Environment::new();
        let render = |src: &str, list: Value| {
            env.render_str(src, minijinja::context! { alarms => list })
                .unwrap()
        };
        let json = serde_json::json!([
            {"name": "p-t", "arn": "arn:aws:cloudwatch:r:1:alarm:p-t", "template": "t", "service": null, "severity": "critical"},
            {"name": "p-a-t", "arn": "arn:aws:cloudwatch:r:1:alarm:p-a-t", "template": "t", "service": "a", "severity": "critical"},
        ]);
        for src in [
            "{{ alarms | tojson }}",
            "{{ alarms | length }}",
            "{% for a in alarms %}{{ a.name }}={{ a.arn }}/{{ a.service }};{% endfor %}",
            "{{ alarms | map(attribute='severity') | join(',') }}",
            "{{ alarms | selectattr('service') | list | length }}",
            "{{ alarms[1].name }} {{ alarms[-1].template }}",
        ] {
            assert_eq!(
                render(src, rows.list(vec![1, 0])),
                render(src, crate::compile::to_ctx(&json)),
                "{src}"
            );
        }
        assert_eq!(render("{{ alarms | length }}", rows.list(vec![])), "0");
    }
}
