//! Compiling a validated catalogue into the desired state of one environment:
//! typed resources in canonical form, keyed by kind and name, each with the
//! catalogue origin it came from. Pure and deterministic: no clock, no
//! environment variables, no AWS.

mod alarm_list;
mod alarms;
mod check;
mod dashboards;
pub mod layout;
mod log_alarms;
mod logs;
mod mute;
mod provenance;
mod topics;
pub mod undefined;

use crate::catalogue::model::{Environment, LogGroupMode, Per, Scope, ServiceSpec};
use crate::catalogue::{Catalogue, Item};
use crate::diagnostic::{Origin, Problems};
use crate::ownership::{ENV_TAG, OWNER_TAG};
use crate::resource::{Kind, Resource};
use minijinja::value::merge_maps;
use minijinja::{Environment as Jinja, UndefinedBehavior};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// 1 / (1 − availability/100), rounded to six decimals (99.9 → 1000), so a
/// burn-rate expression multiplies by a plain number.
pub fn budget_factor(availability: f64) -> f64 {
    let budget = 100.0 - availability;
    if budget <= 0.0 {
        return 0.0;
    }
    ((100.0 / budget) * 1e6).round() / 1e6
}

/// Placeholder written where the AWS account id is not in the catalogue.
pub const ACCOUNT_PLACEHOLDER: &str = "${aws:account_id}";

/// The desired state of one environment.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    /// Catalogue name (directory).
    pub catalogue: String,
    /// Project.
    pub project: String,
    /// Environment name.
    pub env: String,
    /// AWS region.
    pub region: String,
    /// Name prefix every resource of this environment starts with.
    pub prefix: String,
    /// Prefix of saved query names (`<project>-<env>/`).
    pub query_prefix: String,
    /// Name prefixes of the catalogue's other environments that are longer
    /// than, and start with, [`Self::prefix`] (`staging-eu` for `staging`):
    /// names under them belong to those environments, not to this one.
    pub other_prefixes: Vec<String>,
    /// The same for saved-query prefixes.
    pub other_query_prefixes: Vec<String>,
    /// AWS account id (or the placeholder).
    pub account: String,
    /// Resources by kind and key.
    pub resources: BTreeMap<(Kind, String), Resource>,
    /// Where each resource came from.
    pub origins: BTreeMap<(Kind, String), Origin>,
    /// The catalogue entry (alarm template, filter, dashboard entry) and
    /// the service each alarm, metric filter and dashboard was generated
    /// from: `obsctl verify` names them beside the origin.
    pub attribution: BTreeMap<(Kind, String), Attribution>,
    /// The environment's `log_groups` setting.
    pub log_group_mode: LogGroupMode,
    /// Every log group a metric filter or saved query reads → the kinds and
    /// names of those filters and queries.
    pub log_group_users: BTreeMap<String, Vec<(Kind, String)>>,
    /// Doubtful but valid things (a percentile of a counter, a dynamic
    /// search not checked): printed, never failing.
    pub warnings: Vec<crate::diagnostic::Problem>,
    /// Name patterns of resources known not to be obsctl's (`foreign:`):
    /// left alone as notes, not conflicts.
    pub foreign: Vec<String>,
    /// Topics (by name) whose every subscription obsctl manages
    /// (`manage_all_subscriptions`).
    pub manage_all_subscriptions: BTreeSet<String>,
    /// A read for `obsctl import`, never planned: every untagged resource
    /// under the prefix is read as this environment's, metric filters in
    /// every log group, saved queries without obsctl's marker.
    pub import: bool,
    /// Alarms named by an override's `name` instead of the naming
    /// pattern: (service, template) → name.
    pub alarm_names: BTreeMap<(Option<String>, String), String>,
    /// Topics named by their `name` instead of the naming pattern:
    /// catalogue key → name.
    pub topic_names: BTreeMap<String, String>,
    /// Names of saved queries made by hand that the catalogue's replace
    /// (`replaces`): read by name, deleted by the plan.
    pub replaced_queries: BTreeSet<String>,
}

/// What generated a resource: the catalogue entry and, per service, the
/// service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// The entry's key: alarm template, metric filter or dashboard name.
    pub entry: String,
    /// The service it was generated for.
    pub service: Option<String>,
}

