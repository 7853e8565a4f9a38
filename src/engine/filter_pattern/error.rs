//! Located, human-friendly errors and warnings for filter patterns and
//! metric value / dimension selectors.

use std::fmt;

/// A syntax error in a filter pattern (or in a metric value / dimension spec),
/// located by byte offset into the text that was parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the offending text in the pattern (or spec).
    pub offset: usize,
    /// Length in bytes of the offending text (0 when it points at the end).
    pub len: usize,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub help: Option<String>,
}

impl ParseError {
    /// An error covering `len` bytes from `offset`.
    pub(super) fn new(offset: usize, len: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            len,
            message: message.into(),
            help: None,
        }
    }

    /// Attaches a fix-it hint.
    pub(super) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)?;
        if let Some(help) = &self.help {
            write!(f, "; help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// A pattern that parses but probably does not do what its author meant
/// (for example `?` terms that AWS ignores).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Byte offset of the text the warning is about.
    pub offset: usize,
    /// Length in bytes of that text.
    pub len: usize,
    /// What AWS will do, and what to write instead.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}
