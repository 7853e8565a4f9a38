//! Loading a catalogue directory: `obsctl.yaml`, the files it includes, and
//! the templates beside it. Every syntactic problem is collected, not just the
//! first: each item (a service, an alarm, …) is read on its own, and an unknown
//! key is reported and skipped so the rest of the item is still checked.
//!
//! Nothing here may panic on any input (`tests/it/fuzz.rs`): no indexing, no
//! slicing, no `unwrap` — enforced by the lints below.

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::model::*;
use super::source::{ParseFailure, SourceFile};
use crate::diagnostic::{Origin, Pos, Problems, escape};
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A catalogue item with its origin.
#[derive(Debug, Clone)]
pub struct Item<T> {
    /// The item.
    pub spec: T,
    /// Where it was written.
    pub origin: Origin,
}

impl<T> std::ops::Deref for Item<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.spec
    }
}

/// A loaded catalogue: every file merged, every item with its origin.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Directory holding `obsctl.yaml`.
    pub dir: PathBuf,
    /// Where its files may be read from.
    pub sandbox: super::sandbox::Sandbox,
    /// Catalogue name: the directory's name (used under `snapshots/`).
    pub name: String,
    /// Project name.
    pub project: String,
    /// Default namespace.
    pub namespace: String,
    /// Naming pattern.
    pub naming: String,
    /// Environments.
    pub environments: BTreeMap<String, Item<Environment>>,
    /// Topics.
    pub topics: BTreeMap<String, Item<TopicSpec>>,
    /// Severities.
    pub severities: BTreeMap<String, Item<SeveritySpec>>,
    /// Alarm templates.
    pub alarms: BTreeMap<String, Item<AlarmSpec>>,
    /// Services.
    pub services: BTreeMap<String, Item<ServiceSpec>>,
    /// Dashboards.
    pub dashboards: BTreeMap<String, Item<DashboardSpec>>,
    /// Metric filters.
    pub metric_filters: BTreeMap<String, Item<MetricFilterSpec>>,
    /// Saved queries.
    pub queries: BTreeMap<String, Item<QuerySpec>>,
    /// Metrics the applications publish.
    pub metrics: BTreeMap<String, Item<PublishedMetric>>,
    /// Tests of the monitoring.
    pub tests: BTreeMap<String, Item<TestSpec>>,
    /// Namespaces not checked, with where each was declared.
    pub external_namespaces: Vec<Item<String>>,
    /// Name patterns of resources known not to be obsctl's (`foreign:`).
    pub foreign: Vec<Item<String>>,
    /// Dashboard templates by file name, read from the catalogue's
    /// `templates` directory (relative to `obsctl.yaml`, default `templates`).
    pub templates: BTreeMap<String, String>,
    /// The directory the templates were read from.
    pub templates_path: PathBuf,
    /// The `templates` setting and where it was written.
    pub templates_dir: Option<Item<String>>,
    /// How SLOs are measured and alerted on.
    pub slo: Option<Item<SloConfig>>,
    /// Runbook files: where they are published, what they contain.
    pub runbooks: Option<Item<RunbookConfig>>,
    /// The on-call rotation and escalation.
    pub oncall: Option<Item<OncallSpec>>,
    /// Mute windows.
    pub mute: BTreeMap<String, Item<MuteSpec>>,
    /// Parsed files, for locating problems.
    pub files: Vec<SourceFile>,
    /// Items that exist but could not be read (`section/name`): references
    /// to them are not reported again as undefined.
    pub broken: std::collections::BTreeSet<String>,
    /// Files that could not be read or parsed as a mapping of sections.
    pub unreadable: Vec<PathBuf>,
}

impl Catalogue {
    /// Records a problem at the value `origin` points to.
    pub fn problem(
        &self,
        problems: &mut Problems,
        origin: &Origin,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (path, pos) = self.locate(origin, false);
        problems.push(&path, pos, message, help);
    }

