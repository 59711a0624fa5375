//! The parameters that wire a stack to the central stack's outputs, declared
//! once so every template asks for them in the same words and patterns.

use crate::cfn::{Parameter, Template};
use crate::ids::{AccountId, BucketName};
use crate::names::wiring;

/// `BucketName`: the central log bucket, defaulting to the configured name.
pub fn bucket_name(template: &mut Template, default: Option<String>) {
    template.parameter(
        wiring::BUCKET_NAME,
        Parameter::string("Name of the central log bucket (central stack output BucketName)")
            .default_opt(default)
            .pattern(BucketName::PATTERN, BucketName::CONSTRAINT),
    );
}

/// `CentralAccountId`: the account that owns the bucket and the keys.
pub fn central_account_id(template: &mut Template, default: Option<String>) {
    template.parameter(
        wiring::CENTRAL_ACCOUNT_ID,
        Parameter::string(
            "The central account, which owns the bucket (central stack output CentralAccountId)",
        )
        .default_opt(default)
        .pattern(AccountId::PATTERN, AccountId::CONSTRAINT),
    );
}