impl DesiredState {
    /// Whether `name` is declared under `foreign:` (known not obsctl's).
    pub fn is_foreign(&self, name: &str) -> bool {
        self.foreign
            .iter()
            .any(|f| crate::rules::wildcard::matches(f, name))
    }

    /// The name of the alarm of `template` (for `service`): its
    /// override's `name` where one is set, else the naming pattern filled.
    pub fn alarm_name(
        &self,
        naming: &str,
        project: &str,
        service: Option<&str>,
        template: &str,
    ) -> String {
        self.alarm_names
            .get(&(service.map(str::to_string), template.to_string()))
            .cloned()
            .unwrap_or_else(|| fill(naming, project, &self.env, service, template))
    }

    /// Number of resources of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.resources.keys().filter(|(k, _)| *k == kind).count()
    }
}

/// Compiles every environment (or only `only_env`). Problems from all
/// environments are collected before failing.
pub fn compile_all(
    cat: &Catalogue,
    only_env: Option<&str>,
    problems: &mut Problems,
) -> Vec<DesiredState> {
    compile_with_account(cat, only_env, None, problems)
}

/// Like [`compile_all`], with the AWS account id known (plan and apply):
/// it replaces the `${aws:account_id}` placeholder in ARNs.
pub fn compile_with_account(
    cat: &Catalogue,
    only_env: Option<&str>,
    account: Option<&str>,
    problems: &mut Problems,
) -> Vec<DesiredState> {
    let jinja = jinja(cat);
    let envs: Vec<_> = cat
        .environments
        .iter()
        .filter(|(name, _)| only_env.is_none_or(|o| o == name.as_str()))
        .collect();
    if let [(name, env)] = envs.as_slice() {
        return vec![Compiler::new(cat, &jinja, name, env, account, problems).run()];
    }
    // Environments compile independently: each on its own thread, with its
    // own problems, merged in environment order (as if compiled one after
    // another).
    let compiled: Vec<(DesiredState, Problems)> = std::thread::scope(|scope| {
        let jinja = &jinja;
        let running: Vec<_> = envs
            .iter()
            .map(|(name, env)| {
                scope.spawn(move || {
                    let mut own = Problems::default();
                    let state = Compiler::new(cat, jinja, name, env, account, &mut own).run();
                    (state, own)
                })
            })
            .collect();
        running
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    compiled
        .into_iter()
        .map(|(state, own)| {
            problems.merge(own);
            state
        })
        .collect()
}

/// Template instructions one render may run: a template's loops are
/// bounded (a dashboard of 1000 services takes well under a million).
pub const TEMPLATE_FUEL: u64 = 50_000_000;

fn jinja(cat: &Catalogue) -> Jinja<'static> {
    let mut env = Jinja::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    // No auto-escaping: templates quote values explicitly with `| tojson`.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // `tojson` of an undefined value is an error too, not `null`.
    env.add_filter("tojson", strict_tojson);
    for (name, text) in &cat.templates {
        // Syntax errors surface when the template is rendered, with its name.
        let _ = env.add_template_owned(name.clone(), text.clone());
    }
    env
}

fn strict_tojson(
    value: &minijinja::Value,
    indent: Option<minijinja::Value>,
    args: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            "undefined value passed to tojson",
        ));
    }
    minijinja::filters::tojson(value, indent, args)
}

