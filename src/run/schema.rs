//! `obsctl schema`: the catalogue's JSON Schema, or the reference generated
//! from it.

use super::write_or_check;
use crate::catalogue;
use crate::cli::PolicyFormat;
use crate::error::Error;
use std::io::Write;
use std::path::Path;

/// Prints the JSON Schema of catalogue files (`json`) or the Markdown
/// reference generated from it, or with `check` compares it with that file.
pub(super) fn schema_command(
    format: PolicyFormat,
    check: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let schema = schemars::schema_for!(catalogue::model::CatalogueFile);
    let text = match format {
        PolicyFormat::Json => serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n",
        PolicyFormat::Markdown => {
            crate::reference::markdown(&serde_json::to_value(&schema).unwrap_or_default())
        }
    };
    write_or_check(out, check, &text)
}
