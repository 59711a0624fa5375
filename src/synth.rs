//! `smlog synth`, the pipeline: a plan → its templates (built once) → the gate
//! (size limits, cfn-guard rules) → rendered artefacts (rendered once).
//! Nothing leaves this module unless every template it depends on passed,
//! the member inside the rollout included.

use crate::cfn::Template;
use crate::emit::{self, Format};
use crate::error::{Error, Result};
use crate::gate::guard::Document;
use crate::gate::{self, limits};
use crate::plan::{CliInput, Plan, Target};
use crate::runbook;
use crate::stacks::rollout::Member;
use crate::stacks::{
    audit_policy, central, endpoints, existing, guardrail, member, permission_set, regional,
    replica, rollout,
};
use std::collections::BTreeMap;

/// One file smlog produces, at its place in the repository layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub text: String,
}

/// Every template of a plan, built once and not yet checked; the templates
/// a StackSet carries rendered once, as the rollout carries them: compact
/// JSON, which leaves the controller's code the most room under
/// CloudFormation's 51,200-byte limit for an inline template body.
#[derive(Debug, Clone)]
pub struct Templates {
    templates: BTreeMap<Target, Template>,
    statements: Option<existing::RequiredStatements>,
    bodies: BTreeMap<Target, String>,
}

impl Templates {
    /// The template of a target the plan produces; for the existing bucket's
    /// statements, the bucket policy made of them (as the gate reads them).
    pub fn get(&self, target: Target) -> Option<&Template> {
        self.templates.get(&target)
    }

    /// Puts an edited template in the place of a built one (as a user editing
    /// the output would): the gate then judges the edited one.
    pub fn replace(&mut self, target: Target, template: Template) {
        self.templates.insert(target, template);
    }

    /// A template a StackSet carries, as it carries it (the member, the regional member).
    pub fn body(&self, target: Target) -> Option<&str> {
        self.bodies.get(&target).map(String::as_str)
    }

    fn carried(&self, target: Target) -> Option<Member<'_>> {
        Some(Member {
            template: self.get(target)?,
            body: self.body(target)?,
        })
    }

    /// The statements an existing bucket's and key's policies must contain.
    pub fn statements(&self) -> Option<&existing::RequiredStatements> {
        self.statements.as_ref()
    }
}

fn built(target: Target, result: Result<Template>) -> Result<Template> {
    result.map_err(|e| e.context(format!("while building the {} template", target.title())))
}

/// Builds every template the plan produces; those a StackSet carries first,
/// since the rollout carries them rendered.
pub fn build(plan: &Plan) -> Result<Templates> {
    let mut built_templates = Templates {
        templates: BTreeMap::new(),
        statements: plan
            .produces(Target::CentralStatements)
            .then(|| existing::statements(plan)),
        bodies: BTreeMap::new(),
    };
    for (target, template) in [
        (Target::Member, member::build(plan)),
        (Target::MemberRegional, regional::build(plan)),
    ] {
        if !plan.produces(target) {
            continue;
        }
        let template = built(target, template)?;
        let body = emit::to_compact_json(&template)?;
        limits::inline_template_body(target.path(), &body).map_err(|message| {
            Error::Config(message).context("while building the rollout template")
        })?;
        built_templates.templates.insert(target, template);
        built_templates.bodies.insert(target, body);
    }
    for &target in plan.targets() {
        let template = match target {
            Target::Member | Target::MemberRegional | Target::Runbook => continue,
            Target::Central => built(target, central::build(plan))?,
            Target::CentralStatements => {
                existing::as_template(built_templates.statements.as_ref().expect("made above"))
            }
            Target::Rollout => {
                let member = built_templates
                    .carried(Target::Member)
                    .expect("built above");
                let regional = built_templates.carried(Target::MemberRegional);
                built(target, rollout::build(plan, &member, regional.as_ref()))?
            }
            Target::PermissionSet => built(target, permission_set::build(plan))?,
            Target::Guardrail => built(target, guardrail::build(plan))?,
            Target::Endpoints => built(target, endpoints::build(plan))?,
            Target::Replica => built(target, replica::build(plan))?,
            Target::AuditPolicy => built(target, audit_policy::build(plan))?,
        };
        built_templates.templates.insert(target, template);
    }
    Ok(built_templates)
}