/// The templating of a catalogue, for what is written like alarm templates
/// outside the compiler (`obsctl test` inputs): the same placeholders, the
/// same strictness.
pub struct Templates(Jinja<'static>, std::sync::Mutex<TextCache>);

/// Renders a string that may hold placeholders (as is when it holds none);
/// an error is minijinja's detail.
fn render_text(jinja: &Jinja<'static>, raw: &str, ctx: &Ctx) -> Result<String, String> {
    if !raw.contains("{{") && !raw.contains("{%") {
        return Ok(raw.to_string());
    }
    jinja.render_str(raw, ctx).map_err(|e| {
        e.detail()
            .map(str::to_string)
            .unwrap_or_else(|| e.kind().to_string())
    })
}

/// Templated strings compiled once and kept, in a copy of the catalogue's
/// environment (its templates and filters, so includes and `tojson` work
/// as in [`render_text`], which also words every error).
struct TextCache {
    jinja: Jinja<'static>,
    known: std::collections::HashSet<String>,
}

impl TextCache {
    fn new(jinja: &Jinja<'static>) -> Self {
        TextCache {
            jinja: jinja.clone(),
            known: Default::default(),
        }
    }

    /// Renders `raw` as [`render_text`] does.
    fn render(&mut self, shared: &Jinja<'static>, raw: &str, ctx: &Ctx) -> Result<String, String> {
        if !raw.contains("{{") && !raw.contains("{%") {
            return Ok(raw.to_string());
        }
        // A name no template file can have (file names hold no NUL).
        let name = format!("\0text\0{raw}");
        if !self.known.contains(&name) {
            if self
                .jinja
                .add_template_owned(name.clone(), raw.to_string())
                .is_err()
            {
                // A syntax error: worded by the one place that words them.
                return render_text(shared, raw, ctx);
            }
            self.known.insert(name.clone());
        }
        match self.jinja.get_template(&name) {
            Ok(t) => match t.render(ctx) {
                Ok(s) => Ok(s),
                // The same error, worded as `render_str` words it.
                Err(_) => render_text(shared, raw, ctx),
            },
            Err(_) => render_text(shared, raw, ctx),
        }
    }
}

/// The template contexts of one environment.
pub struct EnvContexts {
    /// Context without a service (environment-wide resources).
    pub env: Ctx,
    /// Each enabled service: name, log group, context.
    pub services: Vec<ServiceContext>,
}

/// One service's template context.
pub struct ServiceContext {
    /// Service name.
    pub name: String,
    /// Its log group in the environment (`None`: it writes no logs).
    pub log_group: Option<String>,
    /// Its context (`service`, `env`, `project`, …).
    pub ctx: Ctx,
}

impl Templates {
    /// The catalogue's templating.
    pub fn new(cat: &Catalogue) -> Self {
        let jinja = jinja(cat);
        let cache = std::sync::Mutex::new(TextCache::new(&jinja));
        Templates(jinja, cache)
    }

    /// Renders a string that may hold placeholders (each one compiled once).
    pub fn render(&self, raw: &str, ctx: &Ctx) -> Result<String, String> {
        match self.1.lock() {
            Ok(mut cache) => cache.render(&self.0, raw, ctx),
            Err(_) => render_text(&self.0, raw, ctx),
        }
    }

    /// The contexts of environment `env_name`, if the catalogue has it.
    pub fn contexts(&self, cat: &Catalogue, env_name: &str) -> Option<EnvContexts> {
        let (name, env) = cat.environments.get_key_value(env_name)?;
        let mut problems = Problems::default();
        let c = Compiler::new(cat, &self.0, name, env, None, &mut problems);
        Some(EnvContexts {
            env: c.env_ctx.clone(),
            services: c
                .services
                .iter()
                .map(|s| ServiceContext {
                    name: s.name.to_string(),
                    log_group: s.log_group.clone(),
                    ctx: s.ctx.clone(),
                })
                .collect(),
        })
    }
}

/// A service as compiled in one environment.
pub(crate) struct ServiceCtx<'a> {
    pub name: &'a str,
    pub spec: &'a Item<ServiceSpec>,
    /// `None`: the service writes no logs (`log_group: none`).
    pub log_group: Option<String>,
    pub context: Value,
    pub ctx: Ctx,
}

/// A template context (cheap to clone).
pub type Ctx = minijinja::Value;

pub(crate) struct Compiler<'a> {
    pub cat: &'a Catalogue,
    pub jinja: &'a Jinja<'static>,
    pub env_name: &'a str,
    pub env: &'a Item<Environment>,
    pub account: String,
    pub services: Vec<ServiceCtx<'a>>,
    pub env_ctx: Ctx,
    pub problems: &'a mut Problems,
    pub state: DesiredState,
    /// Templated strings compiled once each (a pattern such as
    /// `{{ service.name }}` is rendered for every service).
    texts: TextCache,
}

