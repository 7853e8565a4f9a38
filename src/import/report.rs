//! The import report: what was imported, skipped (and why), renamed, the
//! secrets kept out of the files, the audit findings at their catalogue
//! locations, the round trip and the compression figure. Data, with its
//! text; JSON is the serde form.

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The report of one import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Project.
    pub project: String,
    /// Environment.
    pub env: String,
    /// Name prefix read.
    pub prefix: String,
    /// Live resources imported, by kind.
    pub imported: BTreeMap<String, usize>,
    /// Live resources not imported, with the reason.
    pub skipped: Vec<Skipped>,
    /// Resources adopted by rename (the plan shows a create and a delete).
    pub renamed: Vec<Renamed>,
    /// Variables the catalogue reads secrets from (`${env:NAME}`); set them
    /// before `plan`.
    pub secrets: Vec<String>,
    /// Defects of the monitoring found while importing (the audit), each at
    /// its catalogue location.
    pub findings: Vec<Finding>,
    /// What structure was found.
    pub structure: Structure,
    /// Live resources read (log groups aside).
    pub live_resources: usize,
    /// Lines of the catalogue written (YAML and templates).
    pub catalogue_lines: usize,
    /// Whether the catalogue validates.
    pub validates: bool,
    /// The round trip: the imported catalogue compiled and compared with
    /// the live resources as `plan` compares them.
    pub round_trip: Option<RoundTrip>,
}

/// What the catalogue is made of.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Structure {
    /// Services.
    pub services: usize,
    /// Alarm templates.
    pub alarm_templates: usize,
    /// Severities.
    pub severities: usize,
    /// Dashboard entries.
    pub dashboards: usize,
    /// Metric filter entries.
    pub metric_filters: usize,
    /// Saved query entries.
    pub queries: usize,
}

/// A live resource left out.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Kind (plural, as in snapshots).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// A resource adopted under a new name.
#[derive(Debug, Clone, Serialize)]
pub struct Renamed {
    /// Kind.
    pub kind: String,
    /// Live name.
    pub from: String,
    /// The name the catalogue gives it.
    pub to: String,
}

/// An audit finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Catalogue file (relative to the catalogue).
    pub file: String,
    /// JSON pointer in it (empty when located by line only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pointer: String,
    /// Line (0 until located).
    pub line: u64,
    /// What is wrong.
    pub message: String,
    /// The fix obsctl suggests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    /// A finding at a pointer of a file (its line found when written).
    pub fn at(file: &str, pointer: &str, message: String, help: String) -> Finding {
        Finding {
            file: file.to_string(),
            pointer: pointer.to_string(),
            line: 0,
            message,
            help: Some(help),
        }
    }
}

/// The round trip's outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoundTrip {
    /// Resources the catalogue compiles to exactly as live (ownership aside).
    pub equal: usize,
    /// Resources whose only differences are tags (obsctl's ownership tags
    /// and the `Severity`, `Service`, … tags it writes) or the saved query
    /// marker: what `plan --adopt` adds.
    pub ownership_only: usize,
    /// Everything else, one line each (kind, name, what differs).
    pub differences: Vec<String>,
}

impl Report {
    /// An empty report.
    pub fn new(project: &str, env: &str, prefix: &str) -> Report {
        Report {
            project: project.to_string(),
            env: env.to_string(),
            prefix: prefix.to_string(),
            ..Report::default()
        }
    }

    /// Live resources per catalogue line.
    pub fn compression(&self) -> f64 {
        if self.catalogue_lines == 0 {
            return 0.0;
        }
        (self.live_resources as f64 / self.catalogue_lines as f64 * 100.0).round() / 100.0
    }

    /// The report for people.
    pub fn text(&self, out: &mut dyn Write, dir: &str) -> std::io::Result<()> {
        let imported: usize = self.imported.values().sum();
        writeln!(
            out,
            "Imported {imported} of {} live resources of {} ({}*) into {dir}:",
            self.live_resources, self.env, self.prefix
        )?;
        for (kind, n) in &self.imported {
            writeln!(out, "  {n:>5} {kind}")?;
        }
        let s = &self.structure;
        writeln!(
            out,
            "Structure: {} services, {} alarm templates, {} severities, {} dashboards, {} metric filters, {} saved queries.",
            s.services, s.alarm_templates, s.severities, s.dashboards, s.metric_filters, s.queries
        )?;
        writeln!(
            out,
            "Compression: {} live resources in {} catalogue lines ({} per line).",
            self.live_resources,
            self.catalogue_lines,
            self.compression()
        )?;
        if !self.skipped.is_empty() {
            writeln!(out, "\nSkipped ({}):", self.skipped.len())?;
            for k in &self.skipped {
                writeln!(out, "  {} {}: {}", k.kind, k.name, k.reason)?;
            }
        }
        if !self.renamed.is_empty() {
            writeln!(
                out,
                "\nAdopted by rename (plan shows a create and a delete):"
            )?;
            for r in &self.renamed {
                writeln!(out, "  {} {} → {}", r.kind, r.from, r.to)?;
            }
        }
        if !self.secrets.is_empty() {
            writeln!(
                out,
                "\nSecrets kept out of the files; set these variables before plan: {}",
                self.secrets.join(", ")
            )?;
        }
        if !self.findings.is_empty() {
            writeln!(out, "\nAudit ({} findings):", self.findings.len())?;
            for f in &self.findings {
                writeln!(out, "  {dir}/{}:{}: {}", f.file, f.line, f.message)?;
                if let Some(h) = &f.help {
                    writeln!(out, "      fix: {h}")?;
                }
            }
        }
        writeln!(
            out,
            "\nValidation: {}",
            if self.validates {
                "the catalogue validates"
            } else {
                "the catalogue does NOT validate (see the findings)"
            }
        )?;
        if let Some(rt) = &self.round_trip {
            writeln!(
                out,
                "Round trip: {} equal, {} differ only in tags (plan --adopt adds them), {} differ otherwise.",
                rt.equal,
                rt.ownership_only,
                rt.differences.len()
            )?;
            for d in &rt.differences {
                writeln!(out, "  {d}")?;
            }
        }
        Ok(())
    }
}
