//! The runbook's last steps: the guardrail SCP on the rollout's OUs, the
//! operators' permission set, the audit's policies, the endpoints stack of
//! each private VPC, and `smlog verify`.

use super::model::{Account, Arg, Command, Place, Step};
use super::{values, Book, Deploy};
use crate::cfn::template::ParameterType;
use crate::error::{Error, Result};
use crate::names::wiring;
use crate::plan::Target;

impl Book<'_> {
    pub(super) fn permission_set(&mut self) -> Result<()> {
        if !self.plan.produces(Target::PermissionSet) {
            return Ok(());
        }
        let mut step = self.deploy(Deploy {
            title: "The operators' permission set".to_owned(),
            account: Account::IdentityCenter,
            place: Place::Chosen(values::identity_center_region()),
            target: Target::PermissionSet,
            stack: Arg::Text(self.stack_name("operator-permission-set")),
            overrides: Vec::new(),
        })?;
        step.notes.push("For operators who sign in through IAM Identity Center. Then assign the permission set `SessionManagerOperator` to their groups for the accounts they may reach (the console, or `aws sso-admin create-account-assignment`).".to_owned());
        self.steps.push(step);
        Ok(())
    }

    /// The read-only policies of `smlog audit`, where the audit runs; the
    /// same stack goes into every account the audit reaches.
    pub(super) fn audit_policy(&mut self) -> Result<()> {
        if !self.plan.produces(Target::AuditPolicy) {
            return Ok(());
        }
        let mut step = self.deploy(Deploy {
            title: "The audit's read-only policies".to_owned(),
            account: Account::Management,
            place: self.home(),
            target: Target::AuditPolicy,
            stack: Arg::Text(self.stack_name("audit-policy")),
            overrides: Vec::new(),
        })?;
        step.notes.push("For `smlog audit`, which runs here: `organizations:ListAccounts` answers only in the management account (or an Organizations delegated administrator, if you audit from there). Attach `smlog-session-audit` to whoever runs the audit.".to_owned());
        step.notes.push("Then run the same command in every account the audit reaches (one Region each: the policy names are fixed), with that account's credentials, and attach `smlog-session-audit-member` there to the role `--assume-role` names (`AuditRoleName` in the template), whose trust policy must admit the auditor.".to_owned());
        self.steps.push(step);
        Ok(())
    }

    /// Service control policies enabled on the root (once), then the guardrail's stack.
    pub(super) fn guardrail(&mut self) -> Result<()> {
        if !self.plan.produces(Target::Guardrail) {
            return Ok(());
        }
        let home = self.home();
        self.steps.push(
            Step::new("Allow service control policies (once)", Account::Management, home.clone())
                .note("An organisation that already uses SCPs answers the second command with PolicyTypeAlreadyEnabledException: go on.")
                .command(
                    Command::aws("organizations", "list-roots")
                        .region(&home)
                        .flag("query", "Roots[0].Id")
                        .flag("output", "text")
                        .into_var("ROOT_ID"),
                )
                .command(
                    Command::aws("organizations", "enable-policy-type")
                        .region(&home)
                        .flag("root-id", Arg::Var("ROOT_ID".to_owned()))
                        .flag("policy-type", "SERVICE_CONTROL_POLICY"),
                ),
        );
        let mut step = self.deploy(Deploy {
            title: "The guardrail".to_owned(),
            account: Account::Management,
            place: home,
            target: Target::Guardrail,
            stack: Arg::Text(self.stack_name("guardrail")),
            overrides: Vec::new(),
        })?;
        step.notes.push("A service control policy attached to the rollout's OUs: member administrators cannot switch logging off or change smlog's policies, its stack or its controller. SCPs never apply to the management account.".to_owned());
        self.steps.push(step);
        Ok(())
    }

    /// One stack per VPC, every parameter the VPC's own.
    pub(super) fn endpoints(&mut self) -> Result<()> {
        if !self.plan.produces(Target::Endpoints) {
            return Ok(());
        }
        let template = self.template(Target::Endpoints)?;
        let Some((name, vpc)) = template
            .parameters()
            .find(|(_, p)| p.kind == ParameterType::VpcId)
        else {
            return Err(Error::Internal(
                "the endpoints template has no VPC parameter".to_owned(),
            ));
        };
        let vpc = values::vpc_value(name, vpc);
        let place = Place::Chosen(values::vpc_region());
        // Private DNS needs both; the stack cannot set them.
        let dns = ["enable-dns-support", "enable-dns-hostnames"].map(|attribute| {
            Command::aws("ec2", "modify-vpc-attribute")
                .region(&place)
                .flag("vpc-id", Arg::Blank(vpc.clone()))
                .flag(attribute, "Value=true")
        });
        // Every parameter the VPC's own, those without a default and its route tables.
        let overrides = template
            .parameters()
            .map(|(name, parameter)| {
                (
                    name.to_owned(),
                    Arg::Blank(values::vpc_value(name, parameter)),
                )
            })
            .collect();
        let mut step = self.deploy(Deploy {
            title: "The endpoints of each VPC whose nodes have no internet route".to_owned(),
            account: Account::VpcOwner,
            place,
            target: Target::Endpoints,
            stack: Arg::Joined(vec![
                Arg::text(format!("{}-", self.stack_name("endpoints"))),
                Arg::Blank(vpc),
            ]),
            overrides,
        })?;
        step.commands.splice(0..0, dns);
        step.notes.push("Once per VPC, in its account and Region: interface endpoints for Session Manager and KMS (and CloudWatch Logs when it is on), admitting HTTPS from the VPC's IPv4 blocks only, and an S3 gateway endpoint in its route tables. The first commands turn on the VPC's DNS support and DNS hostnames, without which the endpoints' private DNS names do not resolve. A gateway endpoint reaches S3 in its own Region only: nodes in another Region than the bucket's need a route to the bucket's Region.".to_owned());
        self.steps.push(step);
        Ok(())
    }

    /// `smlog verify`: every member account from the management account, then
    /// the central account's view; what the configuration does not say about
    /// the bucket and keys comes from the central stack's outputs.
    pub(super) fn verify(&mut self) {
        let home = self.home();
        let given = |outputs: &[&str]| -> Vec<(&'static str, Arg)> {
            values::VERIFY_FLAGS
                .iter()
                .filter(|(output, _)| outputs.contains(output))
                .filter_map(|(output, flag)| {
                    let variable = self.known.get(*output)?;
                    Some((*flag, Arg::Var(variable.clone())))
                })
                .collect()
        };
        let mut members = Command::smlog("verify")
            .flag("accounts", "all")
            .flag("assume-role", Arg::Blank(values::member_role()));
        for (flag, value) in given(&[
            wiring::BUCKET_NAME,
            wiring::BUCKET_KEY_ARN,
            wiring::SESSION_KEY_ARN,
        ]) {
            members = members.flag(flag, value);
        }
        let mut central = Command::smlog("verify").switch("central");
        for (flag, value) in given(&[wiring::BUCKET_NAME]) {
            central = central.flag(flag, value);
        }
        let regions = Place::Rollout(self.plan.settings.rollout.regions.clone());
        self.steps.push(
            Step::new("Check every member account", Account::Management, regions)
                .note("Each account's preferences in every Region of the rollout, its agent policy and where it is attached, and the bucket's encryption; exit code 1 names what failed.")
                .command(members),
        );
        self.steps.push(
            Step::new("Check the central account", Account::Central, home.clone())
                .note("Which accounts and Regions have delivered session logs, and which are silent (every one, until someone starts a session and ends it); with an existing bucket, also the merged policies, statement by statement.")
                .command(central.region(&home)),
        );
    }
}