    /// [`Self::problem`], unless the same problem is already recorded.
    pub fn problem_once(
        &self,
        problems: &mut Problems,
        origin: &Origin,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (path, pos) = self.locate(origin, false);
        problems.push_once(&path, pos, message, help);
    }

    /// Records a problem at the key that holds the value `origin` points to.
    pub fn problem_at_key(
        &self,
        problems: &mut Problems,
        origin: &Origin,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (path, pos) = self.locate(origin, true);
        problems.push(&path, pos, message, help);
    }

    /// The file and position `origin` points to (at its key or its value).
    /// Never fails: an origin outside the loaded files points at
    /// `obsctl.yaml`, line 1.
    pub fn locate(&self, origin: &Origin, at_key: bool) -> (PathBuf, Pos) {
        match self.files.get(origin.file) {
            Some(file) if at_key => (file.path.clone(), file.key_pos(&origin.pointer)),
            Some(file) => (file.path.clone(), file.value_pos(&origin.pointer)),
            None => (self.dir.join("obsctl.yaml"), Pos { line: 1, column: 1 }),
        }
    }

    /// True when `obsctl.yaml` itself could not be read: there is nothing to
    /// validate (no project, no environments), and semantic checks would
    /// only report consequences, so the caller stops after loading. An
    /// unreadable included file still leaves the other files to check.
    pub fn is_incomplete(&self) -> bool {
        let root = self.dir.join("obsctl.yaml");
        self.files.is_empty() || self.unreadable.contains(&root)
    }
}

const SECTIONS: &[&str] = &[
    "project",
    "namespace",
    "naming",
    "templates",
    "include",
    "environments",
    "topics",
    "severities",
    "alarms",
    "services",
    "dashboards",
    "metric_filters",
    "queries",
    "metrics",
    "external_namespaces",
    "foreign",
    "tests",
    "slo",
    "runbooks",
    "oncall",
    "mute",
];

/// Loads the catalogue in `dir`, with every problem found while reading.
/// Semantic checks are [`super::validate`]'s job; they run on what could be
/// read, so that one run reports everything. Fails only without `obsctl.yaml`.
pub fn load(dir: &Path) -> Result<(Catalogue, Problems), Error> {
    load_in(dir, None)
}

