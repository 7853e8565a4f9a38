//! Apply progress: a progress bar on a terminal (indicatif), plain lines
//! otherwise. Secrets never appear: keys carry placeholders.

use crate::apply::Outcome;
use crate::plan::{Action, Change};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;

/// Reports each finished change.
pub struct Progress<'a> {
    bar: Option<ProgressBar>,
    out: &'a mut dyn Write,
}

impl<'a> Progress<'a> {
    /// A progress bar when `terminal`, else plain lines to `out`.
    pub fn new(total: usize, terminal: bool, out: &'a mut dyn Write) -> Self {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, out }
    }

    /// Records one finished change.
    pub fn finished(&mut self, change: &Change, outcome: &Outcome) {
        let verb = match change.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Delete => "deleted",
            Action::Adopt => "adopted",
        };
        let line = match outcome {
            Outcome::Done(None) => format!("{verb} {} {}", change.kind, change.key),
            Outcome::Done(Some(note)) => format!("{verb} {} {} ({note})", change.kind, change.key),
            Outcome::Failed(e) => format!(
                "FAILED {} {}: {} {}",
                change.kind, change.key, e.code, e.message
            ),
        };
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                if matches!(outcome, Outcome::Failed(_)) {
                    bar.println(line);
                } else {
                    bar.set_message(format!("{} {}", change.kind, change.key));
                }
            }
            None => {
                let _ = writeln!(self.out, "{line}");
            }
        }
    }

    /// Clears the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