impl<'a> Compiler<'a> {
    fn new(
        cat: &'a Catalogue,
        jinja: &'a Jinja<'static>,
        env_name: &'a str,
        env: &'a Item<Environment>,
        account: Option<&str>,
        problems: &'a mut Problems,
    ) -> Self {
        let account = env
            .account_id
            .clone()
            .or_else(|| account.map(str::to_string))
            .unwrap_or_else(|| ACCOUNT_PLACEHOLDER.to_string());
        let env_context = json!({
            "name": env_name,
            "region": env.region,
            "account_id": account,
            "cluster": env.cluster.clone().unwrap_or_else(|| format!("{}-{}", cat.project, env_name)),
            "vars": env.vars,
        });
        let mut services = cat
            .services
            .iter()
            .filter(|(_, s)| {
                s.environments
                    .get(env_name)
                    .and_then(|e| e.enabled)
                    .unwrap_or(true)
            })
            .map(|(name, spec)| {
                let pattern = spec.log_group.as_deref().unwrap_or(&env.log_group);
                let log_group = (pattern != crate::catalogue::model::NO_LOG_GROUP)
                    .then(|| fill(pattern, &cat.project, env_name, Some(name), ""));
                // Canonical numbers: `{{ service.slo.latency_ms }}` prints 200, not 200.0.
                let context = crate::resource::canonical::canonical(json!({
                    "name": name,
                    "title": spec.title.clone().unwrap_or_else(|| name.clone()),
                    "port": spec.port,
                    "owner": spec.owner,
                    "log_group": log_group,
                    "dimensions": spec.dimensions,
                    "business_events": spec.business_events,
                    "slo": spec.slo.as_ref().map(|s| json!({
                        "availability": s.availability,
                        "latency_percentile": s.latency_percentile,
                        "latency_ms": s.latency_ms,
                        // 1 / (1 − objective): bad / total × this = burn rate.
                        "budget_factor": budget_factor(s.availability),
                        "error_budget_percent": ((100.0 - s.availability) * 1e6).round() / 1e6,
                    })),
                }));
                ServiceCtx {
                    name,
                    spec,
                    log_group,
                    context,
                    ctx: Ctx::UNDEFINED,
                }
            })
            .collect::<Vec<_>>();
        // Built once per environment; per-service contexts share `base`.
        let values: Vec<Ctx> = services
            .iter()
            .map(|s| service_value(s.name, &s.context))
            .collect();
        let base = minijinja::context! {
            project => cat.project.clone(),
            namespace => cat.namespace.clone(),
            env => to_ctx(&env_context),
            services => values.clone(),
        };
        let env_ctx = merge_maps([minijinja::context! { service => () }, base.clone()]);
        for (s, value) in services.iter_mut().zip(values) {
            s.ctx = merge_maps([minijinja::context! { service => value }, base.clone()]);
        }
        let prefix = name_prefix(&cat.naming, &cat.project, env_name);
        let own_query_prefix = query_prefix(&cat.naming, &cat.project, env_name);
        let others = |own: &str, of: &dyn Fn(&str) -> String| -> Vec<String> {
            cat.environments
                .keys()
                .filter(|e| e.as_str() != env_name)
                .map(|e| of(e))
                .filter(|p| p.len() > own.len() && p.starts_with(own))
                .collect()
        };
        let other_prefixes = others(&prefix, &|e| name_prefix(&cat.naming, &cat.project, e));
        let other_query_prefixes = others(&own_query_prefix, &|e| {
            query_prefix(&cat.naming, &cat.project, e)
        });
        let state = DesiredState {
            catalogue: cat.name.clone(),
            project: cat.project.clone(),
            env: env_name.to_string(),
            region: env.region.clone(),
            prefix,
            query_prefix: own_query_prefix,
            other_prefixes,
            other_query_prefixes,
            account: account.clone(),
            log_group_mode: env.log_groups,
            foreign: cat.foreign.iter().map(|f| f.spec.clone()).collect(),
            ..DesiredState::default()
        };
        Compiler {
            cat,
            jinja,
            env_name,
            env,
            account,
            services,
            env_ctx,
            problems,
            state,
            texts: TextCache::new(jinja),
        }
    }