/// [`load`] with the sandbox's root given (`--root`); see
/// [`super::sandbox`].
pub fn load_in(dir: &Path, root: Option<&Path>) -> Result<(Catalogue, Problems), Error> {
    let sandbox = super::sandbox::Sandbox::new(dir, root);
    let root_path = dir.join("obsctl.yaml");
    if !root_path.is_file() {
        return Err(Error::NoCatalogue {
            dir: dir.to_path_buf(),
            found: find_catalogues(dir),
            here: dir != Path::new(".") && Path::new("obsctl.yaml").is_file(),
        });
    }
    let mut problems = Problems::default();
    let mut cat = Catalogue {
        dir: dir.to_path_buf(),
        sandbox,
        name: dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "catalogue".to_string()),
        naming: DEFAULT_NAMING.to_string(),
        ..Catalogue::default()
    };

    let Some(root) = read_file(&cat.sandbox, &root_path, &root_path, &mut problems) else {
        cat.unreadable.push(root_path);
        return Ok((cat, problems));
    };
    cat.files.push(root);
    let includes = merge_file(&mut cat, 0, true, &mut problems);
    for (pattern, origin) in includes {
        let paths = expand_include(dir, &pattern);
        if paths.is_empty() {
            // What the missing file holds is missing too: the catalogue is
            // not checked further, so this is the one problem reported.
            let existing = yaml_files_near(dir, &pattern);
            let help = super::suggest::did_you_mean(&pattern, existing.iter().map(String::as_str))
                .unwrap_or_else(|| "check the path; it is relative to obsctl.yaml".into());
            cat.problem(
                &mut problems,
                &origin,
                format!("include `{pattern}` matches no file"),
                Some(help),
            );
            cat.unreadable.push(dir.join(&pattern));
        }
        for path in paths {
            if let Err(refused) = cat.sandbox.resolve(&path) {
                let (message, help) = refused.message(&pattern, cat.sandbox.root());
                cat.problem(&mut problems, &origin, message, Some(help));
                cat.unreadable.push(path);
                continue;
            }
            let Some(file) = read_file(&cat.sandbox, &path, &path, &mut problems) else {
                cat.unreadable.push(path);
                continue;
            };
            cat.files.push(file);
            let idx = cat.files.len() - 1;
            for (_, origin) in merge_file(&mut cat, idx, false, &mut problems) {
                cat.problem_at_key(
                    &mut problems,
                    &origin,
                    "`include` is only allowed in obsctl.yaml",
                    Some("move this include to obsctl.yaml".into()),
                );
            }
        }
    }
    for (key, label) in [(&cat.project, "project"), (&cat.namespace, "namespace")] {
        if key.is_empty() && !cat.broken.contains(label) && !cat.is_incomplete() {
            problems.push(
                &root_path,
                Pos { line: 1, column: 1 },
                format!("missing required key `{label}`"),
                Some(format!("add `{label}: …` to obsctl.yaml")),
            );
        }
    }
    let mut templates_readable = true;
    let templates_dir = match &cat.templates_dir {
        Some(t) => {
            let path = dir.join(&t.spec);
            if !path.is_dir() {
                cat.problem(
                    &mut problems,
                    &t.origin,
                    format!("templates directory `{}` does not exist", path.display()),
                    Some("the path is relative to obsctl.yaml".into()),
                );
            } else if let Err(refused) = cat.sandbox.resolve(&path) {
                let (message, help) = refused.message(&t.spec, cat.sandbox.root());
                cat.problem(&mut problems, &t.origin, message, Some(help));
                templates_readable = false;
            }
            path
        }
        None => dir.join("templates"),
    };
    if templates_readable {
        cat.templates = load_templates(&cat.sandbox, &templates_dir, &mut problems);
    } else {
        cat.unreadable.push(templates_dir.clone());
    }
    cat.templates_path = templates_dir;
    super::slo::expand(&mut cat, &mut problems);
    Ok((cat, problems))
}

/// Largest catalogue file obsctl reads (a 1000-service catalogue is ~300 kB).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads and parses one catalogue file through the sandbox; a refusal is
/// reported at `at` (the file, or the include naming it).
fn read_file(
    sandbox: &super::sandbox::Sandbox,
    path: &Path,
    at: &Path,
    problems: &mut Problems,
) -> Option<SourceFile> {
    use super::sandbox::Refused;
    let at_start = Pos { line: 1, column: 1 };
    let bytes = match sandbox.read(path, MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(Refused::TooLarge(_)) => {
            problems.push(
                at,
                at_start,
                format!("file is larger than {MAX_FILE_BYTES} bytes, the limit of catalogue files"),
                Some("split it into several files listed under `include`".into()),
            );
            return None;
        }
        Err(Refused::Io(e)) => {
            problems.push(at, at_start, format!("cannot read file: {e}"), None);
            return None;
        }
        Err(refused) => {
            let (message, help) = refused.message(&path.display().to_string(), sandbox.root());
            problems.push(at, at_start, message, Some(help));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let upto = e
                .as_bytes()
                .get(..e.utf8_error().valid_up_to())
                .unwrap_or_default();
            let line = upto.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let column = upto.iter().rev().take_while(|b| **b != b'\n').count() as u64 + 1;
            problems.push(
                path,
                Pos { line, column },
                "the file is not valid UTF-8",
                Some("save it as UTF-8".into()),
            );
            return None;
        }
    };
    match SourceFile::parse(path.to_path_buf(), &text) {
        Ok(f) => Some(f),
        Err(ParseFailure { pos, message }) => {
            let (message, help) = if message.contains("Depth") {
                (
                    format!("nesting deeper than {} levels", super::source::MAX_DEPTH),
                    "flatten the structure; catalogues need far fewer levels".to_string(),
                )
            } else if message.contains("budget") || message.contains("alias") {
                (
                    format!("invalid YAML: {message}"),
                    "the file expands to too many nodes (a YAML alias bomb?); remove the nested aliases".to_string(),
                )
            } else {
                yaml_in_own_words(&message)
            };
            problems.push(path, pos, message, Some(help));
            None
        }
    }
}

