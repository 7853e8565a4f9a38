//! `obsctl import --env ENV --out DIR` where DIR already holds a catalogue:
//! the account's resources of ENV are added to it as an environment, with
//! environment-wide alarm overrides where ENV's alarms differ from what the
//! catalogue compiles (the same threshold, period, N, M or missing-data
//! treatment for every service of a template). What the environment does
//! not express stays a difference of the round trip, listed in the report:
//! the catalogue's plan for ENV would change exactly those.
//!
//! Nothing in DIR is changed unless the result validates: the work is done
//! in a copy, and only `obsctl.yaml` is written back (the new environment
//! inserted in its `environments:` block; comments and the rest of the
//! file kept).

use super::import::{ImportArgs, from_account, round_trip};
use super::stdout_error;
use crate::cli::ImportFormat;
use crate::compile::{compile_with_account, name_prefix};
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::import::RoundTrip;
use crate::resource::{Kind, Resource};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

/// What adding the environment did.
#[derive(Debug, Serialize)]
struct Added {
    env: String,
    /// Live resources read.
    live_resources: usize,
    /// Environment-wide overrides written: template → field → value.
    overrides: BTreeMap<String, BTreeMap<String, Value>>,
    /// The catalogue's plan for the environment against what was read.
    round_trip: RoundTrip,
}

/// The settings an environment may override, as catalogue fields, of a
/// compiled alarm.
fn settings(r: &Resource) -> Option<BTreeMap<&'static str, Value>> {
    let num = |v: f64| crate::resource::canonical::canonical(json!(v));
    let mut out = BTreeMap::new();
    match r {
        Resource::MetricAlarm(a) => {
            if a.threshold_metric_id.is_none()
                && let Some(t) = a.threshold
            {
                out.insert("threshold", num(t));
            }
            if let Some(p) = a.period {
                out.insert("period", json!(p));
            }
            out.insert("evaluation_periods", json!(a.evaluation_periods));
            out.insert(
                "datapoints_to_alarm",
                json!(a.datapoints_to_alarm.unwrap_or(a.evaluation_periods)),
            );
            out.insert("treat_missing_data", json!(a.treat_missing_data));
        }
        Resource::LogAlarm(a) => {
            out.insert("threshold", num(a.threshold));
            out.insert("evaluation_periods", json!(a.query_results_to_evaluate));
            out.insert("datapoints_to_alarm", json!(a.query_results_to_alarm));
            out.insert("treat_missing_data", json!(a.treat_missing_data));
        }
        Resource::CompositeAlarm(_)
        | Resource::Topic(_)
        | Resource::Subscription(_)
        | Resource::LogGroup(_)
        | Resource::MetricFilter(_)
        | Resource::Dashboard(_)
        | Resource::QueryDefinition(_)
        | Resource::AlarmMuteRule(_) => return None,
    }
    Some(out)
}

