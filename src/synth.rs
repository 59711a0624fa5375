//! The synthesis pipeline: settings → templates → guard check → rendered artefacts.
//! Nothing leaves this module unless every template passed the rules.

use crate::cfn::Template;
use crate::config::Settings;
use crate::emit::{self, Format};
use crate::error::{Error, Result};
use crate::guard::{self, Document};
use crate::stacks::{rollout, Target};

/// One file smlog produces, at its place in the repository layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub text: String,
}

/// Builds one template, with context naming it when that fails.
pub fn template(settings: &Settings, target: Target) -> Result<Template> {
    target
        .build(settings)
        .map_err(|e| e.context(format!("while building the {} template", target.name())))
}

/// Fails with every violation when any document breaks the built-in rules.
pub fn enforce_rules(documents: &[Document]) -> Result<()> {
    let violations = guard::check(documents, &guard::builtin_rules())?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Violations(violations))
    }
}

/// One template, rendered and checked.
pub fn one(settings: &Settings, target: Target, format: Format) -> Result<String> {
    let text = emit::render(&template(settings, target)?, format)?;
    enforce_rules(&[Document {
        name: target.path().to_owned(),
        content: text.clone(),
    }])?;
    Ok(text)
}

/// Every artefact: the three templates (checked) and the StackSet CLI inputs.
pub fn all(settings: &Settings) -> Result<Vec<Artefact>> {
    let mut artefacts = Vec::new();
    for target in Target::ALL {
        artefacts.push(Artefact {
            path: target.path().to_owned(),
            text: emit::to_yaml(&template(settings, target)?)?,
        });
    }
    let documents: Vec<Document> = artefacts
        .iter()
        .map(|a| Document {
            name: a.path.clone(),
            content: a.text.clone(),
        })
        .collect();
    enforce_rules(&documents)?;
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
