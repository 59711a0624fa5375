//! The session key as member stacks see it, by [`SessionKey`]: the central
//! account's key (a parameter); its replica in each Region, found by the
//! shared `mrk-` id; or, per account, a key of the member's own in every
//! Region (the regional stack's), which only that account's IAM policies
//! can grant.

use super::Holder;
use crate::cfn::{Parameter, Statement, Template, Value};
use crate::config::{SessionKey, Settings};
use crate::ids::{KmsKeyArn, MultiRegionKeyId};
use crate::names::{resource, wiring};

/// The parameter(s) naming the central key, if the session key is central.
pub fn parameters(template: &mut Template, settings: &Settings) {
    match settings.session_key {
        // The replica in this Region: its id and the central account (a parameter of every member).
        key if key.is_multi_region() => {
            let known = settings.member.session_key_arn.as_ref();
            template.parameter(
                wiring::SESSION_KEY_ID,
                Parameter::string(
                    "Id of the multi-Region session key (central stack output SessionKeyId)",
                )
                .default_opt(known.and_then(|k| k.multi_region_id()).map(str::to_owned))
                .pattern(MultiRegionKeyId::PATTERN, MultiRegionKeyId::CONSTRAINT),
            );
        }
        SessionKey::Shared { .. } | SessionKey::Central { .. } => {
            template.parameter(
                wiring::SESSION_KEY_ARN,
                Parameter::string(
                    "ARN of the session KMS key (central stack output SessionKeyArn)",
                )
                .default_opt(
                    settings
                        .member
                        .session_key_arn
                        .as_ref()
                        .map(|k| k.to_string()),
                )
                .pattern(KmsKeyArn::PATTERN, KmsKeyArn::CONSTRAINT),
            );
        }
        SessionKey::PerAccount => {}
    }
}

/// How the preferences (and the controller) name the session key of a
/// Region: the central key's ARN; the multi-Region key's ARN with
/// `${Region}` standing for each Region (its replica there has the same
/// `mrk-` id); or, per account, the alias of the account's key in each Region.
pub fn in_preferences(settings: &Settings) -> Value<String> {
    match settings.session_key {
        key if key.is_multi_region() => Value::sub(format!(
            "arn:${{AWS::Partition}}:kms:${{!Region}}:${{{}}}:key/${{{}}}",
            wiring::CENTRAL_ACCOUNT_ID,
            wiring::SESSION_KEY_ID
        )),
        SessionKey::PerAccount => Value::from(resource::SESSION_KEY_ALIAS.to_owned()),
        SessionKey::Shared { .. } | SessionKey::Central { .. } => {
            Value::reference(wiring::SESSION_KEY_ARN)
        }
    }
}

/// Points an IAM statement at the session key. IAM policies are created in
/// one Region only, so per-account keys are named by their alias in every Region.
pub fn grant(settings: &Settings, holder: Holder, statement: Statement) -> Statement {
    match settings.session_key {
        // The replicas share the primary's id: one ARN pattern names them all.
        key if key.is_multi_region() => statement.resource(Value::sub(format!(
            "arn:${{AWS::Partition}}:kms:*:${{{}}}:key/${{{}}}",
            wiring::CENTRAL_ACCOUNT_ID,
            wiring::SESSION_KEY_ID
        ))),
        SessionKey::PerAccount => statement
            .resource(Value::sub(format!(
                "arn:${{AWS::Partition}}:kms:*:{}:key/*",
                holder.account()
            )))
            .condition(
                "ForAnyValue:StringEquals",
                "kms:ResourceAliases",
                resource::SESSION_KEY_ALIAS,
            ),
        SessionKey::Shared { .. } | SessionKey::Central { .. } => {
            statement.resource(Value::reference(wiring::SESSION_KEY_ARN))
        }
    }
}
