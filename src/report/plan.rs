//! Rendering a plan: text in the familiar `+ ~ -` style (colour optional),
//! versioned JSON, and Markdown for a pull-request comment. Rendering never
//! decides anything; it only shows the plan.

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]

use crate::aws::ApiCount;
use crate::floor::Floor;
use crate::plan::{Action, Change, FieldChange, Plan};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// The plan as versioned JSON (also the saved-plan format).
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// The GitHub pull-request comment (the CI action posts it): Markdown
    /// with a hidden marker the action finds its own comment by, cut at
    /// whole changes to fit GitHub's 65,536-character limit, linking the
    /// full plan (`--link`).
    Github,
}

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// The hidden marker that starts the comment of `catalogue` / `env`: the
/// action edits the comment that holds it instead of adding another.
pub fn github_marker(catalogue: &str, env: &str) -> String {
    format!("<!-- obsctl-plan: {catalogue}/{env} -->")
}

/// The pull-request comment for `plan`: [`markdown`] under the marker,
/// at most `limit` characters. Past the limit the changes that do not fit
/// are left out whole, and a last line counts them and links `link` (the
/// CI run holding the full plan as an artifact).
pub fn github(plan: &Plan, link: Option<&str>, limit: usize) -> String {
    let mut full = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = markdown(&mut full, plan);
    let body = String::from_utf8_lossy(&full).into_owned();
    let marker = github_marker(&plan.catalogue, &plan.env);
    let whole = format!("{marker}\n{body}");
    if whole.chars().count() <= limit {
        return whole;
    }
    // Keep the heading and summary, then whole changes (each ends with
    // `</details>`) while they fit with the note, then the conflicts and
    // notes after the changes when they fit too.
    let total = plan.changes.len();
    let note = |shown: usize| {
        let rest = total - shown;
        let where_ = match link {
            Some(url) => format!("[the full plan]({url}) (this run's artifacts)"),
            None => "the full plan in the CI run's artifacts".to_string(),
        };
        format!(
            "\n**… {rest} more {} not shown** (GitHub limits a comment to {GITHUB_COMMENT_LIMIT} characters): see {where_}.\n\n",
            if rest == 1 { "change" } else { "changes" }
        )
    };
    let ends: Vec<usize> = body
        .match_indices("</details>\n")
        .map(|(i, m)| i + m.len())
        .collect();
    let header_end = body.find("<details>").unwrap_or(body.len());
    let tail = ends
        .last()
        .and_then(|&last| body.get(last..))
        .unwrap_or_default();
    let count = |s: &str| s.chars().count();
    let mut used = count(&marker) + 1 + count(body.get(..header_end).unwrap_or_default());
    let tail_fits = used + count(tail) + count(&note(0)) <= limit;
    let reserve = if tail_fits { count(tail) } else { 0 };
    let (mut shown, mut cut, mut from) = (0, header_end, header_end);
    for end in ends {
        let piece = count(body.get(from..end).unwrap_or_default());
        if used + piece + reserve + count(&note(shown + 1)) > limit {
            break;
        }
        used += piece;
        shown += 1;
        cut = end;
        from = end;
    }
    let head = body.get(..cut).unwrap_or_default();
    let mut out = format!("{marker}\n{head}{}", note(shown));
    if tail_fits {
        out.push_str(tail.trim_start_matches('\n'));
    }
    // A limit too small for even the note: cut the text itself.
    if count(&out) > limit {
        out = out.chars().take(limit).collect();
    }
    out
}

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn symbol(a: Action) -> (&'static str, &'static str, &'static str) {
    match a {
        Action::Create => ("+", "32", "create"),
        Action::Update => ("~", "33", "update"),
        Action::Delete => ("-", "31", "delete"),
        Action::Adopt => ("&", "36", "adopt"),
    }
}

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(none)".to_string(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(other) => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// A whole element added or removed (a widget, a metric row, an alarm
/// query): one line naming it, in every format.
fn whole(f: &FieldChange) -> Option<String> {
    let (word, v) = match (&f.before, &f.after) {
        (Some(v), None) => ("removed", v),
        (None, Some(v)) => ("added", v),
        _ => return None,
    };
    if !(v.is_object() || v.is_array()) {
        return None;
    }
    Some(format!("{word} {}", describe(v)))
}

