//! The Session Manager logging domain: pure functions from checked settings
//! to templates. Nothing here reads files, renders text or checks rules.

pub mod audit_policy;
pub mod central;
pub mod cloudwatch;
pub mod controller;
pub mod endpoints;
pub mod existing;
pub mod guardrail;
pub mod member;
pub mod operators;
pub mod permission_set;
pub mod preferences;
pub mod regional;
pub mod replica;
pub mod rollout;
pub mod session_key;

use crate::cfn::kms::Key;
use crate::cfn::{
    DanglingReference, PolicyDocument, Principal, Resource, Statement, Template, Value,
};
use crate::error::Error;

/// Every call that changes the preferences document (guardrail and operator denies).
pub const PREFERENCES_CHANGES: [&str; 4] = [
    "ssm:CreateDocument",
    "ssm:UpdateDocument",
    "ssm:UpdateDocumentDefaultVersion",
    "ssm:DeleteDocument",
];

/// Whose resources an identity policy names: those of the account its stack
/// is in, or, for an Identity Center permission set assigned to many
/// accounts, those of whichever account the role it becomes lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    ThisAccount,
    AssignedAccount,
}

impl Holder {
    /// The account part of the ARNs the policy names. IAM takes no policy
    /// variable before an ARN's fifth colon, so a permission set names any
    /// account and narrows it by condition ([`Holder::own_account_only`]).
    pub fn account(self) -> &'static str {
        match self {
            Holder::ThisAccount => "${AWS::AccountId}",
            Holder::AssignedAccount => "*",
        }
    }

    /// Confines a statement to the holder's own account where its ARNs do not.
    pub fn own_account_only(self, statement: Statement) -> Statement {
        match self {
            Holder::ThisAccount => statement,
            Holder::AssignedAccount => statement.condition(
                "StringEquals",
                "aws:ResourceAccount",
                "${aws:PrincipalAccount}",
            ),
        }
    }
}

/// Keeps the key's own account (and so its IAM policies) in control of a key.
pub(crate) fn root_administration() -> Statement {
    Statement::allow("EnableAccountAdministration")
        .principal(Principal::Aws(vec![Value::sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
        )]))
        .actions(&["kms:*"])
        .resource("*")
}

/// A symmetric customer-managed key with rotation on and a 30-day deletion window.
pub(crate) fn rotated_key(description: &str, statements: Vec<Statement>) -> Key {
    Key {
        description: description.to_owned(),
        enable_key_rotation: true,
        rotation_period_in_days: None,
        pending_window_in_days: Some(30),
        multi_region: None,
        key_policy: PolicyDocument::new(statements),
        tags: Vec::new(),
    }
}

/// The tags a session key needs: just-in-time node access and RDP recording
/// use only keys tagged for them (AWS's managed token policies condition
/// `kms:GenerateDataKey` and `kms:CreateGrant` on the tag).
pub(crate) fn just_in_time_tags(settings: &crate::config::Settings) -> Vec<crate::cfn::kms::Tag> {
    let (key, value) = crate::names::resource::JUST_IN_TIME_TAG;
    if settings.session.tags_keys_for_just_in_time() {
        vec![crate::cfn::kms::Tag::new(key, value)]
    } else {
        Vec::new()
    }
}

/// A resource that holds data (logs, keys, preferences) outlives its stack.
pub(crate) fn holding_data(resource: impl Into<Resource>) -> Resource {
    resource.into().retained()
}

/// A finished template: every reference resolves, or smlog has a bug.
pub(crate) fn finish(template: Template, name: &str) -> crate::error::Result<Template> {
    template.verified().map_err(|dangling: DanglingReference| {
        Error::Internal(format!(
            "the {name} template has a dangling reference: {dangling}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::kms::Alias;

    #[test]
    fn a_template_with_a_dangling_reference_does_not_leave_the_builder() {
        let mut template = Template::new("d");
        template.resource(
            "Alias",
            Alias {
                alias_name: "alias/x".into(),
                target_key_id: Value::reference("KeyThatIsNotThere"),
            },
        );
        let error = finish(template, "test").unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::INTERNAL);
        assert_eq!(
            error.to_string(),
            "internal error: the test template has a dangling reference: Resources.Alias: Ref names \"KeyThatIsNotThere\", which the template does not define"
        );
    }
}
