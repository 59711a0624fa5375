//! The runbook's rollout: the service-managed StackSets from the CLI inputs
//! (the regional one first), the rollout stack as the one-command
//! alternative, and the management account's own stacks, where StackSets
//! never deploy.

use super::model::{Account, Arg, Command, Place, Step};
use super::{values, Book, Deploy, StackSetInput};
use crate::error::Result;
use crate::plan::Target;

impl Book<'_> {
    pub(super) fn rollout(&mut self) -> Result<()> {
        let first = self.steps.len() + 1;
        let inputs = self.inputs;
        for input in &inputs.stack_sets {
            let step = self.stack_set(input)?;
            self.steps.push(step);
        }
        let last = self.steps.len();
        let steps = if first == last {
            format!("step {first}")
        } else {
            format!("steps {first}–{last}")
        };
        let mut step = self.deploy(Deploy {
            title: format!("Or, instead of {steps}: the rollout stack"),
            account: self.stack_set_administrator(),
            place: self.home(),
            target: Target::Rollout,
            stack: Arg::Text(self.stack_name("rollout")),
            overrides: Vec::new(),
        })?;
        step.notes.push(format!(
            "The same StackSets held by one stack: a single command, and later changes by deploying it again. Take this step or {steps}, not both: they create the same StackSets."
        ));
        self.steps.push(step);
        Ok(())
    }

    /// Creates one StackSet from its CLI input, its stack instances in the
    /// rollout's OUs, and checks the operation.
    fn stack_set(&mut self, input: &StackSetInput) -> Result<Step> {
        let home = self.home();
        let template = self.template(input.template)?;
        let mut step = Step::new(
            format!("The StackSet `{}`", input.name),
            self.stack_set_administrator(),
            home.clone(),
        );
        let mut parameters = Vec::new();
        for (name, parameter) in template.parameters() {
            let Some((setup, value)) = self.passed(input.template, name, parameter, &home)? else {
                continue;
            };
            step.commands.extend(setup);
            parameters.push(Arg::pair(
                format!("ParameterKey={name},ParameterValue="),
                value,
            ));
        }
        let mut create = self
            .called_as(Command::aws("cloudformation", "create-stack-set").region(&home))
            .flag(
                "cli-input-json",
                format!("file://{}", input.create_stack_set.path()),
            );
        if !parameters.is_empty() {
            create = create.flag_values("parameters", parameters);
        }
        step.commands.push(create);
        let operation = values::shell_name(&format!(
            "{}OperationId",
            if input.template == Target::Member {
                "Member"
            } else {
                "Regional"
            }
        ));
        let instances = self
            .called_as(Command::aws("cloudformation", "create-stack-instances").region(&home))
            .flag(
                "cli-input-json",
                format!("file://{}", input.create_stack_instances.path()),
            )
            .flag("deployment-targets", self.deployment_targets())
            .flag_values(
                "regions",
                input
                    .regions
                    .iter()
                    .map(|r| Arg::text(r.as_str()))
                    .collect(),
            )
            .flag("query", "OperationId")
            .flag("output", "text")
            .into_var(&operation);
        step.commands.push(instances);
        let status = self
            .called_as(Command::aws("cloudformation", "describe-stack-set-operation").region(&home))
            .flag("stack-set-name", input.name.as_str())
            .flag("operation-id", Arg::Var(operation))
            .flag("query", "StackSetOperation.Status")
            .flag("output", "text");
        step.commands.push(status);
        step.notes.push(match input.template {
            Target::MemberRegional => "The keys every account needs in each Region of the rollout. The member StackSet's controllers look them up, so this StackSet goes first.".to_owned(),
            _ => "One stack per account, in the controller Region: the account's controller writes the preferences in every Region of the rollout.".to_owned(),
        });
        step.notes.push("The last command prints the operation's status: run it again until it prints SUCCEEDED before you go on (on FAILED, `aws cloudformation list-stack-instances` says which instance failed and why). Auto-deployment then gives accounts that join these OUs their stacks.".to_owned());
        Ok(step)
    }

    /// `OrganizationalUnitIds=…`, less the excluded accounts.
    fn deployment_targets(&self) -> Arg {
        let rollout = &self.plan.settings.rollout;
        let ous = if rollout.organizational_unit_ids.is_empty() {
            Arg::Blank(values::ou_ids())
        } else {
            Arg::text(
                rollout
                    .organizational_unit_ids
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        };
        let mut parts = vec![Arg::text("OrganizationalUnitIds="), ous];
        if !rollout.excluded_accounts.is_empty() {
            let accounts: Vec<&str> = rollout
                .excluded_accounts
                .iter()
                .map(|a| a.as_str())
                .collect();
            parts.push(Arg::text(format!(
                ",Accounts={},AccountFilterType=DIFFERENCE",
                accounts.join(",")
            )));
        }
        Arg::Joined(parts)
    }

    /// StackSets never deploy to the management account: its own stacks,
    /// the regional one in every Region first.
    pub(super) fn management_account(&mut self) -> Result<()> {
        let settings = &self.plan.settings;
        let regions = settings.rollout.regions.clone();
        let controller = settings.member.controller_region.clone();
        if self.plan.produces(Target::MemberRegional) {
            for region in regions {
                let mut step = self.deploy(Deploy {
                    title: format!("The management account's own regional stack in {region}"),
                    account: Account::Management,
                    place: Place::Region(region),
                    target: Target::MemberRegional,
                    stack: Arg::Text(self.stack_name("regional")),
                    overrides: Vec::new(),
                })?;
                step.notes.push("Only if nodes in the management account should log their sessions (StackSets never deploy there): its keys in every Region of the rollout, before its member stack.".to_owned());
                self.steps.push(step);
            }
        }
        let mut step = self.deploy(Deploy {
            title: "The management account's own member stack".to_owned(),
            account: Account::Management,
            place: Place::Region(controller),
            target: Target::Member,
            stack: Arg::Text(self.stack_name("member")),
            overrides: Vec::new(),
        })?;
        step.notes.push("Only if nodes in the management account should log their sessions: StackSets never deploy to it. The same member template as a plain stack, in the controller Region.".to_owned());
        self.steps.push(step);
        Ok(())
    }
}
