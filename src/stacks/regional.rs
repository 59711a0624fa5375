//! The regional member stack: what must exist in every account *and* Region
//! and cannot be written from the controller's Region by API without
//! becoming data the stack does not own: per-account session keys and the
//! session log groups' keys. No code, no IAM: only keys, retained with the
//! logs they encrypt, and their aliases, which go with the stack. Made only
//! when a configuration needs one of them.

use super::{
    cloudwatch, finish, holding_data, just_in_time_tags, root_administration, rotated_key,
};
use crate::cfn::kms::Alias;
use crate::cfn::{Template, Value};
use crate::config::SessionKey;
use crate::error::Result;
use crate::names::logical::{MEMBER_SESSION_KEY, SESSION_KEY_ALIAS};
use crate::names::resource;
use crate::plan::Plan;

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog regional member stack: the KMS keys an account needs in every Region (session encryption per account, the session log group)",
    );
    if settings.session_key == SessionKey::PerAccount {
        // The account's own IAM policies (agent, operators) grant its use.
        let mut key = rotated_key(
            "smlog: encrypts Session Manager session data in this account and Region",
            vec![root_administration()],
        );
        key.tags = just_in_time_tags(settings);
        template.resource(MEMBER_SESSION_KEY, holding_data(key));
        // The key outlives the stack; its alias goes with it, so a stack made
        // again (an account added back) can name its new key the same way.
        template.resource(
            SESSION_KEY_ALIAS,
            Alias {
                alias_name: resource::SESSION_KEY_ALIAS.into(),
                target_key_id: Value::reference(MEMBER_SESSION_KEY),
            },
        );
    }
    if let Some(cloudwatch) = &settings.cloudwatch {
        cloudwatch::add_key(&mut template, cloudwatch);
    }
    finish(template, "regional member")
}
