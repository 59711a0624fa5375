//! The policies `smlog audit` needs, and nothing more: reads only. One for
//! whoever runs the audit (list the organisation's accounts, assume the audit
//! role in each, list the bucket's transcripts from the central account,
//! read its own account's sessions), one for the audit role in every account
//! (its sessions and session log streams, and in the central account the
//! bucket listing). The audit never reads a transcript's content, so neither
//! grants `s3:GetObject`; `sts:GetCallerIdentity` needs no permission.

use super::finish;
use crate::cfn::{
    iam::ManagedPolicy, Output, Parameter, PolicyDocument, Statement, Template, Value,
};
use crate::error::Result;
use crate::ids::{AccountId, BucketName, RoleName};
use crate::names::{logical, resource, wiring};
use crate::plan::Plan;

/// The parameter naming the role the audit assumes in every account.
pub const AUDIT_ROLE_NAME: &str = "AuditRoleName";

/// Listing the central bucket's keys (`ACCOUNT/REGION/<session id>.log`),
/// only in a bucket the central account owns (a deleted bucket's name can be
/// registered again by anyone).
fn list_transcripts(sid: &str) -> Statement {
    Statement::allow(sid)
        .actions(&["s3:ListBucket"])
        .resource(Value::sub(format!(
            "arn:${{AWS::Partition}}:s3:::${{{}}}",
            wiring::BUCKET_NAME
        )))
        .condition(
            "StringEquals",
            "s3:ResourceAccount",
            crate::cfn::Expr::from(crate::cfn::Intrinsic::reference(wiring::CENTRAL_ACCOUNT_ID)),
        )
}

/// The sessions of the account the policy is in, and their log streams.
fn read_sessions(plan: &Plan) -> Vec<Statement> {
    // DescribeSessions has no resource type in the IAM service reference: only "*" matches it.
    let mut statements = vec![Statement::allow("ReadSessions")
        .actions(&["ssm:DescribeSessions"])
        .resource("*")];
    if let Some(cloudwatch) = &plan.settings.cloudwatch {
        statements.push(
            Statement::allow("ReadSessionLogStreams")
                .actions(&["logs:DescribeLogStreams"])
                .resource(Value::sub(format!(
                    "arn:${{AWS::Partition}}:logs:*:${{AWS::AccountId}}:log-group:{}:*",
                    cloudwatch.log_group_name
                ))),
        );
    }
    statements
}

fn auditor(plan: &Plan) -> PolicyDocument {
    let mut statements = vec![
        // ListAccounts has no resource type either; it answers in the management
        // account or an Organizations delegated administrator only.
        Statement::allow("ListOrganizationAccounts")
            .actions(&["organizations:ListAccounts"])
            .resource("*"),
        Statement::allow("AssumeTheAuditRole")
            .actions(&["sts:AssumeRole"])
            .resource(Value::sub(format!(
                "arn:${{AWS::Partition}}:iam::*:role/${{{AUDIT_ROLE_NAME}}}"
            ))),
        list_transcripts("ListTranscripts"),
    ];
    statements.extend(read_sessions(plan));
    PolicyDocument::new(statements)
}

fn member(plan: &Plan) -> PolicyDocument {
    let mut statements = read_sessions(plan);
    // Effective in the central account only: the bucket policy lets no other account list.
    statements.push(list_transcripts("ListTranscriptsInTheCentralAccount"));
    PolicyDocument::new(statements)
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog session audit: the read-only policies of `smlog audit`, for the auditor and for the role it assumes in every account",
    );
    template.parameter(
        wiring::BUCKET_NAME,
        Parameter::string("Name of the central log bucket (central stack output BucketName)")
            .default_opt(settings.bucket.name().map(|b| b.to_string()))
            .pattern(BucketName::PATTERN, BucketName::CONSTRAINT),
    );
    template.parameter(
        wiring::CENTRAL_ACCOUNT_ID,
        Parameter::string(
            "The account that owns the log bucket (central stack output CentralAccountId)",
        )
        .default_opt(plan.central_account().map(|a| a.to_string()))
        .pattern(AccountId::PATTERN, AccountId::CONSTRAINT),
    );
    template.parameter(
        AUDIT_ROLE_NAME,
        Parameter::string("The role smlog audit assumes in every account (--assume-role), holding smlog-session-audit-member")
            .default_value(resource::AUDIT_ROLE)
            .pattern(RoleName::PATTERN, RoleName::CONSTRAINT),
    );
    for (id, name, description, document) in [
        (
            logical::AUDIT_POLICY,
            resource::AUDIT_POLICY,
            "smlog audit, for whoever runs it: list accounts, assume the audit role, list transcripts, read sessions",
            auditor(plan),
        ),
        (
            logical::AUDIT_MEMBER_POLICY,
            resource::AUDIT_MEMBER_POLICY,
            "smlog audit, for the role it assumes in every account: read sessions (and, in the central account, list transcripts)",
            member(plan),
        ),
    ] {
        template.resource(
            id,
            ManagedPolicy {
                managed_policy_name: Some(name.to_owned()),
                description: description.to_owned(),
                policy_document: document,
                roles: None,
            },
        );
        template.output(
            &format!("{id}Arn"),
            Output::new(format!("Attach {name}"), Value::reference(id)),
        );
    }
    finish(template, "audit policy")
}
