//! Snapshot files: every resource as pretty, canonical JSON under
//! `<out>/<env>/<kind>/<name>.json`, and (unless turned off) every
//! dashboard's preview as `<out>/<env>/previews/<name>.svg`. Writing makes
//! the directory match exactly (stale files are removed); checking compares
//! without writing.

use crate::compile::DesiredState;
use crate::error::{Error, Stale};
use crate::resource::canonical::to_pretty;
use crate::resource::{Dashboard, Resource};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The directory of dashboard previews in an environment's directory.
pub const PREVIEWS: &str = "previews";

/// What one snapshot file holds.
#[derive(Debug, Clone, Copy)]
pub enum File<'a> {
    /// A resource as canonical JSON.
    Resource(&'a Resource),
    /// A dashboard's preview (SVG).
    Preview(&'a Dashboard),
}

/// Whether render writes (and `--check` compares) the previews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Previews {
    /// Dashboard previews are files like the others.
    Write,
    /// No previews: none is written, and existing ones are left alone
    /// (neither compared nor removed).
    Skip,
}

/// The files one or more environments render to, relative to the output dir.
pub fn files(states: &[DesiredState], previews: Previews) -> BTreeMap<PathBuf, String> {
    planned(states, previews)
        .into_iter()
        .map(|(path, r)| (path, content(r)))
        .collect()
}

/// Each file's path and what it holds, in path order, rendered later one
/// at a time ([`content`]) so that render never holds every file's text
/// at once. Where two resources share a file name, the last one holds it
/// (as in [`files`]).
pub fn planned(states: &[DesiredState], previews: Previews) -> Vec<(PathBuf, File<'_>)> {
    let mut all: Vec<(PathBuf, File<'_>)> = states
        .iter()
        .flat_map(|state| {
            state
                .resources
                .iter()
                .flat_map(move |((kind, _), resource)| {
                    let path = PathBuf::from(&state.env)
                        .join(kind.plural())
                        .join(format!("{}.json", resource.file_stem()));
                    let preview = if let Resource::Dashboard(d) = resource
                        && previews == Previews::Write
                    {
                        Some((
                            PathBuf::from(&state.env)
                                .join(PREVIEWS)
                                .join(format!("{}.svg", resource.file_stem())),
                            File::Preview(d),
                        ))
                    } else {
                        None
                    };
                    std::iter::once((path, File::Resource(resource))).chain(preview)
                })
        })
        .collect();
    // Stable: of equal paths the last stays last; keep it alone.
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(PathBuf, File<'_>)> = Vec::with_capacity(all.len());
    for entry in all {
        match out.last_mut() {
            Some(last) if last.0 == entry.0 => *last = entry,
            Some(_) | None => out.push(entry),
        }
    }
    out
}

/// The text of one file: pretty, canonical JSON, or a dashboard preview.
pub fn content(file: File<'_>) -> String {
    match file {
        // A dashboard's body is written from its text, with no tree.
        File::Resource(Resource::Dashboard(d)) => d.body.pretty(),
        File::Resource(resource) => to_pretty(&resource.to_json()),
        File::Preview(d) => {
            let mut text = crate::preview::fingerprint_line(&d.dashboard_name, d.body.text());
            text.push_str(&crate::preview::dashboard(
                &d.dashboard_name,
                &d.body.value(),
            ));
            text
        }
    }
}

/// Whether the preview file `rel` under `out` starts with `line` (its
/// fingerprint): drawn from the same dashboard by the same code.
pub fn preview_current(out: &Path, rel: &Path, line: &str) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(out.join(rel)) else {
        return false;
    };
    let mut head = vec![0u8; line.len()];
    f.read_exact(&mut head).is_ok() && head == line.as_bytes()
}

/// Whether the file `rel` under `out` holds exactly `content`.
pub fn holds(out: &Path, rel: &Path, content: &str) -> bool {
    let full = out.join(rel);
    // A file of another size differs: no need to read it.
    std::fs::metadata(&full).is_ok_and(|m| m.len() == content.len() as u64)
        && std::fs::read_to_string(&full).is_ok_and(|old| old == content)
}

/// Writes one file under `out` unless it already holds `content`; true
/// when it was written.
pub fn write_one(out: &Path, rel: &Path, content: &str) -> Result<bool, Error> {
    if holds(out, rel, content) {
        return Ok(false);
    }
    let full = out.join(rel);
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&full, content).map_err(|e| Error::io(&full, e))?;
    Ok(true)
}

