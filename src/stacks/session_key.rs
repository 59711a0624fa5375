//! The session key as member stacks see it: the central account's key (a
//! parameter), or with `session.key_placement: per-account` a key of the
//! member account's own in every Region, which only that account's IAM
//! policies can grant; or, when the central key serves several Regions, its
//! replica in the member's Region, found by the shared `mrk-` id.

use super::multi_region::{CENTRAL_ACCOUNT_ID, SESSION_KEY_ID};
use super::{holding_data, root_administration, rotated_key, wiring, SESSION_KEY_ALIAS};
use crate::cfn::kms::Alias;
use crate::cfn::{Parameter, Statement, Template, Value};
use crate::config::{KeyPlacement, Settings};
use crate::ids::KMS_KEY_ARN_PATTERN;

pub const MEMBER_SESSION_KEY: &str = "SessionKey";

fn per_account(settings: &Settings) -> bool {
    settings.session.key_placement == KeyPlacement::PerAccount
}

/// The parameter(s) for the central key, or the member's own key and alias.
pub fn add(template: &mut Template, settings: &Settings) {
    if settings.multi_region_session_key() {
        template.parameter(
            SESSION_KEY_ID,
            Parameter::string(
                "Id of the multi-Region session key (central stack output SessionKeyId)",
            )
            .pattern(
                "^mrk-[0-9a-f]{32}$",
                "a multi-Region key id: mrk- and 32 hexadecimal digits",
            ),
        );
        template.parameter(
            CENTRAL_ACCOUNT_ID,
            Parameter::string("The central account (central stack output CentralAccountId)")
                .pattern("^[0-9]{12}$", "a 12-digit account id"),
        );
        return;
    }
    if !per_account(settings) {
        template.parameter(
            wiring::SESSION_KEY_ARN,
            Parameter::string("ARN of the session KMS key (central stack output SessionKeyArn)")
                .default_opt(
                    settings
                        .member
                        .session_key_arn
                        .as_ref()
                        .map(|k| k.to_string()),
                )
                .pattern(
                    KMS_KEY_ARN_PATTERN,
                    "a full KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias",
                ),
        );
        return;
    }
    template.resource(
        MEMBER_SESSION_KEY,
        // The account's own IAM policies (agent, operators) grant its use.
        holding_data(rotated_key(
            "smlog: encrypts Session Manager session data in this account and Region",
            vec![root_administration()],
        )),
    );
    template.resource(
        "SessionKeyAlias",
        Alias {
            alias_name: SESSION_KEY_ALIAS.into(),
            target_key_id: Value::reference(MEMBER_SESSION_KEY),
        },
    );
}

/// The key the preferences name (`kmsKeyId`) in this account and Region.
pub fn arn(settings: &Settings) -> Value<String> {
    if settings.multi_region_session_key() {
        return Value::sub(format!(
            "arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{{CENTRAL_ACCOUNT_ID}}}:key/${{{SESSION_KEY_ID}}}"
        ));
    }
    if per_account(settings) {
        Value::get_att(MEMBER_SESSION_KEY, "Arn")
    } else {
        Value::reference(wiring::SESSION_KEY_ARN)
    }
}

/// Points an IAM statement at the session key. IAM policies are created in
/// one Region only, so per-account keys are named by their alias in every Region.
pub fn grant(settings: &Settings, statement: Statement) -> Statement {
    if settings.multi_region_session_key() {
        // The replicas share the primary's id: one ARN pattern names them all.
        return statement.resource(Value::sub(format!(
            "arn:${{AWS::Partition}}:kms:*:${{{CENTRAL_ACCOUNT_ID}}}:key/${{{SESSION_KEY_ID}}}"
        )));
    }
    if per_account(settings) {
        statement
            .resource(Value::sub(
                "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*",
            ))
            .condition(
                "ForAnyValue:StringEquals",
                "kms:ResourceAliases",
                SESSION_KEY_ALIAS,
            )
    } else {
        statement.resource(Value::reference(wiring::SESSION_KEY_ARN))
    }
}
