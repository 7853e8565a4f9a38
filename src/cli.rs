//! Command-line interface types (clap derive). No behaviour here.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Monitoring as code for AWS: compile a YAML catalogue into CloudWatch
/// dashboards, alarms, metric filters, saved queries and SNS topics.
#[derive(Debug, Parser)]
#[command(name = "obsctl", version, about)]
pub struct Cli {
    /// Catalogue directory (holds obsctl.yaml).
    #[arg(
        short = 'd',
        long = "definitions",
        global = true,
        default_value = "definitions"
    )]
    pub definitions: PathBuf,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the catalogue; report every problem with file:line:column.
    Validate,
    /// Write every resource as canonical JSON under snapshots/.
    Render {
        /// Only this environment (default: every environment).
        #[arg(long)]
        env: Option<String>,
        /// Output directory (default: snapshots/<catalogue>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail (exit 1) listing every stale, missing or extra file.
        #[arg(long)]
        check: bool,
    },
    /// Print the catalogue's JSON Schema.
    Schema,
}
