//! The gate every template passes before it leaves smlog: AWS's size limits,
//! measured at their worst case, and the cfn-guard rules shipped in `rules/`.

pub mod guard;
pub mod limits;

use crate::cfn::Template;
use crate::error::{Error, Result};
use guard::Document;

/// Fails with every violation when any template breaks the built-in rules.
/// cfn-guard reads the templates as compact JSON, its fastest input; the
/// violations name the template and resource (JSON line numbers would mislead).
pub fn enforce_rules(templates: &[(&str, &Template)]) -> Result<()> {
    let documents = templates
        .iter()
        .map(|(name, template)| {
            Ok(Document {
                name: (*name).to_owned(),
                content: serde_json::to_string(template)
                    .map_err(|e| Error::Internal(format!("serialisation failed: {e}")))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut violations = guard::check(&documents, &guard::builtin_rules())?;
    violations.iter_mut().for_each(|v| v.line = None);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Violations(violations))
    }
}
