//! The synthesis pipeline: settings → templates → guard check → rendered artefacts.
//! Nothing leaves this module unless every template passed the rules.

use crate::cfn::Template;
use crate::config::Settings;
use crate::emit::{self, Format};
use crate::error::{Error, Result};
use crate::guard::{self, Document};
use crate::limits;
use crate::stacks::{central, rollout, Target};

/// One file smlog produces, at its place in the repository layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub text: String,
}

/// Builds one template and checks it against AWS's policy size limits, with
/// context naming it when that fails.
pub fn template(settings: &Settings, target: Target) -> Result<Template> {
    let context = || format!("while building the {} template", target.name());
    let template = target.build(settings).map_err(|e| e.context(context()))?;
    let exceeded = limits::check(&template);
    if exceeded.is_empty() {
        return Ok(template);
    }
    let mut message = exceeded
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let listed = settings.principals.accounts.len();
    if listed > 0 {
        message.push_str(&format!(
            ". With this configuration at most {} accounts fit in `accounts` (it lists {listed}); \
             admit the rest by organization_id or organization_paths",
            account_capacity(settings)
        ));
    }
    Err(Error::Config(message).context(context()))
}

/// How many explicit accounts fit before the first policy outgrows its limit.
/// Policy size grows by the same number of bytes with every account, so two
/// measurements give the line.
pub fn account_capacity(settings: &Settings) -> usize {
    let sizes_with = |count: usize| {
        let mut probe = settings.clone();
        probe.principals.accounts = (0..count)
            .map(|i| {
                format!("{:012}", 100_000_000_000u64 + i as u64)
                    .parse()
                    .expect("12 digits")
            })
            .collect();
        limits::measure(&central::build(&probe))
    };
    let (one, two) = (sizes_with(1), sizes_with(2));
    one.iter()
        .zip(&two)
        .filter_map(|(a, b)| {
            let per_account = b.size.checked_sub(a.size).filter(|d| *d > 0)?;
            let base = a.size - per_account;
            Some(a.limit.saturating_sub(base) / per_account)
        })
        .min()
        .unwrap_or(usize::MAX)
}

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

/// One template, checked and rendered.
pub fn one(settings: &Settings, target: Target, format: Format) -> Result<String> {
    let template = template(settings, target)?;
    enforce_rules(&[(target.path(), &template)])?;
    emit::render(&template, format)
}

/// Every artefact: the three templates (checked) and the StackSet CLI inputs.
pub fn all(settings: &Settings) -> Result<Vec<Artefact>> {
    let templates = Target::ALL
        .into_iter()
        .map(|target| Ok((target.path(), template(settings, target)?)))
        .collect::<Result<Vec<_>>>()?;
    let named: Vec<(&str, &Template)> = templates.iter().map(|(path, t)| (*path, t)).collect();
    enforce_rules(&named)?;
    let mut artefacts = Vec::new();
    for (path, template) in &templates {
        artefacts.push(Artefact {
            path: (*path).to_owned(),
            text: emit::to_yaml(template)?,
        });
    }
    artefacts.push(Artefact {
        path: "stacksets/create-stack-set.json".to_owned(),
        text: emit::to_json(&rollout::create_stack_set_input(settings)?)?,
    });
    artefacts.push(Artefact {
        path: "stacksets/create-stack-instances.json".to_owned(),
        text: emit::to_json(&rollout::create_stack_instances_input(settings))?,
    });
    Ok(artefacts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::Properties;

    #[test]
    fn a_template_that_breaks_a_rule_is_refused_naming_rule_and_resource() {
        let settings = Settings::default();
        let mut central_template = template(&settings, Target::Central).unwrap();
        for resource in central_template.resources.values_mut() {
            if let Properties::KmsKey(key) = &mut resource.properties {
                key.enable_key_rotation = false;
            }
        }
        let error = enforce_rules(&[("templates/central.yaml", &central_template)]).unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::VIOLATIONS);
        let message = error.to_string();
        assert!(
            message.contains("templates/central.yaml: rule kms_key_rotation_enabled on BucketKey: Violation: EnableKeyRotation must be true"),
            "{message}"
        );
        assert!(message.contains("on SessionKey"), "{message}");
    }
}