    fn run(mut self) -> DesiredState {
        topics::compile(&mut self);
        logs::metric_filters(&mut self);
        let alarms = alarms::compile(&mut self);
        dashboards::compile(&mut self, &alarms);
        mute::compile(&mut self, &alarms);
        logs::queries(&mut self);
        logs::log_groups(&mut self);
        check::check(&mut self);
        provenance::check(&mut self);
        self.state
    }

    /// The template context of a service, or of the environment.
    pub fn context(&self, service: Option<usize>) -> Ctx {
        match service {
            Some(i) => self.services[i].ctx.clone(),
            None => self.env_ctx.clone(),
        }
    }

    /// Renders a string that may hold minijinja placeholders; reports failures
    /// at `origin` and returns the raw text so compiling can go on.
    pub fn text(&mut self, raw: &str, ctx: &Ctx, origin: &Origin) -> String {
        match self.texts.render(self.jinja, raw, ctx) {
            Ok(s) => s,
            Err(detail) => {
                // minijinja's strict error does not say which value is
                // undefined: name it.
                let jinja = self.jinja;
                let named = undefined::undefined_name(raw, &|name| {
                    undefined::is_undefined(name, |probe| render_text(jinja, probe, ctx))
                });
                let message = match named {
                    Some(name) => format!("template error: `{name}` is undefined"),
                    None => format!("template error: {detail}"),
                };
                self.cat.problem(self.problems, origin, message, Some("placeholders available: project, namespace, env.{name,region,account_id,cluster,vars}, service.{name,title,port,owner,log_group,dimensions,slo}, services".into()));
                raw.to_string()
            }
        }
    }

    /// The full name of a resource: the naming pattern filled in.
    pub fn name(&self, service: Option<&str>, name: &str) -> String {
        fill(
            &self.cat.naming,
            &self.cat.project,
            self.env_name,
            service,
            name,
        )
    }

    /// The topics (catalogue keys) a severity notifies for a service: the
    /// severity's, changed by the environment's route, the service's, then
    /// the service's in this environment (most specific last).
    pub fn route(&self, severity: &str, service: Option<&ServiceCtx>) -> Vec<String> {
        let mut topics: Vec<String> = self
            .cat
            .severities
            .get(severity)
            .map(|s| s.topic.names().to_vec())
            .unwrap_or_default();
        let mut routes = vec![self.env.routes.get(severity)];
        if let Some(svc) = service {
            routes.push(svc.spec.routes.get(severity));
            routes.push(
                svc.spec
                    .environments
                    .get(self.env_name)
                    .and_then(|e| e.routes.get(severity)),
            );
        }
        for route in routes.into_iter().flatten() {
            route.apply(&mut topics);
        }
        topics
    }

    /// The tags that mark a resource as this environment's:
    /// `obsctl:catalogue=<project>` and `obsctl:env=<env>`.
    pub fn ownership_tags(&self) -> Vec<crate::resource::Tag> {
        use crate::resource::Tag;
        vec![
            Tag {
                key: OWNER_TAG.into(),
                value: self.cat.project.clone(),
            },
            Tag {
                key: ENV_TAG.into(),
                value: self.env_name.to_string(),
            },
        ]
    }

    /// The ARN of a topic (by catalogue key).
    pub fn topic_arn(&self, topic: &str) -> String {
        crate::resource::topic_arn(&self.env.region, &self.account, &self.topic_name(topic))
    }