/// Removes the snapshot files under `out/<env>/` (of `envs`) that are not
/// in `keep`; how many.
pub fn prune(
    out: &Path,
    envs: &[String],
    keep: &std::collections::HashSet<&Path>,
    previews: Previews,
) -> Result<usize, Error> {
    let mut removed = 0;
    for path in existing(out, envs, previews)? {
        if !keep.contains(path.as_path()) {
            let full = out.join(&path);
            std::fs::remove_file(&full).map_err(|e| Error::io(&full, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The paths of files that do not match, in path order: changed or
/// missing (from `compare`, one per planned file) then extra.
pub fn check_planned(
    out: &Path,
    envs: &[String],
    planned: &[(PathBuf, File<'_>)],
    previews: Previews,
) -> Result<Vec<Stale>, Error> {
    let mut stale: Vec<Stale> = planned
        .iter()
        .filter_map(|(path, r)| check_one(&out.join(path), &content(*r)))
        .collect();
    let keep: std::collections::HashSet<&Path> = planned.iter().map(|(p, _)| p.as_path()).collect();
    for path in existing(out, envs, previews)? {
        if !keep.contains(path.as_path()) {
            stale.push(Stale::Extra(out.join(path)));
        }
    }
    Ok(stale)
}

/// What a write did.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteStats {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
}

impl WriteStats {
    /// Counts one file: written (true) or already up to date (false).
    pub fn record(&mut self, written: bool) {
        if written {
            self.written += 1;
        } else {
            self.unchanged += 1;
        }
    }
}

/// Writes `files` under `out`, limited to the environment directories `envs`;
/// removes snapshot files there that nothing renders any more.
pub fn write(
    out: &Path,
    envs: &[String],
    files: &BTreeMap<PathBuf, String>,
    previews: Previews,
) -> Result<WriteStats, Error> {
    let mut stats = WriteStats::default();
    let keep: std::collections::HashSet<&Path> = files.keys().map(PathBuf::as_path).collect();
    stats.removed = prune(out, envs, &keep, previews)?;
    for (path, content) in files {
        stats.record(write_one(out, path, content)?);
    }
    Ok(stats)
}

/// Compares `files` with what is under `out`; lists every difference.
pub fn check(
    out: &Path,
    envs: &[String],
    files: &BTreeMap<PathBuf, String>,
    previews: Previews,
) -> Result<Vec<Stale>, Error> {
    let mut stale = Vec::new();
    let on_disk = existing(out, envs, previews)?;
    for (path, content) in files {
        stale.extend(check_one(&out.join(path), content));
    }
    for path in on_disk {
        if !files.contains_key(&path) {
            stale.push(Stale::Extra(out.join(path)));
        }
    }
    Ok(stale)
}

/// Compares one committed file with what it should hold.
pub fn check_one(path: &Path, content: &str) -> Option<Stale> {
    match std::fs::read_to_string(path) {
        Ok(old) if old == content => None,
        Ok(old) => Some(Stale::Changed(path.to_path_buf(), excerpt(&old, content))),
        Err(_) => Some(Stale::Missing(path.to_path_buf())),
    }
}

/// A short unified diff (committed → rendered).
fn excerpt(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("committed", "rendered")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().take(40).map(|l| format!("    {l}")).collect();
    if lines.len() > 40 {
        out.push(format!("    … {} more lines", lines.len() - 40));
    }
    out.join("\n")
}

/// Snapshot files currently under `out/<env>/`, relative to `out`: JSON
/// files, and the SVG files of `<env>/previews/` unless previews are
/// skipped (then that directory is not looked at).
fn existing(out: &Path, envs: &[String], previews: Previews) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for env in envs {
        let mut stack = vec![out.join(env)];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&dir, e)),
            };
            for entry in entries.flatten() {
                let path = entry.path();
                // The entry's own type (no stat call); a symlink to a
                // directory is followed as before.
                let is_dir = match entry.file_type() {
                    Ok(t) if t.is_symlink() => path.is_dir(),
                    Ok(t) => t.is_dir(),
                    Err(_) => path.is_dir(),
                };
                let preview_dir = out.join(env).join(PREVIEWS);
                if is_dir {
                    if previews == Previews::Write || path != preview_dir {
                        stack.push(path);
                    }
                } else if (path.extension().is_some_and(|e| e == "json")
                    || (previews == Previews::Write
                        && path.extension().is_some_and(|e| e == "svg")
                        && path.parent() == Some(preview_dir.as_path())))
                    && let Ok(rel) = path.strip_prefix(out)
                {
                    found.push(rel.to_path_buf());
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Every file under `dir` with extension `ext`, relative to `dir`.
fn tree(dir: &Path, ext: &str) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext)
                && let Ok(rel) = p.strip_prefix(root)
            {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, ext, &mut out);
    out.sort();
    out
}

/// Writes the Markdown `files` under `dir`; with `prune`, removes `.md`
/// files there nothing writes any more. Returns how many were written.
pub fn write_tree(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    prune: bool,
) -> Result<usize, Error> {
    if prune {
        for rel in tree(dir, "md") {
            if !files.contains_key(&rel) {
                let full = dir.join(&rel);
                std::fs::remove_file(&full).map_err(|e| Error::io(&full, e))?;
            }
        }
    }
    let mut written = 0;
    for (rel, content) in files {
        let full = dir.join(rel);
        if std::fs::read_to_string(&full).is_ok_and(|old| &old == content) {
            continue;
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&full, content).map_err(|e| Error::io(&full, e))?;
        written += 1;
    }
    Ok(written)
}

/// Compares the Markdown `files` with `dir`; with `prune`, extra `.md`
/// files are stale too.
pub fn check_tree(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    prune: bool,
) -> Result<Vec<Stale>, Error> {
    let mut stale: Vec<Stale> = files
        .iter()
        .filter_map(|(rel, content)| check_one(&dir.join(rel), content))
        .collect();
    if prune {
        for rel in tree(dir, "md") {
            if !files.contains_key(&rel) {
                stale.push(Stale::Extra(dir.join(rel)));
            }
        }
    }
    Ok(stale)
}
