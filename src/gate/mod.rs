//! The gate every template passes before it leaves smlog: AWS's size limits,
//! measured at their worst case, and the cfn-guard rules shipped in `rules/`.

pub mod guard;
pub mod limits;

use crate::cfn::Template;
use crate::error::{Error, Result};

/// Fails with every violation when any template breaks the built-in rules.
/// The templates go to cfn-guard as JSON values; the violations name the
/// template and resource (lines of a text nobody sees would mislead).
pub fn enforce_rules(templates: &[(&str, &Template)]) -> Result<()> {
    let documents = templates
        .iter()
        .map(|(name, template)| {
            let value = serde_json::to_value(template)
                .map_err(|e| Error::Internal(format!("serialisation failed: {e}")))?;
            Ok((*name, value))
        })
        .collect::<Result<Vec<_>>>()?;
    let violations = guard::check_values(documents, guard::builtin())?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Violations(violations))
    }
}