    /// The name of the catalogue's topic `key`: its `name` where set (the
    /// topics are compiled first), else the naming pattern's.
    pub fn topic_name(&self, key: &str) -> String {
        self.state
            .topic_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.name(None, key))
    }

    /// The ARN of an alarm (by full name).
    pub fn alarm_arn(&self, alarm_name: &str) -> String {
        crate::resource::alarm_arn(&self.env.region, &self.account, alarm_name)
    }

    /// Adds a resource; a second resource with the same key is a problem.
    pub fn add(&mut self, resource: Resource, origin: Origin) {
        let key = (resource.kind(), resource.key());
        if let Some(first) = self.state.origins.get(&key) {
            let (first_file, first_pos) = self.cat.locate(first, true);
            let (first_file, first_line) = (first_file.display().to_string(), first_pos.line);
            self.cat.problem(
                self.problems,
                &origin,
                format!("{} `{}` would be generated twice", key.0, key.1),
                Some(format!(
                    "it is also generated by {first_file}:{first_line}; rename one"
                )),
            );
            return;
        }
        self.state.origins.insert(key.clone(), origin);
        self.state.resources.insert(key, resource);
    }

    /// [`Self::add`], remembering the catalogue entry and service.
    pub fn add_from(
        &mut self,
        resource: Resource,
        origin: Origin,
        entry: &str,
        service: Option<&str>,
    ) {
        let key = (resource.kind(), resource.key());
        let fresh = !self.state.origins.contains_key(&key);
        self.add(resource, origin);
        if fresh {
            self.state.attribution.insert(
                key,
                Attribution {
                    entry: entry.to_string(),
                    service: service.map(str::to_string),
                },
            );
        }
    }

    /// Records a warning at `origin`.
    pub fn warn(&mut self, origin: &Origin, message: String, help: String) {
        let (file, pos) = self.cat.locate(origin, false);
        self.state.warnings.push(crate::diagnostic::Problem {
            file,
            line: pos.line,
            column: pos.column,
            message,
            help: Some(help),
        });
    }

    /// Services a template applies to.
    pub fn services_for(&self, only: Option<&Vec<String>>) -> Vec<usize> {
        (0..self.services.len())
            .filter(|&i| only.is_none_or(|list| list.iter().any(|s| s == self.services[i].name)))
            .collect()
    }
}

/// Whether a dashboard or query spec is per service.
pub(crate) fn per_service(per: Per) -> bool {
    per == Per::Service
}

/// Whether an alarm template is per service.
pub(crate) fn scope_service(scope: Scope) -> bool {
    scope == Scope::Service
}