/// Environment-wide overrides: per template, the fields whose live value
/// differs from the compiled one and is the same for every alarm of the
/// template that exists live.
fn overrides(
    desired: &crate::compile::DesiredState,
    live: &BTreeMap<(Kind, String), Resource>,
) -> BTreeMap<String, BTreeMap<String, Value>> {
    // template → field → (compiled values, live values)
    type Seen = BTreeMap<String, BTreeMap<&'static str, (BTreeSet<String>, BTreeSet<String>)>>;
    let mut seen: Seen = BTreeMap::new();
    let mut values: BTreeMap<(String, &'static str), Value> = BTreeMap::new();
    for (key, r) in &desired.resources {
        let (Some(want), Some(have)) = (settings(r), live.get(key).and_then(settings)) else {
            continue;
        };
        let Some(template) = desired.attribution.get(key).map(|a| a.entry.clone()) else {
            continue;
        };
        for (field, w) in &want {
            let h = have.get(field).cloned().unwrap_or(Value::Null);
            let e = seen
                .entry(template.clone())
                .or_default()
                .entry(field)
                .or_default();
            e.0.insert(w.to_string());
            e.1.insert(h.to_string());
            values.insert((template.clone(), field), h);
        }
    }
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    // A template none of whose alarms exists in the environment is off
    // there (a service missing one is a difference, listed).
    let mut present: BTreeMap<String, bool> = BTreeMap::new();
    for (key, r) in &desired.resources {
        if settings(r).is_none() {
            continue;
        }
        if let Some(a) = desired.attribution.get(key) {
            *present.entry(a.entry.clone()).or_default() |= live.contains_key(key);
        }
    }
    for (template, any) in present {
        if !any {
            out.entry(template)
                .or_default()
                .insert("enabled".into(), json!(false));
        }
    }
    for (template, fields) in seen {
        for (field, (want, have)) in fields {
            // One live value for all, and not what the catalogue gives.
            if have.len() == 1 && want != have {
                let v = values
                    .get(&(template.clone(), field))
                    .cloned()
                    .unwrap_or(Value::Null);
                if !v.is_null() {
                    out.entry(template.clone())
                        .or_default()
                        .insert(field.to_string(), v);
                }
            }
        }
    }
    out
}

/// `obsctl.yaml`'s text with `block` (the environment's YAML, at column
/// 0, its first line `env:`) inserted at the end of the top-level
/// `environments:` mapping.
fn insert_environment(text: &str, block: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "environments:")
        .ok_or("obsctl.yaml has no block `environments:` mapping at the top level (a flow mapping `environments: {…}` cannot be extended): add the environment by hand")?;
    // The block ends at the next line at column 0 that is not a comment
    // or blank.
    let mut end = lines.len();
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        if !l.is_empty() && !l.starts_with(' ') && !l.starts_with('#') {
            end = i;
            break;
        }
    }
    // Trailing blank and comment lines stay after the insertion.
    while end > start + 1 && {
        let l = lines[end - 1].trim();
        l.is_empty() || (l.starts_with('#') && !lines[end - 1].starts_with("  "))
    } {
        end -= 1;
    }
    let mut out: Vec<String> = lines[..end].iter().map(|l| l.to_string()).collect();
    for l in block.lines() {
        out.push(if l.is_empty() {
            String::new()
        } else {
            format!("  {l}")
        });
    }
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    let mut s = out.join("\n");
    s.push('\n');
    Ok(s)
}

/// The environment's YAML block (`env:` and its settings).
fn environment_block(env: &str, spec: &Map<String, Value>) -> String {
    let doc = crate::import::emit::yaml(
        &json!({ env: Value::Object(spec.clone()) }),
        &[],
        &Default::default(),
    );
    format!(
        "# Added by `obsctl import --env {env}`: the overrides say where {env}'s alarms differ from the catalogue's.\n{doc}"
    )
}

