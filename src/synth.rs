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