/// A widget by type and title (a text widget by its first line), anything
/// else as compact JSON, cut at 120 characters.
fn describe(v: &Value) -> String {
    if let (Some(kind), Some(props)) = (v.get("type").and_then(Value::as_str), v.get("properties"))
    {
        let title = props.get("title").and_then(Value::as_str).or_else(|| {
            props
                .get("markdown")
                .and_then(Value::as_str)
                .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        });
        return match title {
            Some(t) => format!("{kind} widget {t:?}"),
            None => format!("{kind} widget (untitled)"),
        };
    }
    let text = serde_json::to_string(v).unwrap_or_default();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(119).collect::<String>())
    } else {
        text
    }
}

/// Whether a field change is best shown as a line diff.
fn multiline(f: &FieldChange) -> bool {
    if whole(f).is_some() {
        return false;
    }
    let long = |v: &Option<Value>| match v {
        Some(Value::String(s)) => s.contains('\n'),
        Some(Value::Object(_) | Value::Array(_)) => true,
        _ => false,
    };
    long(&f.before) || long(&f.after)
}

fn lines_of(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) => format!("{s}\n"),
        Some(other) => format!(
            "{}\n",
            serde_json::to_string_pretty(other).unwrap_or_default()
        ),
    }
}

/// A multi-line field change as a line diff: (mark, line) with `-`, `+`, ` `.
fn line_diff(f: &FieldChange) -> Vec<(&'static str, String)> {
    let (old, new) = (lines_of(&f.before), lines_of(&f.after));
    let all: Vec<(&'static str, String)> = similar::TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|change| {
            let mark = match change.tag() {
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Equal => " ",
            };
            (mark, change.value().trim_end_matches('\n').to_string())
        })
        .collect();
    // Only the changed lines: unchanged runs between them become one `…`.
    let first = all.iter().position(|(m, _)| *m != " ");
    let last = all.iter().rposition(|(m, _)| *m != " ");
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (mark, line) in &all[first..=last] {
        if *mark == " " {
            if out.last().is_none_or(|(m, _)| *m != " ") {
                out.push((" ", "…".to_string()));
            }
        } else {
            out.push((mark, line.clone()));
        }
    }
    out
}

/// A run of whole scalar elements added to or removed from one list
/// (`alarms[46]` … `alarms[52]`) as one line; ARNs by their last part.
fn grouped(fields: &[FieldChange]) -> Vec<Vec<&FieldChange>> {
    let list_of = |f: &FieldChange| -> Option<(String, bool)> {
        let scalar =
            |v: &Option<Value>| v.as_ref().is_some_and(|v| !v.is_object() && !v.is_array());
        let removal = f.after.is_none() && scalar(&f.before);
        let addition = f.before.is_none() && scalar(&f.after);
        if !(removal || addition) || !f.path.ends_with(']') {
            return None;
        }
        let open = f.path.rfind('[')?;
        Some((f.path[..open].to_string(), removal))
    };
    let mut out: Vec<Vec<&FieldChange>> = Vec::new();
    for f in fields {
        let key = list_of(f);
        match out.last_mut() {
            Some(group) if key.is_some() && list_of(group[0]) == key => group.push(f),
            _ => out.push(vec![f]),
        }
    }
    out
}