/// Checks a template against AWS's policy size limits, naming it when that fails.
fn within_limits(plan: &Plan, name: &str, template: &Template) -> Result<()> {
    let exceeded = limits::check(template);
    if exceeded.is_empty() {
        return Ok(());
    }
    let mut message = exceeded
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let listed = plan.settings.scope.accounts.len();
    if listed > 0 {
        message.push_str(&format!(
            ". With this configuration at most {} accounts fit in `accounts` (it lists {listed}); \
             admit the rest by organization_id or organization_paths",
            account_capacity(plan)
        ));
    }
    Err(Error::Config(message).context(format!("while checking {name}")))
}

/// How many explicit accounts fit before the first policy outgrows its limit.
/// Policy size grows by the same number of bytes with every account, so two
/// measurements give the line.
pub fn account_capacity(plan: &Plan) -> usize {
    let sizes_with = |count: usize| {
        let mut probe = plan.settings.clone();
        probe.scope.accounts = (0..count)
            .map(|i| {
                format!("{:012}", 100_000_000_000u64 + i as u64)
                    .parse()
                    .expect("12 digits")
            })
            .collect();
        let probe = Plan::new(probe);
        let mut sizes = Vec::new();
        if probe.produces(Target::Central) {
            if let Ok(template) = central::build(&probe) {
                sizes.extend(limits::measure(&template));
            }
        }
        if probe.produces(Target::CentralStatements) {
            let required = existing::statements(&probe);
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

/// The templates `targets` depend on: each one, the templates the rollout
/// carries whenever the rollout is made, and every one for the runbook.
fn checked_targets(plan: &Plan, targets: &[Target]) -> Vec<Target> {
    if targets.contains(&Target::Runbook) {
        return plan.checked_targets();
    }
    let mut checked = targets.to_vec();
    if targets.contains(&Target::Rollout) {
        for carried in [Target::Member, Target::MemberRegional] {
            if plan.produces(carried) && !checked.contains(&carried) {
                checked.push(carried);
            }
        }
    }
    checked
}

/// The size limits, then the rules, on `targets` and what they depend on.
fn gate(plan: &Plan, templates: &Templates, targets: &[Target]) -> Result<()> {
    let checked: Vec<(&str, &Template)> = checked_targets(plan, targets)
        .into_iter()
        .map(|t| {
            (
                t.path(),
                templates.get(t).expect("the plan's targets are built"),
            )
        })
        .collect();
    for (name, template) in &checked {
        within_limits(plan, name, template)?;
    }
    gate::enforce_rules(&checked)
}

/// The text of one target's artefact.
fn render(plan: &Plan, templates: &Templates, target: Target, format: Format) -> Result<String> {
    match target {
        // JSON whatever the format: it is merged into JSON policies.
        Target::CentralStatements => emit::to_json(templates.statements().expect("built")),
        // Markdown whatever the format: it is read.
        Target::Runbook => runbook::render(plan, &runbook_inputs(plan, templates)),
        _ => emit::render(templates.get(target).expect("built"), format),
    }
}

/// The StackSet a CLI input is for: its name, description and the Regions
/// of its stack instances.
fn stack_set(plan: &Plan, target: Target) -> (String, &'static str, Vec<String>) {
    let settings = &plan.settings;
    match target {
        Target::Member => (
            settings.rollout.stack_set_name.to_string(),
            rollout::DESCRIPTION,
            vec![plan.controller_region().to_string()],
        ),
        _ => (
            rollout::regional_name(settings),
            rollout::REGIONAL_DESCRIPTION,
            settings
                .rollout
                .regions
                .iter()
                .map(|r| r.to_string())
                .collect(),
        ),
    }
}

/// What the runbook is made from: the plan's templates, and its StackSets
/// in creation order (the regional one first).
fn runbook_inputs<'a>(plan: &Plan, templates: &'a Templates) -> runbook::Inputs<'a> {
    let stack_sets = [
        (
            Target::MemberRegional,
            CliInput::CreateRegionalStackSet,
            CliInput::CreateRegionalStackInstances,
        ),
        (
            Target::Member,
            CliInput::CreateStackSet,
            CliInput::CreateStackInstances,
        ),
    ]
    .into_iter()
    .filter(|(target, _, _)| plan.produces(*target))
    .map(|(target, create_stack_set, create_stack_instances)| {
        let (name, _, regions) = stack_set(plan, target);
        runbook::StackSetInput {
            template: target,
            name,
            regions,
            create_stack_set,
            create_stack_instances,
        }
    })
    .collect();
    runbook::Inputs {
        templates: plan
            .targets()
            .iter()
            .filter(|t| t.is_template())
            .filter_map(|t| templates.get(*t).map(|template| (*t, template)))
            .collect(),
        stack_sets,
    }
}

fn cli_input(plan: &Plan, templates: &Templates, input: CliInput) -> Result<String> {
    let carried = templates.carried(input.target()).expect("built");
    let (name, description, regions) = stack_set(plan, input.target());
    match input {
        CliInput::CreateStackSet | CliInput::CreateRegionalStackSet => emit::to_json(
            &rollout::create_stack_set_input(plan, &name, description, &carried),
        ),
        CliInput::CreateStackInstances | CliInput::CreateRegionalStackInstances => emit::to_json(
            &rollout::create_stack_instances_input(plan, &name, &regions),
        ),
    }
}

/// Fails with the plan's reason when it produces no such target.
fn produced(plan: &Plan, target: Target) -> Result<()> {
    match plan.refusal(target) {
        Some(reason) => Err(Error::Usage(reason)),
        None => Ok(()),
    }
}

/// The artefacts of `targets` from these templates, checked and rendered.
pub fn artefacts(
    plan: &Plan,
    templates: &Templates,
    targets: &[Target],
    format: Format,
) -> Result<Vec<Artefact>> {
    for &target in targets {
        produced(plan, target)?;
    }
    gate(plan, templates, targets)?;
    targets
        .iter()
        .map(|&target| {
            Ok(Artefact {
                path: target.path().to_owned(),
                text: render(plan, templates, target, format)?,
            })
        })
        .collect()
}

/// One artefact, checked and rendered.
pub fn one(plan: &Plan, target: Target, format: Format) -> Result<String> {
    produced(plan, target)?;
    let templates = build(plan)?;
    Ok(artefacts(plan, &templates, &[target], format)?
        .remove(0)
        .text)
}

/// Every artefact the plan produces, checked, and the StackSet CLI inputs.
pub fn all(plan: &Plan) -> Result<Vec<Artefact>> {
    let templates = build(plan)?;
    let mut artefacts = artefacts(plan, &templates, plan.targets(), Format::Yaml)?;
    for input in plan.cli_inputs() {
        artefacts.push(Artefact {
            path: input.path().to_owned(),
            text: cli_input(plan, &templates, input)?,
        });
    }
    Ok(artefacts)
}

/// Every template `synth all` writes, within AWS's limits and rendered for
/// the rules (which `validate` then evaluates and reports): the existing
/// bucket's statements as the bucket policy made of them.
pub fn documents(plan: &Plan) -> Result<Vec<Document>> {
    let templates = build(plan)?;
    let mut documents = Vec::new();
    for target in plan.checked_targets() {
        let template = templates.get(target).expect("built");
        within_limits(plan, target.path(), template)?;
        documents.push(Document {
            name: target.path().to_owned(),
            content: emit::to_yaml(template)?,
        });
    }
    Ok(documents)
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
        let plan = Plan::new(raw.resolve().unwrap());
        let templates = build(&plan).unwrap();
        assert!(templates.body(Target::Member).unwrap().len() < limits::TEMPLATE_BODY_BYTES);
    }
}
