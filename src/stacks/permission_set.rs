//! The operators' IAM Identity Center permission set, for the management (or
//! Identity Center delegated-administrator) account. Identity Center users
//! reach accounts through `AWSReservedSSO_*` roles, which no policy can be
//! attached to; a permission set carries the operator policy to them instead.

use super::{finish, operators, session_key, Holder};
use crate::cfn::sso::PermissionSet;
use crate::cfn::{Output, Parameter, Template, Value};
use crate::error::Result;
use crate::names::logical::PERMISSION_SET;
use crate::plan::Plan;

pub const INSTANCE_ARN: &str = "InstanceArn";
/// The permission set's name, and so of the roles Identity Center makes.
pub const NAME: &str = "SessionManagerOperator";
const SESSION_DURATION: &str = "PT4H";

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog operator permission set: IAM Identity Center access to start logged Session Manager sessions",
    );
    template.parameter(
        INSTANCE_ARN,
        Parameter::string(
            "The IAM Identity Center instance (aws sso-admin list-instances --query 'Instances[0].InstanceArn')",
        )
        .pattern(
            "^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$",
            "an Identity Center instance ARN: arn:PARTITION:sso:::instance/ssoins-…",
        ),
    );
    session_key::parameters(&mut template, settings);
    if settings.session_key.is_multi_region() {
        let central_account = settings.member.central_account_id.as_ref();
        super::wiring::central_account_id(&mut template, central_account.map(|a| a.to_string()));
    }
    template.resource(
        PERMISSION_SET,
        PermissionSet {
            name: NAME.to_owned(),
            description:
                "smlog: start Session Manager sessions that are logged; resume and end one's own"
                    .to_owned(),
            instance_arn: Value::reference(INSTANCE_ARN),
            session_duration: SESSION_DURATION.to_owned(),
            inline_policy: operators::policy_document(settings, Holder::AssignedAccount),
        },
    );
    template.output(
        "PermissionSetArn",
        Output::new(
            "Assign it to operators' groups for the accounts they may reach (AWS::SSO::Assignment or the console)",
            Value::get_att(PERMISSION_SET, "PermissionSetArn"),
        ),
    );
    finish(template, "operator permission set")
}