/// One line for a group of scalar additions or removals.
fn group_line(group: &[&FieldChange]) -> (&'static str, String) {
    let removal = group[0].after.is_none();
    let path = &group[0].path[..group[0].path.rfind('[').unwrap_or(group[0].path.len())];
    let names: Vec<String> = group
        .iter()
        .filter_map(|f| {
            if removal {
                f.before.as_ref()
            } else {
                f.after.as_ref()
            }
        })
        .map(|v| match v {
            Value::String(s) if s.starts_with("arn:") => {
                s.rsplit(':').next().unwrap_or(s).to_string()
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let (mark, word) = if removal {
        ("-", "removed")
    } else {
        ("+", "added")
    };
    (mark, format!("{path}: {word} {}", names.join(", ")))
}

/// The summary line.
pub fn summary(plan: &Plan) -> String {
    let mut conflicts = match plan.conflicts.len() {
        0 => String::new(),
        1 => " 1 conflict left alone.".to_string(),
        n => format!(" {n} conflicts left alone."),
    };
    match plan.notes.len() {
        0 => {}
        1 => conflicts.push_str(" 1 note."),
        n => conflicts.push_str(&format!(" {n} notes.")),
    }
    if plan.is_empty() {
        return format!(
            "No changes. {} up to date.{conflicts}",
            plural(plan.unchanged, "resource is", "resources are")
        );
    }
    let adopt = match plan.count(Action::Adopt) {
        0 => String::new(),
        n => format!("{n} to adopt, "),
    };
    let mut s = format!(
        "Plan: {adopt}{} to create, {} to update, {} to delete, {} unchanged.",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Delete),
        plan.unchanged
    );
    s.push_str(&conflicts);
    s
}

/// `1 resource is`, `2 resources are`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text rendering.
pub fn text(w: &mut dyn Write, plan: &Plan, color: bool) -> io::Result<()> {
    let p = Palette { on: color };
    writeln!(
        w,
        "obsctl plan: {} / {} ({}, account {})",
        plan.catalogue, plan.env, plan.region, plan.account
    )?;
    writeln!(w)?;
    for c in &plan.changes {
        change_text(w, c, &p)?;
    }
    for c in &plan.conflicts {
        writeln!(
            w,
            "{} {} {}: {}",
            p.paint("35", "!"),
            c.kind,
            c.key,
            super::reason::conflict(c)
        )?;
    }
    for n in &plan.notes {
        writeln!(w, "  note: {n}")?;
    }
    if !plan.changes.is_empty() || !plan.conflicts.is_empty() || !plan.notes.is_empty() {
        writeln!(w)?;
    }
    writeln!(w, "{}", summary(plan))
}

fn change_text(w: &mut dyn Write, c: &Change, p: &Palette) -> io::Result<()> {
    let (sym, color, _) = symbol(c.action);
    writeln!(
        w,
        "{} {} {}",
        p.paint(color, sym),
        c.kind,
        p.paint("1", &c.key)
    )?;
    for item in shown(&c.fields) {
        match item {
            Shown::Lines { path, lines } => {
                writeln!(w, "    {path}:")?;
                for (mark, line) in lines {
                    let color = match mark {
                        "-" => "31",
                        "+" => "32",
                        _ => "0",
                    };
                    writeln!(w, "      {}", p.paint(color, &format!("{mark} {line}")))?;
                }
            }
            Shown::Whole { text, .. } | Shown::Note(text) => writeln!(w, "    {text}")?,
            Shown::Value {
                path,
                before,
                after,
            } => writeln!(w, "    {path}: {before} → {after}")?,
        }
    }
    Ok(())
}

/// How the field changes of one resource are shown, decided once for
/// every format (text and Markdown only differ in marks and indentation).
enum Shown {
    /// A multi-line value as a line diff.
    Lines {
        path: String,
        lines: Vec<(&'static str, String)>,
    },
    /// One `+`/`-` line: a whole element, or a run of list values.
    Whole { mark: &'static str, text: String },
    /// A summary without before and after (layout moves).
    Note(String),
    /// A value changed from `before` to `after`.
    Value {
        path: String,
        before: String,
        after: String,
    },
}

fn shown(fields: &[FieldChange]) -> Vec<Shown> {
    grouped(fields)
        .into_iter()
        .map(|group| {
            if group.len() > 1 {
                let (mark, text) = group_line(&group);
                return Shown::Whole { mark, text };
            }
            let f = group[0];
            if multiline(f) {
                Shown::Lines {
                    path: f.path.clone(),
                    lines: line_diff(f),
                }
            } else if let Some(line) = whole(f) {
                let mark = if f.before.is_some() { "-" } else { "+" };
                Shown::Whole {
                    mark,
                    text: format!("{}: {line}", f.path),
                }
            } else if f.before.is_none() && f.path.ends_with(" (layout)") {
                Shown::Note(format!("{}: {}", f.path, show(&f.after).trim_matches('"')))
            } else {
                Shown::Value {
                    path: f.path.clone(),
                    before: show(&f.before),
                    after: show(&f.after),
                }
            }
        })
        .collect()
}

/// JSON rendering: the plan value itself (format_version 1).
pub fn json(w: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, plan).map_err(io::Error::other)?;
    writeln!(w)
}

/// Markdown rendering: a summary and a collapsible section per resource.
pub fn markdown(w: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    writeln!(
        w,
        "### obsctl plan: `{}` / `{}`\n",
        plan.catalogue, plan.env
    )?;
    writeln!(w, "**{}**\n", summary(plan))?;
    for c in &plan.changes {
        let (sym, _, word) = symbol(c.action);
        writeln!(
            w,
            "<details><summary><code>{sym}</code> {word} {} <code>{}</code></summary>\n",
            c.kind, c.key
        )?;
        if !c.fields.is_empty() {
            writeln!(w, "```diff")?;
            for item in shown(&c.fields) {
                match item {
                    Shown::Lines { path, lines } => {
                        writeln!(w, "@@ {path} @@")?;
                        for (mark, line) in lines {
                            writeln!(w, "{mark} {line}")?;
                        }
                    }
                    Shown::Whole { mark, text } => writeln!(w, "{mark} {text}")?,
                    Shown::Note(text) => writeln!(w, "  {text}")?,
                    Shown::Value {
                        path,
                        before,
                        after,
                    } => {
                        writeln!(w, "- {path}: {before}")?;
                        writeln!(w, "+ {path}: {after}")?;
                    }
                }
            }
            writeln!(w, "```")?;
        }
        writeln!(w, "</details>\n")?;
    }
    if !plan.conflicts.is_empty() {
        writeln!(w, "**Conflicts (left alone):**\n")?;
        for c in &plan.conflicts {
            writeln!(
                w,
                "- {} `{}`: {}",
                c.kind,
                c.key,
                super::reason::conflict(c)
            )?;
        }
        writeln!(w)?;
    }
    for n in &plan.notes {
        writeln!(w, "- note: {n}")?;
    }
    Ok(())
}

/// API calls per API (for `--verbose` and the apply summary).
pub fn calls(
    w: &mut dyn Write,
    calls: &BTreeMap<String, ApiCount>,
    floor: Option<&Floor>,
    seconds: f64,
) -> io::Result<()> {
    let total: u64 = calls.values().map(|c| c.calls).sum();
    match floor {
        Some(f) => {
            let least: u64 = f.calls.values().sum();
            writeln!(
                w,
                "AWS calls: {total} in {seconds:.1} s (floor: {least} calls, {:.1} s at the configured quotas)",
                f.seconds
            )?;
        }
        None => writeln!(w, "AWS calls: {total}")?,
    }
    let mut apis: BTreeSet<&String> = calls.keys().collect();
    if let Some(f) = floor {
        apis.extend(f.calls.keys());
    }
    for api in apis {
        let c = calls.get(api).cloned().unwrap_or_default();
        let throttled = if c.throttled > 0 {
            format!(", {} throttled", c.throttled)
        } else {
            String::new()
        };
        let rate = if c.per_second > 0.0 {
            format!("{:>9.1}/s", c.per_second)
        } else {
            String::new()
        };
        let least = match floor.and_then(|f| f.calls.get(api)) {
            Some(n) => format!(" (floor {n:>5})"),
            None if floor.is_some() => " (floor     0)".to_string(),
            None => String::new(),
        };
        let unit = if c.calls == 1 { "call " } else { "calls" };
        writeln!(
            w,
            "  {api:<36} {:>6} {unit}{least} {rate}{throttled}",
            c.calls
        )?;
    }
    Ok(())
}

/// The least an apply of the plan needs: write calls per API and time.
pub fn apply_floor(w: &mut dyn Write, floor: &Floor) -> io::Result<()> {
    let total: u64 = floor.calls.values().sum();
    writeln!(
        w,
        "Applying needs at least {total} write calls, {:.1} s at the configured quotas:",
        floor.seconds
    )?;
    for (api, n) in &floor.calls {
        writeln!(w, "  {api:<36} {n:>6}")?;
    }
    Ok(())
}
