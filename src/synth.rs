//! `smlog synth`, the pipeline: settings → templates (built once) → the gate
//! (size limits, cfn-guard rules) → rendered artefacts (rendered once).
//! Nothing leaves this module unless every template it depends on passed,
//! the member inside the rollout included.

use crate::cfn::Template;
use crate::config::Settings;
use crate::emit::{self, Format};
use crate::error::{Error, Result};
use crate::gate::{self, limits};
use crate::stacks::{
    central, endpoints, existing, guardrail, member, permission_set, replica, rollout,
};

/// What `synth` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Central,
    Member,
    Rollout,
    /// Only with operators enabled.
    PermissionSet,
    /// Only with an existing bucket: the statements its policies must contain.
    CentralStatements,
    /// Only with the guardrail enabled.
    Guardrail,
    /// Only with endpoints enabled.
    Endpoints,
    /// Only with a replica: its stack, for the replica Region.
    Replica,
}

impl Target {
    pub const ALL: [Target; 8] = [
        Target::Replica,
        Target::Central,
        Target::CentralStatements,
        Target::Member,
        Target::Rollout,
        Target::PermissionSet,
        Target::Guardrail,
        Target::Endpoints,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Central => "central",
            Target::Member => "member",
            Target::Rollout => "rollout",
            Target::PermissionSet => "operator permission set",
            Target::CentralStatements => "existing bucket's statements",
            Target::Guardrail => "guardrail",
            Target::Endpoints => "endpoints",
            Target::Replica => "replica",
        }
    }

    /// Where the artefact lives in the repository layout (`synth all --out-dir`).
    pub fn path(self) -> &'static str {
        match self {
            Target::Central => "templates/central.yaml",
            Target::Member => "stacksets/member.yaml",
            Target::Rollout => "stacksets/rollout.yaml",
            Target::PermissionSet => "templates/operator-permission-set.yaml",
            Target::CentralStatements => "templates/central-statements.json",
            Target::Guardrail => "templates/guardrail.yaml",
            Target::Endpoints => "templates/endpoints.yaml",
            Target::Replica => "templates/replica.yaml",
        }
    }
}

pub const CREATE_STACK_SET_INPUT: &str = "stacksets/create-stack-set.json";
pub const CREATE_STACK_INSTANCES_INPUT: &str = "stacksets/create-stack-instances.json";

/// One file smlog produces, at its place in the repository layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub text: String,
}

/// The templates a configuration makes, built and not yet checked.
#[derive(Debug, Clone)]
pub struct Templates {
    /// None when an existing bucket and key serve everything.
    pub central: Option<Template>,
    pub member: Template,
    /// With operators enabled: their Identity Center permission set.
    pub permission_set: Option<Template>,
    /// With the guardrail enabled: its service control policy.
    pub guardrail: Option<Template>,
    /// With endpoints enabled: the stack for one VPC.
    pub endpoints: Option<Template>,
    /// With a replica: its stack.
    pub replica: Option<Template>,
}

pub fn build(settings: &Settings) -> Result<Templates> {
    let context = |target: Target| format!("while building the {} template", target.name());
    Ok(Templates {
        central: central::build(settings).map_err(|e| e.context(context(Target::Central)))?,
        member: member::build(settings).map_err(|e| e.context(context(Target::Member)))?,
        permission_set: settings
            .operators
            .as_ref()
            .map(|_| permission_set::build(settings))
            .transpose()
            .map_err(|e| e.context(context(Target::PermissionSet)))?,
        guardrail: settings
            .guardrail
            .then(|| guardrail::build(settings))
            .transpose()
            .map_err(|e| e.context(context(Target::Guardrail)))?,
        endpoints: settings
            .endpoints
            .then(|| endpoints::build(settings))
            .transpose()
            .map_err(|e| e.context(context(Target::Endpoints)))?,
        replica: settings
            .replica
            .as_ref()
            .map(|copy| replica::build(settings, copy))
            .transpose()
            .map_err(|e| e.context(context(Target::Replica)))?,
    })
}

/// The member rendered as the StackSet carries it, and the rollout around it.
pub struct Rollout {
    pub member_body: String,
    pub template: Template,
}

/// Renders the member once and builds the rollout that carries it inline.
pub fn rollout(settings: &Settings, member: &Template) -> Result<Rollout> {
    let member_body = emit::to_yaml(member)?;
    limits::inline_template_body(&member_body)
        .map_err(|message| Error::Config(message).context("while building the rollout template"))?;
    let template = rollout::build(settings, member, &member_body)
        .map_err(|e| e.context("while building the rollout template"))?;
    Ok(Rollout {
        member_body,
        template,
    })
}

/// Checks a template against AWS's policy size limits, naming it when that fails.
fn within_limits(settings: &Settings, name: &str, template: &Template) -> Result<()> {
    let exceeded = limits::check(template);
    if exceeded.is_empty() {
        return Ok(());
    }
    let mut message = exceeded
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let listed = settings.scope.accounts.len();
    if listed > 0 {
        message.push_str(&format!(
            ". With this configuration at most {} accounts fit in `accounts` (it lists {listed}); \
             admit the rest by organization_id or organization_paths",
            account_capacity(settings)
        ));
    }
    Err(Error::Config(message).context(format!("while checking {name}")))
}

