//! An existing log archive bucket and key (such as Landing Zone
//! Accelerator's): smlog creates neither, and writes the statements their
//! policies must contain, as JSON ready to merge, from the same builder the
//! central stack uses. `verify --central` checks them in place.

use super::central::access::{self, Access};
use super::central::Names;
use super::holding_data;
use crate::cfn::s3::BucketPolicy;
use crate::cfn::{PolicyDocument, Statement, Template};
use crate::config::LogBucket;
use crate::names::logical::LOG_BUCKET_POLICY;
use crate::plan::Plan;
use serde::Serialize;

/// What the existing bucket's and key's policies must grant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequiredStatements {
    pub bucket: String,
    pub bucket_policy_statements: Vec<Statement>,
    pub key_arn: String,
    pub key_policy_statements: Vec<Statement>,
}

/// The statements, for a plan that serves an existing bucket.
pub fn statements(plan: &Plan) -> RequiredStatements {
    let settings = &plan.settings;
    let LogBucket::Existing { name, key } = &settings.bucket else {
        unreachable!("the plan makes statements only for an existing bucket");
    };
    let names = Names::literal(name, &key.region(), settings.scope.organization_id());
    let admissions = access::admissions(&settings.scope);
    let access = Access {
        names: &names,
        admissions: &admissions,
        recording: settings.session.rdp_recording,
    };
    RequiredStatements {
        bucket: name.to_string(),
        bucket_policy_statements: access::bucket_statements(access, key.to_string().into()),
        key_arn: key.to_string(),
        key_policy_statements: access::key_grants(access, plan.bucket_key().key_use),
    }
}

/// The bucket policy statements as the gate reads them: in a bucket policy
/// (retained, as it must stay with the bucket), so the bucket-policy rules
/// and the 20 KB limit hold for them as for a bucket smlog creates.
pub fn as_template(required: &RequiredStatements) -> Template {
    let mut template =
        Template::new("the statements smlog requires in an existing bucket's policy");
    template.resource(LOG_BUCKET_POLICY, as_template_policy(required));
    template
}

/// The bucket policy made of exactly the required statements.
pub fn as_template_policy(required: &RequiredStatements) -> crate::cfn::Resource {
    holding_data(BucketPolicy {
        bucket: required.bucket.clone().into(),
        policy_document: PolicyDocument::new(required.bucket_policy_statements.clone()),
    })
}