pub(super) async fn import_environment(
    a: &ImportArgs<'_>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let (cat, _) = crate::run::load_and_compile_with(a.dir, None, false)?;
    if cat.environments.contains_key(a.env) {
        return Err(Error::Usage(format!(
            "{} already has environment `{}`: `obsctl plan --env {}` compares it with the account",
            a.dir.display(),
            a.env,
            a.env
        )));
    }
    let prefix = name_prefix(&cat.naming, &cat.project, a.env);
    if let Some(p) = a.prefix
        && p != prefix
    {
        return Err(Error::Usage(format!(
            "--prefix `{p}`: the catalogue names environment `{}`'s resources `{prefix}…` (its `naming`)",
            a.env
        )));
    }
    let kinds: BTreeSet<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| *k != Kind::LogGroup)
        .collect();
    let source = from_account(a, &prefix, &cat.project, &kinds).await?;
    let mut live = source.live;
    live.resources.retain(|(k, _), _| *k != Kind::LogGroup);
    let resources: Vec<Resource> = live.resources.values().cloned().collect();
    // The environment's own settings (region, log groups, log alarm role),
    // as a standalone import of it finds them.
    let standalone = crate::import::build(&crate::import::Input {
        project: cat.project.clone(),
        env: a.env.to_string(),
        region: source.region.clone(),
        account: source.account.clone(),
        prefix: prefix.clone(),
        resources: &resources,
        keep_emails: a.keep_emails,
        external: BTreeMap::new(),
        json_groups: source.json_groups.clone(),
    });
    let root: Value = standalone
        .files
        .get("obsctl.yaml")
        .and_then(|t| serde_saphyr::from_str(t).ok())
        .unwrap_or(Value::Null);
    let mut spec: Map<String, Value> = root["environments"][a.env]
        .as_object()
        .cloned()
        .unwrap_or_default();
    spec.insert("region".into(), json!(source.region));
    // Work in a copy; write back only what validates.
    let work = tempfile::tempdir().map_err(|e| Error::io(Path::new("(temporary directory)"), e))?;
    copy_dir(a.dir, work.path())?;
    let root_file = a.dir.join("obsctl.yaml");
    let original = std::fs::read_to_string(&root_file).map_err(|e| Error::io(&root_file, e))?;
    let write = |spec: &Map<String, Value>| -> Result<String, Error> {
        let text =
            insert_environment(&original, &environment_block(a.env, spec)).map_err(Error::Usage)?;
        let path = work.path().join("obsctl.yaml");
        std::fs::write(&path, &text).map_err(|e| Error::io(&path, e))?;
        Ok(text)
    };
    write(&spec)?;
    let (with_env, _) = crate::run::load_and_compile_with(work.path(), Some(a.env), false)?;
    let mut problems = Problems::default();
    let desired =
        compile_with_account(&with_env, Some(a.env), Some(&source.account), &mut problems)
            .pop()
            .ok_or_else(|| Error::Usage(format!("environment `{}` did not compile", a.env)))?;
    let found = overrides(&desired, &live.resources);
    if !found.is_empty() {
        let alarms: Map<String, Value> = found
            .iter()
            .map(|(t, f)| {
                (
                    t.clone(),
                    Value::Object(f.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                )
            })
            .collect();
        spec.insert("alarms".into(), Value::Object(alarms));
    }
    let text = write(&spec)?;
    let (final_cat, _) = crate::run::load_and_compile_with(work.path(), Some(a.env), true)?;
    let rt = round_trip(
        &final_cat,
        a.env,
        &source.account,
        &live,
        &kinds,
        &standalone.secrets,
    );
    std::fs::write(&root_file, text).map_err(|e| Error::io(&root_file, e))?;
    let added = Added {
        env: a.env.to_string(),
        live_resources: resources.len(),
        overrides: found,
        round_trip: rt,
    };
    match a.format {
        ImportFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&added).unwrap_or_default()
        ),
        ImportFormat::Text => text_report(out, a.dir, &added),
    }
    .map_err(stdout_error)?;
    Ok(EXIT_OK)
}

fn text_report(out: &mut dyn Write, dir: &Path, a: &Added) -> std::io::Result<()> {
    writeln!(
        out,
        "Added environment {} to {} ({} live resources read).",
        a.env,
        dir.join("obsctl.yaml").display(),
        a.live_resources
    )?;
    if a.overrides.is_empty() {
        writeln!(out, "No alarm differs environment-wide.")?;
    } else {
        writeln!(out, "Environment-wide alarm overrides:")?;
        for (t, fields) in &a.overrides {
            let f: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            writeln!(out, "  {t}: {}", f.join(", "))?;
        }
    }
    let rt = &a.round_trip;
    writeln!(
        out,
        "Round trip: {} equal, {} differ only in tags (plan --adopt adds them), {} differ otherwise.",
        rt.equal,
        rt.ownership_only,
        rt.differences.len()
    )?;
    if !rt.differences.is_empty() {
        writeln!(
            out,
            "What the catalogue does not express for {} (its plan would change these):",
            a.env
        )?;
        for d in &rt.differences {
            writeln!(out, "  {d}")?;
        }
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let target = to.join(entry.file_name());
        let path = entry.path();
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_goes_at_the_end_of_the_environments_block() {
        let text = "project: shop\nenvironments:\n  staging:\n    region: us-east-1\n\n# services next\nservices:\n  a: {}\n";
        let out = insert_environment(text, "production:\n  region: eu-west-1\n").unwrap();
        assert_eq!(
            out,
            "project: shop\nenvironments:\n  staging:\n    region: us-east-1\n  production:\n    region: eu-west-1\n\n# services next\nservices:\n  a: {}\n"
        );
        assert!(insert_environment("environments: {a: {}}\n", "b: {}\n").is_err());
        // Last section of the file.
        let out = insert_environment("environments:\n  a:\n    region: x\n", "b:\n  region: y\n")
            .unwrap();
        assert_eq!(
            out,
            "environments:\n  a:\n    region: x\n  b:\n    region: y\n"
        );
    }
}
