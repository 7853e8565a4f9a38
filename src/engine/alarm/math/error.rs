//! The error of parsing or evaluating an expression: a message located by
//! byte offset in the expression text.

use std::fmt;

/// A parse or evaluation error, located by byte offset in the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    /// Byte offset in the expression text where the problem is.
    pub offset: usize,
    /// Human-readable description.
    pub message: String,
}

impl MathError {
    pub(super) fn new(offset: usize, message: impl Into<String>) -> Self {
        MathError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for MathError {}