/// YAML files in the directory an include pattern points into, as the
/// pattern would name them (for "did you mean").
fn yaml_files_near(dir: &Path, pattern: &str) -> Vec<String> {
    let (sub, _) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.ends_with(".yaml") || name.ends_with(".yml")).then(|| {
                if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                }
            })
        })
        .collect()
}

/// A YAML parser message in obsctl's words, with one position (the
/// problem's own): the library's suffix `at line N, column M` and its
/// advice about its own options are dropped.
fn yaml_in_own_words(message: &str) -> (String, String) {
    let mut m = message.trim().to_string();
    if let Some(i) = m.rfind(" at line ") {
        m.truncate(i);
    }
    if let Some(i) = m.find(", set DuplicateKeyPolicy") {
        m.truncate(i);
    }
    let lower = m.to_lowercase();
    if let Some(key) = lower.strip_prefix("duplicate mapping key: ") {
        return (
            format!("`{}` appears twice in the same mapping", key.trim()),
            "remove or rename one of them".to_string(),
        );
    }
    let (what, help) = if lower.contains("mapping values are not allowed") {
        (
            "a `key: value` pair where a plain value was expected",
            "check this line's indentation against the key above it, or quote a value that contains `: `",
        )
    } else if lower.contains("did not find expected key") || lower.contains("expected key") {
        (
            "a line that is not a `key: value` of the mapping it is indented under",
            "align it with the keys of its mapping (spaces, not tabs)",
        )
    } else if lower.contains("tab") || lower.contains("cannot start any token") {
        (
            "a character that cannot start a YAML value here (a tab, or an unquoted `@`, `` ` ``, `%`)",
            "indent with spaces, and quote values that start with special characters",
        )
    } else if lower.contains("did not find expected") || lower.contains("unexpected end") {
        (
            "an unclosed bracket, brace or quote",
            "close the `[`, `{` or quote this value opens",
        )
    } else {
        (
            "a YAML syntax error",
            "fix the YAML syntax at this position",
        )
    };
    (format!("invalid YAML: {what} ({m})"), help.to_string())
}

