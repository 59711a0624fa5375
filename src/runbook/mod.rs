//! The deployment runbook (`DEPLOY.md`): every command of this
//! configuration's deployment, in order, each with the account and Region
//! it runs in. Built from the plan and the templates `synth all` writes
//! beside it: a deploy passes its template's parameters without a default,
//! each from an earlier stack's output of the same name (captured into a
//! shell variable), a value AWS can tell, or the user (a `<placeholder>`).
//! A parameter with a default (the configuration's value) is passed only
//! when this deployment made its value (an earlier stack's output of that
//! name: a key's ARN is known only once the key exists) or where the step
//! must (the session key's primary in its replicas' Regions, a VPC's route
//! tables). A parameter without a default that nothing can fill is a bug,
//! and fails the build.

mod central;
mod estate;
pub mod markdown;
pub mod model;
mod rollout;
mod values;

use crate::cfn::Template;
use crate::emit;
use crate::error::{Error, Result};
use crate::gate::limits;
use crate::names::wiring;
use crate::plan::{CliInput, Plan, Target};
use model::{Account, Arg, Command, Place, Runbook, Step};
use std::collections::{BTreeMap, BTreeSet};

/// A StackSet the CLI inputs create, as `synth all` writes them.
#[derive(Debug, Clone)]
pub struct StackSetInput {
    /// The template the StackSet deploys.
    pub template: Target,
    pub name: String,
    /// Where its stack instances go.
    pub regions: Vec<String>,
    pub create_stack_set: CliInput,
    pub create_stack_instances: CliInput,
}

/// What the runbook is built from: the templates the plan produces, and its
/// StackSets in the order they must be created.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub templates: BTreeMap<Target, &'a Template>,
    pub stack_sets: Vec<StackSetInput>,
}

/// The runbook of a plan.
pub fn build(plan: &Plan, inputs: &Inputs) -> Result<Runbook> {
    let mut book = Book::new(plan, inputs);
    book.trusted_access();
    book.replica()?;
    book.central()?;
    book.existing_bucket();
    book.rollout()?;
    book.management_account()?;
    book.guardrail()?;
    book.permission_set()?;
    book.audit_policy()?;
    book.endpoints()?;
    book.verify();
    Ok(Runbook { steps: book.steps })
}

/// The runbook of a plan, as Markdown.
pub fn render(plan: &Plan, inputs: &Inputs) -> Result<String> {
    Ok(markdown::render(&build(plan, inputs)?))
}

/// A stack the runbook deploys with `aws cloudformation deploy`.
struct Deploy {
    title: String,
    account: Account,
    place: Place,
    target: Target,
    stack: Arg,
    /// Parameters passed although they have a default, with their values.
    overrides: Vec<(String, Arg)>,
}

/// The runbook under construction.
struct Book<'a> {
    plan: &'a Plan,
    inputs: &'a Inputs<'a>,
    steps: Vec<Step>,
    /// Output (or looked-up value) name → the shell variable holding it.
    known: BTreeMap<String, String>,
    /// Outputs a later step or `verify` needs.
    wanted: BTreeSet<String>,
}

impl<'a> Book<'a> {
    fn new(plan: &'a Plan, inputs: &'a Inputs<'a>) -> Book<'a> {
        // Every parameter an earlier stack can fill, and what verify checks against.
        let mut wanted: BTreeSet<String> = inputs
            .templates
            .values()
            .flat_map(|t| t.parameters())
            .map(|(name, _)| name.to_owned())
            .collect();
        wanted.extend(
            values::VERIFY_FLAGS
                .iter()
                .map(|(output, _)| (*output).to_owned()),
        );
        if plan.settings.session_key.is_multi_region() {
            // The other Regions' central stacks name the home Region's key.
            wanted.insert(wiring::SESSION_KEY_ARN.to_owned());
        }
        Book {
            plan,
            inputs,
            steps: Vec::new(),
            known: BTreeMap::new(),
            wanted,
        }
    }

    fn template(&self, target: Target) -> Result<&'a Template> {
        self.inputs.templates.get(&target).copied().ok_or_else(|| {
            Error::Internal(format!(
                "the runbook needs the {} template, which was not built",
                target.title()
            ))
        })
    }

    fn home(&self) -> Place {
        Place::Region(self.plan.settings.home_region.clone())
    }

    /// The name of one of the deployment's stacks: the StackSet's, suffixed.
    fn stack_name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.plan.settings.rollout.stack_set_name)
    }

    /// `aws cloudformation deploy` of a template: every parameter without a
    /// default, and every one an earlier stack outputs, filled, and the
    /// step's overrides; then the outputs later steps need, captured.
    fn deploy(&mut self, deploy: Deploy) -> Result<Step> {
        let template = self.template(deploy.target)?;
        let mut step = Step::new(deploy.title, deploy.account, deploy.place.clone());
        let mut overrides = Vec::new();
        for (name, parameter) in template.parameters() {
            let given = deploy.overrides.iter().find(|(n, _)| n == name);
            let value = match given {
                Some((_, value)) => value.clone(),
                None => match self.passed(deploy.target, name, parameter, &deploy.place)? {
                    Some((setup, value)) => {
                        step.commands.extend(setup);
                        value
                    }
                    None => continue,
                },
            };
            overrides.push(Arg::pair(format!("{name}="), value));
        }
        let mut command = Command::aws("cloudformation", "deploy")
            .region(&deploy.place)
            .flag("stack-name", deploy.stack.clone())
            .flag("template-file", deploy.target.path());
        if emit::to_yaml(template)?.len() > limits::TEMPLATE_BODY_BYTES {
            command = command.flag("s3-bucket", Arg::Blank(values::template_bucket()));
        }
        let capabilities = template.capabilities();
        if !capabilities.is_empty() {
            command = command.flag_values(
                "capabilities",
                capabilities.into_iter().map(Arg::from).collect(),
            );
        }
        if !overrides.is_empty() {
            command = command.flag_values("parameter-overrides", overrides);
        }
        step.commands
            .push(command.switch("no-fail-on-empty-changeset"));
        self.capture_outputs(&mut step, template, &deploy.stack, &deploy.place);
        Ok(step)
    }

    /// Reads the outputs some later step needs into shell variables.
    fn capture_outputs(
        &mut self,
        step: &mut Step,
        template: &Template,
        stack: &Arg,
        place: &Place,
    ) {
        for name in template.outputs().map(|(name, _)| name) {
            if !self.wanted.contains(name) || self.known.contains_key(name) {
                continue;
            }
            let variable = values::shell_name(name);
            step.commands.push(
                Command::aws("cloudformation", "describe-stacks")
                    .region(place)
                    .flag("stack-name", stack.clone())
                    .flag(
                        "query",
                        format!("Stacks[0].Outputs[?OutputKey=='{name}'].OutputValue"),
                    )
                    .flag("output", "text")
                    .into_var(&variable),
            );
            self.known.insert(name.to_owned(), variable);
        }
    }

    /// The account that drives the StackSets.
    fn stack_set_administrator(&self) -> Account {
        match self.plan.settings.rollout.call_as {
            crate::config::CallAs::SelfAccount => Account::Management,
            crate::config::CallAs::DelegatedAdmin => Account::DelegatedAdministrator,
        }
    }

    /// `--call-as DELEGATED_ADMIN` on StackSet calls, when the configuration says so.
    fn called_as(&self, command: Command) -> Command {
        match self.plan.settings.rollout.call_as {
            crate::config::CallAs::SelfAccount => command,
            crate::config::CallAs::DelegatedAdmin => command.flag("call-as", "DELEGATED_ADMIN"),
        }
    }
}