/// How many explicit accounts fit before the first policy outgrows its limit.
/// Policy size grows by the same number of bytes with every account, so two
/// measurements give the line.
pub fn account_capacity(settings: &Settings) -> usize {
    let sizes_with = |count: usize| {
        let mut probe = settings.clone();
        probe.scope.accounts = (0..count)
            .map(|i| {
                format!("{:012}", 100_000_000_000u64 + i as u64)
                    .parse()
                    .expect("12 digits")
            })
            .collect();
        let mut sizes = match central::build(&probe) {
            Ok(Some(template)) => limits::measure(&template),
            _ => Vec::new(),
        };
        if let Some(required) = existing::statements(&probe) {
            sizes.extend(limits::measure(&existing::as_template(&required)));
        }
        sizes
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

/// A template only some configurations make: refused, naming the switch,
/// when asked for without it.
fn configured<'a>(template: &'a Option<Template>, switch: &str) -> Result<&'a Template> {
    template.as_ref().ok_or_else(|| {
        Error::Usage(format!(
            "this template comes with {switch} in the configuration"
        ))
    })
}

/// The artefacts for `targets` (and, with `with_cli_inputs`, the StackSet CLI
/// inputs), each template checked once and rendered once. The member is
/// checked whenever the rollout is made, since the rollout carries it.
pub fn artefacts(
    settings: &Settings,
    templates: &Templates,
    targets: &[Target],
    format: Format,
    with_cli_inputs: bool,
) -> Result<Vec<Artefact>> {
    let wants_rollout = targets.contains(&Target::Rollout) || with_cli_inputs;
    let rollout = wants_rollout
        .then(|| rollout(settings, &templates.member))
        .transpose()?;
    let required = existing::statements(settings);
    let required_template = required.as_ref().map(existing::as_template);

    let mut wanted: Vec<(Target, &Template)> = Vec::new();
    for target in targets {
        let template = match target {
            Target::Central => templates.central.as_ref().ok_or_else(|| {
                Error::Usage("with this existing bucket and key there is no central stack: merge the statements of `smlog synth central-statements` into their policies".to_owned())
            })?,
            Target::CentralStatements => required_template.as_ref().ok_or_else(|| {
                Error::Usage("central-statements are for an existing bucket: set existing_bucket in the configuration".to_owned())
            })?,
            Target::Member => &templates.member,
            Target::Rollout => &rollout.as_ref().expect("built when wanted").template,
            Target::PermissionSet => {
                configured(&templates.permission_set, "operators.enabled: true")?
            }
            Target::Guardrail => configured(&templates.guardrail, "guardrail.enabled: true")?,
            Target::Endpoints => configured(&templates.endpoints, "endpoints.enabled: true")?,
            Target::Replica => configured(&templates.replica, "replica.region")?,
        };
        wanted.push((*target, template));
    }
    let mut checked: Vec<(&str, &Template)> = wanted
        .iter()
        .map(|(t, template)| (t.path(), *template))
        .collect();
    if wants_rollout && !targets.contains(&Target::Member) {
        checked.push((Target::Member.path(), &templates.member));
    }
    for (name, template) in &checked {
        within_limits(settings, name, template)?;
    }
    gate::enforce_rules(&checked)?;

    let mut artefacts = Vec::new();
    for (target, template) in wanted {
        let text = match (target, format, &rollout) {
            (Target::Member, Format::Yaml, Some(rollout)) => rollout.member_body.clone(),
            // JSON whatever the format: it is merged into JSON policies.
            (Target::CentralStatements, _, _) => emit::to_json(&required)?,
            _ => emit::render(template, format)?,
        };
        artefacts.push(Artefact {
            path: target.path().to_owned(),
            text,
        });
    }
    if let (true, Some(rollout)) = (with_cli_inputs, &rollout) {
        artefacts.push(Artefact {
            path: CREATE_STACK_SET_INPUT.to_owned(),
            text: emit::to_json(&rollout::create_stack_set_input(
                settings,
                &templates.member,
                &rollout.member_body,
            ))?,
        });
        artefacts.push(Artefact {
            path: CREATE_STACK_INSTANCES_INPUT.to_owned(),
            text: emit::to_json(&rollout::create_stack_instances_input(settings))?,
        });
    }
    Ok(artefacts)
}

/// One template, checked and rendered.
pub fn one(settings: &Settings, target: Target, format: Format) -> Result<String> {
    let templates = build(settings)?;
    let mut artefacts = artefacts(settings, &templates, &[target], format, false)?;
    Ok(artefacts.remove(0).text)
}

/// Every artefact: the templates the configuration makes (checked) and the
/// StackSet CLI inputs.
pub fn all(settings: &Settings) -> Result<Vec<Artefact>> {
    let templates = build(settings)?;
    let existing = existing::statements(settings).is_some();
    let targets: Vec<Target> = Target::ALL
        .into_iter()
        .filter(|t| match t {
            Target::Central => templates.central.is_some(),
            Target::CentralStatements => existing,
            Target::PermissionSet => templates.permission_set.is_some(),
            Target::Guardrail => templates.guardrail.is_some(),
            Target::Endpoints => templates.endpoints.is_some(),
            Target::Replica => templates.replica.is_some(),
            Target::Member | Target::Rollout => true,
        })
        .collect();
    artefacts(settings, &templates, &targets, Format::Yaml, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_valid_configuration_fits_inline() {
        let mut raw = crate::config::RawConfig::default();
        let longest = "x".repeat(crate::config::MAX_SHELL_PROFILE_CHARS);
        raw.session = Some(crate::config::RawSession {
            linux_shell_profile: Some(longest.clone()),
            windows_shell_profile: Some(longest),
            ..Default::default()
        });
        let settings = raw.resolve().unwrap();
        let templates = build(&settings).unwrap();
        let rollout = rollout(&settings, &templates.member).unwrap();
        assert!(rollout.member_body.len() < limits::TEMPLATE_BODY_BYTES);
    }
}