/// Merges one file's sections into the catalogue; returns its `include` entries.
fn merge_file(
    cat: &mut Catalogue,
    idx: usize,
    is_root: bool,
    problems: &mut Problems,
) -> Vec<(String, Origin)> {
    let Some((top, path)) = cat
        .files
        .get(idx)
        .map(|f| (f.value.clone(), f.path.clone()))
    else {
        return Vec::new();
    };
    let root_origin = Origin {
        file: idx,
        pointer: String::new(),
    };
    let map = match top {
        Value::Object(map) => map,
        Value::Null => return Vec::new(),
        _ => {
            cat.unreadable.push(path);
            cat.problem(
                problems,
                &root_origin,
                "a catalogue file must be a mapping of sections",
                Some(format!(
                    "use top-level keys such as {}",
                    SECTIONS.join(", ")
                )),
            );
            return Vec::new();
        }
    };
    let mut includes = Vec::new();
    for (key, value) in map {
        let origin = root_origin.key(&key);
        match key.as_str() {
            "project" | "namespace" | "naming" => {
                if !is_root {
                    cat.problem_at_key(
                        problems,
                        &origin,
                        format!("`{key}` is only allowed in obsctl.yaml"),
                        Some("move it to obsctl.yaml".into()),
                    );
                    continue;
                }
                let parsed = deserialize_item::<String>(cat, &origin, &value, problems);
                if parsed.is_none() {
                    cat.broken.insert(key.clone());
                }
                if let Some(s) = parsed {
                    match key.as_str() {
                        "project" => cat.project = s,
                        "namespace" => cat.namespace = s,
                        _ => cat.naming = s,
                    }
                }
            }
            "templates" => {
                if !is_root {
                    cat.problem_at_key(
                        problems,
                        &origin,
                        "`templates` is only allowed in obsctl.yaml",
                        Some("move it to obsctl.yaml".into()),
                    );
                    continue;
                }
                if let Some(s) = deserialize_item::<String>(cat, &origin, &value, problems) {
                    cat.templates_dir = Some(Item {
                        spec: s,
                        origin: origin.clone(),
                    });
                }
            }
            "include" => {
                if let Some(list) = deserialize_item::<Vec<String>>(cat, &origin, &value, problems)
                {
                    for (i, pattern) in list.into_iter().enumerate() {
                        includes.push((pattern, origin.child(&i.to_string())));
                    }
                }
            }
            "environments" => section(cat, &origin, &value, problems, |c| &mut c.environments),
            "topics" => section(cat, &origin, &value, problems, |c| &mut c.topics),
            "severities" => section(cat, &origin, &value, problems, |c| &mut c.severities),
            "alarms" => section(cat, &origin, &value, problems, |c| &mut c.alarms),
            "services" => section(cat, &origin, &value, problems, |c| &mut c.services),
            "dashboards" => section(cat, &origin, &value, problems, |c| &mut c.dashboards),
            "metric_filters" => section(cat, &origin, &value, problems, |c| &mut c.metric_filters),
            "queries" => section(cat, &origin, &value, problems, |c| &mut c.queries),
            "metrics" => section(cat, &origin, &value, problems, |c| &mut c.metrics),
            "tests" => section(cat, &origin, &value, problems, |c| &mut c.tests),
            "mute" => section(cat, &origin, &value, problems, |c| &mut c.mute),
            "slo" => single(cat, &origin, &value, problems, "slo", |c| &mut c.slo),
            "runbooks" => single(cat, &origin, &value, problems, "runbooks", |c| {
                &mut c.runbooks
            }),
            "oncall" => single(cat, &origin, &value, problems, "oncall", |c| &mut c.oncall),
            "external_namespaces" | "foreign" => {
                if let Some(list) = deserialize_item::<Vec<String>>(cat, &origin, &value, problems)
                {
                    let items = list.into_iter().enumerate().map(|(i, spec)| Item {
                        spec,
                        origin: origin.child(&i.to_string()),
                    });
                    if key == "foreign" {
                        cat.foreign.extend(items);
                    } else {
                        cat.external_namespaces.extend(items);
                    }
                }
            }
            other => {
                let help = super::suggest::did_you_mean(other, SECTIONS.iter().copied());
                cat.problem_at_key(
                    problems,
                    &origin,
                    format!("unknown section `{other}`"),
                    help,
                );
            }
        }
    }
    includes
}

/// Reads a section (a mapping of named items), one item at a time.
fn section<T: DeserializeOwned>(
    cat: &mut Catalogue,
    origin: &Origin,
    value: &Value,
    problems: &mut Problems,
    target: impl Fn(&mut Catalogue) -> &mut BTreeMap<String, Item<T>>,
) {
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return,
        _ => {
            cat.problem(
                problems,
                origin,
                "expected a mapping of names to definitions",
                None,
            );
            return;
        }
    };
    for (name, item) in map {
        let item_origin = origin.key(name);
        let Some(parsed) = deserialize_item::<T>(cat, &item_origin, item, problems) else {
            let section = origin.pointer.trim_start_matches('/').to_string();
            cat.broken.insert(format!("{section}/{name}"));
            continue;
        };
        if target(cat).contains_key(name) {
            let first = target(cat)[name].origin.clone();
            let (first_file, first_pos) = cat.locate(&first, true);
            let (first_file, first_line) = (first_file.display().to_string(), first_pos.line);
            cat.problem_at_key(
                problems,
                &item_origin,
                format!("`{name}` is defined twice"),
                Some(format!(
                    "it is already defined at {first_file}:{first_line}; rename or remove one"
                )),
            );
            continue;
        }
        target(cat).insert(
            name.clone(),
            Item {
                spec: parsed,
                origin: item_origin,
            },
        );
    }
}