/// Fills a naming or log-group pattern. Without a service, `{service}` is
/// dropped together with one separator next to it.
pub fn fill(pattern: &str, project: &str, env: &str, service: Option<&str>, name: &str) -> String {
    if pattern.matches("{service}").count() > 1 || pattern.matches("{name}").count() > 1 {
        // A placeholder written twice: its separators interact; keep the
        // exact sequential meaning.
        return fill_sequential(pattern, project, env, service, name);
    }
    // One pass over the pattern (it is filled for every resource name and
    // every name a test resolves). A placeholder whose value is absent
    // (`{service}` of a shared resource, an empty `{name}`) is dropped with
    // one separator.
    let mut out = String::with_capacity(pattern.len() + 64);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let (before, from) = rest.split_at(open);
        let Some(close) = from.find('}') else {
            break;
        };
        let value = match &from[..=close] {
            "{project}" => Some(Some(project)),
            "{env}" => Some(Some(env)),
            "{service}" => Some(service),
            "{name}" => Some((!name.is_empty()).then_some(name)),
            _ => None,
        };
        match value {
            // Not a placeholder: kept as written.
            None => {
                out.push_str(before);
                out.push('{');
                rest = &from[1..];
            }
            Some(Some(v)) => {
                out.push_str(before);
                out.push_str(v);
                rest = &from[close + 1..];
            }
            Some(None) if &from[..=close] == "{name}" => {
                // An empty name takes the `-` or `_` before it, whatever
                // wrote it (the pattern or a value filled in before).
                out.push_str(before);
                if out.ends_with(['-', '_']) {
                    out.pop();
                }
                rest = &from[close + 1..];
            }
            Some(None) => {
                // A shared resource's `{service}` takes the separator
                // written before it in the pattern, else the one after it.
                let after = &from[close + 1..];
                if let Some(trimmed) = before.strip_suffix(['-', '_', '/']) {
                    out.push_str(trimmed);
                    rest = after;
                } else {
                    out.push_str(before);
                    rest = after.strip_prefix(['-', '_']).unwrap_or(after);
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// `fill` as sequential replacements: `{service}` (dropped with the
/// separator before it, else after it, for shared resources), then
/// `{project}` and `{env}`, then `{name}` (dropped with the separator
/// before it when empty). The one-pass [`fill`] agrees with it (a property
/// test) and uses it for patterns that repeat a placeholder.
fn fill_sequential(p: &str, project: &str, env: &str, svc: Option<&str>, name: &str) -> String {
    let mut s = p.to_string();
    match svc {
        Some(v) => s = s.replace("{service}", v),
        None => {
            for from in [
                "-{service}",
                "_{service}",
                "/{service}",
                "{service}-",
                "{service}_",
                "{service}",
            ] {
                s = s.replace(from, "");
            }
        }
    }
    s = s.replace("{project}", project).replace("{env}", env);
    if name.is_empty() {
        for from in ["-{name}", "_{name}", "{name}"] {
            s = s.replace(from, "");
        }
    } else {
        s = s.replace("{name}", name);
    }
    s
}

/// The prefix of an environment's saved-query names (`<project>-<env>/`).
pub fn query_prefix(pattern: &str, project: &str, env: &str) -> String {
    format!("{}/", fill(pattern, project, env, None, ""))
}

/// The prefix all of an environment's resource names share.
pub fn name_prefix(pattern: &str, project: &str, env: &str) -> String {
    let full = fill(pattern, project, env, Some("\u{0}"), "\u{0}");
    full.split('\u{0}').next().unwrap_or_default().to_string()
}

/// A service in templates: `{{ service }}` prints its name, `{{ service.port }}`
/// and the other fields work as on a map, and `tojson` gives the whole map.
#[derive(Debug)]
struct ServiceValue {
    name: String,
    fields: Ctx,
}

impl minijinja::value::Object for ServiceValue {
    fn get_value(self: &std::sync::Arc<Self>, key: &Ctx) -> Option<Ctx> {
        self.fields.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        match self.fields.try_iter() {
            Ok(keys) => minijinja::value::Enumerator::Values(keys.collect()),
            Err(_) => minijinja::value::Enumerator::Empty,
        }
    }

    fn render(self: &std::sync::Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

fn service_value(name: &str, fields: &Value) -> Ctx {
    Ctx::from_object(ServiceValue {
        name: name.to_string(),
        fields: to_ctx(fields),
    })
}

/// Converts serializable data into a template context.
pub(crate) fn to_ctx(value: impl serde::Serialize) -> Ctx {
    Ctx::from(minijinja::value::Serde(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_prints_as_its_name_and_keeps_its_fields() {
        let svc = service_value(
            "auth-service",
            &json!({"name": "auth-service", "port": 8005}),
        );
        let env = Jinja::new();
        let ctx = minijinja::context! { service => svc };
        let out = env
            .render_str(
                "{{ service }}:{{ service.port }}:{{ service | tojson }}",
                ctx,
            )
            .unwrap();
        assert_eq!(
            out,
            r#"auth-service:8005:{"name": "auth-service", "port": 8005}"#
        );
    }

    #[test]
    fn naming_drops_service_for_shared_resources() {
        let p = crate::catalogue::model::DEFAULT_NAMING;
        assert_eq!(
            fill(p, "cat-house", "staging", Some("auth-service"), "high-cpu"),
            "cat-house-staging-auth-service-high-cpu"
        );
        assert_eq!(
            fill(p, "cat-house", "staging", None, "critical-alerts"),
            "cat-house-staging-critical-alerts"
        );
        assert_eq!(name_prefix(p, "cat-house", "staging"), "cat-house-staging-");
    }

    proptest::proptest! {
        #[test]
        fn fill_agrees_with_the_sequential_replacements(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["{project}", "{env}", "{service}", "{name}", "-", "_", "/", "x", "{", "}", "{nam"]),
                0..12,
            ),
            svc in proptest::option::of(proptest::sample::select(vec!["api", "w_b"])),
            name in proptest::sample::select(vec!["", "high-cpu", "n_"]),
            project in proptest::sample::select(vec!["shop", "cat-house", "p_"]),
        ) {
            let pattern: String = parts.concat();
            proptest::prop_assert_eq!(
                fill(&pattern, project, "staging", svc, name),
                fill_sequential(&pattern, project, "staging", svc, name),
                "pattern {:?}", pattern
            );
        }
    }
}
