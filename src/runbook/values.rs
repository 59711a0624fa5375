//! Where a parameter's value comes from: an earlier stack's output of the
//! same name; a value AWS can tell (the organisation's id, the Identity
//! Center instance), looked up in the step itself; or the user, as a
//! placeholder. Anything else is a template the runbook has not learnt.

use super::model::{Arg, Command, Place, Placeholder};
use super::Book;
use crate::cfn::template::ParameterType;
use crate::cfn::Parameter;
use crate::error::{Error, Result};
use crate::names::wiring;
use crate::plan::Target;
use crate::stacks::{central, permission_set, rollout};

/// `BucketKeyArn` → `BUCKET_KEY_ARN`.
pub fn shell_name(name: &str) -> String {
    words(name).join("_").to_uppercase()
}

/// `RouteTableIds` → `["Route", "Table", "Ids"]`.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        match words.last_mut() {
            Some(word) if !c.is_ascii_uppercase() => word.push(c),
            _ => words.push(c.to_string()),
        }
    }
    words
}

/// The OUs the rollout (and the guardrail) target, when the configuration names none.
pub fn ou_ids() -> Placeholder {
    Placeholder::new(
        "OU ids",
        "the OUs (`ou-…`) or the root (`r-…`) whose accounts get logging, comma-separated; `rollout.organizational_unit_ids` in `smlog.yaml` fills this in for you",
    )
}

pub fn delegated_administrator() -> Placeholder {
    Placeholder::new(
        "delegated administrator account id",
        "the 12-digit id of the member account that runs the rollout (`rollout.call_as: DELEGATED_ADMIN`)",
    )
}

pub fn member_role() -> Placeholder {
    Placeholder::new(
        "member admin role",
        "a role `smlog verify` may assume in every member account: `OrganizationAccountAccessRole` in accounts AWS Organizations created, `AWSControlTowerExecution` under Control Tower",
    )
}

pub fn identity_center_region() -> Placeholder {
    Placeholder::new(
        "Identity Center Region",
        "the Region of your IAM Identity Center instance",
    )
}

pub fn template_bucket() -> Placeholder {
    Placeholder::new(
        "template bucket",
        "an S3 bucket of yours in the step's account and Region: CloudFormation takes a template over 51,200 bytes only from S3, and `aws cloudformation deploy` uploads it there",
    )
}

pub fn vpc_region() -> Placeholder {
    Placeholder::new("VPC Region", "the VPC's Region")
}

/// A VPC's value, for the endpoints stack: named after its parameter and
/// described by it.
pub fn vpc_value(name: &str, parameter: &Parameter) -> Placeholder {
    let list = matches!(
        parameter.kind,
        ParameterType::CommaDelimitedList | ParameterType::SubnetIds
    ) && !parameter.description.contains("comma-separated");
    let words: Vec<String> = words(name).iter().map(|w| w.to_lowercase()).collect();
    Placeholder::new(
        words.join(" "),
        format!(
            "{}{}",
            parameter.description,
            if list { " (comma-separated)" } else { "" }
        ),
    )
}

/// The central stack's outputs `smlog verify` takes as flags, when this
/// deployment made them: what it checks against, whatever the configuration
/// says (a multi-Region key's ARN stands for its replica in every Region).
pub const VERIFY_FLAGS: [(&str, &str); 3] = [
    (wiring::BUCKET_NAME, "bucket-name"),
    (wiring::BUCKET_KEY_ARN, "bucket-key-arn"),
    (wiring::SESSION_KEY_ARN, "session-key-arn"),
];

impl Book<'_> {
    /// What a deploy passes for a parameter: an earlier output of the same
    /// name when there is one; else, for a parameter without a default, `value`.
    pub(super) fn passed(
        &mut self,
        target: Target,
        name: &str,
        parameter: &Parameter,
        place: &Place,
    ) -> Result<Option<(Vec<Command>, Arg)>> {
        if let Some(variable) = self.known.get(name) {
            return Ok(Some((Vec::new(), Arg::Var(variable.clone()))));
        }
        if parameter.default.is_some() {
            return Ok(None);
        }
        self.value(target, name, parameter, place).map(Some)
    }

    /// The value of a parameter without a default of `target`'s template,
    /// with the commands that look it up first (if any).
    pub(super) fn value(
        &mut self,
        target: Target,
        name: &str,
        parameter: &Parameter,
        place: &Place,
    ) -> Result<(Vec<Command>, Arg)> {
        if let Some(variable) = self.known.get(name) {
            return Ok((Vec::new(), Arg::Var(variable.clone())));
        }
        let lookup = match name {
            central::ORGANIZATION_ID => Command::aws("organizations", "describe-organization")
                .region(place)
                .flag("query", "Organization.Id"),
            permission_set::INSTANCE_ARN => Command::aws("sso-admin", "list-instances")
                .region(place)
                .flag("query", "Instances[0].InstanceArn"),
            rollout::ORGANIZATIONAL_UNIT_IDS => return Ok((Vec::new(), Arg::Blank(ou_ids()))),
            _ if target == Target::Endpoints => {
                return Ok((Vec::new(), Arg::Blank(vpc_value(name, parameter))))
            }
            _ => {
                return Err(Error::Internal(format!(
                    "the runbook cannot fill parameter {name} of {}: no earlier stack outputs it and nothing says where its value comes from",
                    target.path()
                )))
            }
        };
        let variable = shell_name(name);
        self.known.insert(name.to_owned(), variable.clone());
        Ok((
            vec![lookup.flag("output", "text").into_var(&variable)],
            Arg::Var(variable),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words_at_capitals() {
        assert_eq!(shell_name("BucketKeyArn"), "BUCKET_KEY_ARN");
        assert_eq!(shell_name("OrganizationId"), "ORGANIZATION_ID");
        let subnets = Parameter::new(ParameterType::SubnetIds, "One subnet per zone");
        let placeholder = vpc_value("SubnetIds", &subnets);
        assert_eq!(placeholder.text(), "<subnet ids>");
        assert_eq!(placeholder.meaning, "One subnet per zone (comma-separated)");
    }
}