/// Deserializes one item, reporting every unknown key and wrongly typed
/// value, each at its own position: a bad key or value is reported, removed,
/// and the item read again. Returns `None` when anything was wrong.
/// A section that holds one item (`slo`, `runbooks`, `oncall`): set once,
/// in whichever file.
fn single<T: DeserializeOwned>(
    cat: &mut Catalogue,
    origin: &Origin,
    value: &Value,
    problems: &mut Problems,
    name: &str,
    slot: impl Fn(&mut Catalogue) -> &mut Option<Item<T>>,
) {
    if slot(cat).is_some() {
        cat.problem_at_key(
            problems,
            origin,
            format!("`{name}` is set in two files"),
            Some(format!("keep one `{name}:` section")),
        );
    } else if let Some(spec) = deserialize_item::<T>(cat, origin, value, problems) {
        *slot(cat) = Some(Item {
            spec,
            origin: origin.clone(),
        });
    }
}

fn deserialize_item<T: DeserializeOwned>(
    cat: &Catalogue,
    origin: &Origin,
    value: &Value,
    problems: &mut Problems,
) -> Option<T> {
    let mut value = value.clone();
    let mut clean = true;
    let mut removed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    // Each round removes one bad key or value; bounded so a pathological file ends.
    for _ in 0..64 {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(v) => return clean.then_some(v),
            Err(err) => {
                clean = false;
                let mut rel = path_pointer(err.path());
                let message = err.inner().to_string();
                if let Some((field, expected)) = super::suggest::unknown_field(&message) {
                    // The path may or may not end with the unknown key itself.
                    if let Some(parent) = rel.strip_suffix(&format!("/{}", escape(&field))) {
                        rel = parent.to_string();
                    }
                    let at = origin.child(&rel);
                    let key_origin = at.key(&field);
                    let help =
                        super::suggest::did_you_mean(&field, expected.iter().map(String::as_str))
                            .or_else(|| {
                                (!expected.is_empty())
                                    .then(|| format!("valid keys here: {}", expected.join(", ")))
                            });
                    cat.problem_at_key(
                        problems,
                        &key_origin,
                        format!("unknown key `{field}`"),
                        help,
                    );
                    let removed = value
                        .pointer_mut(&rel)
                        .and_then(Value::as_object_mut)
                        .and_then(|m| m.remove(&field));
                    if removed.is_some() {
                        continue;
                    }
                    return None;
                }
                // A field whose own value was removed below is now "missing":
                // that is a consequence, not a new problem.
                if let Some(field) = message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                    && removed.contains(&format!("{rel}/{}", escape(field)))
                {
                    return None;
                }
                let (text, help) = misplaced_setting(&rel, &message)
                    .unwrap_or_else(|| super::suggest::explain(&message));
                cat.problem(problems, &origin.child(&rel), text, help);
                if rel.is_empty() || !removed.insert(rel.clone()) {
                    return None;
                }
                // Drop the bad value and read on, to find the item's other problems.
                let (parent, key) = rel.rsplit_once('/')?;
                match value.pointer_mut(parent) {
                    Some(Value::Object(m)) => {
                        m.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i))
                        {
                            *slot = Value::Null;
                        }
                    }
                    _ => return None,
                }
            }
        }
    }
    None
}

/// A setting written where an entry's name belongs (`alarms: { threshold:
/// 50 }` in an override, where `alarms: { <alarm>: { threshold: 50 } }` was
/// meant): the value of a map of structs is not a mapping and its key is a
/// field of that struct (per the catalogue's JSON Schema). Said as that
/// mistake, not as a type error naming the struct.
fn misplaced_setting(rel: &str, message: &str) -> Option<(String, Option<String>)> {
    let ty = message
        .split("expected struct ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let (parent, key) = rel.rsplit_once('/')?;
    let section = parent.rsplit('/').next().filter(|s| !s.is_empty())?;
    let schema = schemars::schema_for!(CatalogueFile);
    let fields = schema
        .as_value()
        .get("$defs")?
        .get(ty)?
        .get("properties")?
        .as_object()?;
    if !fields.contains_key(key) {
        return None;
    }
    let entry = section.strip_suffix('s').unwrap_or(section);
    let a = if entry.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Some((
        format!("`{key}` is {a} {entry} setting, written where {a} {entry}'s name belongs"),
        Some(format!(
            "put it under the {entry} it changes: `{section}: {{ <{entry} name>: {{ {key}: … }} }}`"
        )),
    ))
}

fn path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape(variant))),
            Segment::Unknown => {}
        }
    }
    out
}

fn expand_include(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let full = dir.join(pattern);
    let Some(file_pattern) = full.file_name().map(|f| f.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    if !file_pattern.contains('*') {
        return if full.is_file() {
            vec![full]
        } else {
            Vec::new()
        };
    }
    let parent = full.parent().map(Path::to_path_buf).unwrap_or_default();
    let (prefix, suffix) = file_pattern.split_once('*').unwrap_or((&file_pattern, ""));
    let mut found: Vec<PathBuf> = std::fs::read_dir(&parent)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.len() >= prefix.len() + suffix.len()
                        && n.starts_with(prefix)
                        && n.ends_with(suffix)
                })
        })
        .collect();
    found.sort();
    found
}

/// Every template in the catalogue's templates directory.
fn load_templates(
    sandbox: &super::sandbox::Sandbox,
    tdir: &Path,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    {
        let Ok(entries) = std::fs::read_dir(tdir) else {
            return out;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if out.contains_key(&name) {
                continue;
            }
            match sandbox.read_text(&path, MAX_FILE_BYTES) {
                Ok(text) => {
                    check_template_syntax(&path, &name, &text, problems);
                    out.insert(name, text);
                }
                Err(super::sandbox::Refused::Io(e)) => problems.push(
                    &path,
                    Pos { line: 1, column: 1 },
                    format!("cannot read template: {e}"),
                    None,
                ),
                Err(refused) => {
                    let (message, help) = refused.message(&name, sandbox.root());
                    problems.push(&path, Pos { line: 1, column: 1 }, message, Some(help));
                }
            }
        }
    }
    out
}

/// Reports a template's syntax error once, at its own file and line (an
/// unclosed `{% for %}`, `{{ x | tojson }]`, a stray `{% endif %}`), so
/// that rendering it later is not reported again as something else.
fn check_template_syntax(path: &Path, name: &str, text: &str, problems: &mut Problems) {
    let mut env = minijinja::Environment::new();
    if let Err(e) = env.add_template(name, text) {
        let detail = e
            .detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string());
        let line = e.line().unwrap_or(1).max(1) as u64;
        let help = if detail.contains("end of input") || detail.contains("unexpected end") {
            "a block is not closed: every `{% for %}` needs `{% endfor %}`, every `{% if %}` `{% endif %}`"
        } else if detail.contains("endif")
            || detail.contains("endfor")
            || detail.contains("unknown statement")
        {
            "an `{% end… %}` without its opening block, or a misspelt statement"
        } else {
            "check the `{{ … }}` and `{% … %}` delimiters on this line"
        };
        problems.push(
            path,
            Pos { line, column: 1 },
            format!("template syntax error: {detail}"),
            Some(help.to_string()),
        );
    }
}

/// Directories under `dir` (two levels deep) that hold an `obsctl.yaml`.
fn find_catalogues(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.join("obsctl.yaml").is_file() {
                    found.push(p.clone());
                }
                if depth < 2 {
                    stack.push((p, depth + 1));
                }
            }
        }
    }
    found.sort();
    found
}
