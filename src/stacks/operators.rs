//! The optional operator policy in member accounts: start sessions only with
//! the logging preferences, encrypt them with the session key, resume and end
//! only one's own sessions, and never change the preferences document.

use super::{session_key, Holder, PREFERENCES_CHANGES};
use crate::cfn::iam::ManagedPolicy;
use crate::cfn::{PolicyDocument, Resource, Statement, Template, Value};
use crate::config::Settings;
use crate::names::logical::OPERATOR_POLICY;
use crate::names::resource;

/// The reads the Session Manager console makes to list nodes and sessions
/// before it starts one (Session Manager user guide, "Sample IAM policies for
/// Session Manager", the Session Manager and Fleet Manager console policy).
/// Only `ssm:GetConnectionStatus` has resource types (nodes); the others
/// match `*` only.
fn console_reads(node_arns: Vec<Value<String>>) -> [Statement; 2] {
    [
        Statement::allow("ListNodesAndSessionsInTheConsole")
            .actions(&[
                "ssm:DescribeSessions",
                "ssm:DescribeInstanceInformation",
                "ssm:DescribeInstanceProperties",
                "ec2:DescribeInstances",
            ])
            .resource("*"),
        Statement::allow("ShowNodeConnectionStatus")
            .actions(&["ssm:GetConnectionStatus"])
            .resources(node_arns),
    ]
}

pub fn policy_document(settings: &Settings, holder: Holder) -> PolicyDocument {
    let account = holder.account();
    let arn = |service: &str, resource: &str| {
        Value::sub(format!(
            "arn:${{AWS::Partition}}:{service}:*:{account}:{resource}"
        ))
    };
    let document_in_any_region = || {
        arn(
            "ssm",
            &format!("document/{}", resource::PREFERENCES_DOCUMENT),
        )
    };
    let nodes = || vec![arn("ec2", "instance/*"), arn("ssm", "managed-instance/*")];
    let mut statements = vec![
        // A Session document of the same name shared from another account,
        // passed by ARN, would skip the preferences: nodes and document are
        // the holder's own account's.
        holder.own_account_only(
            Statement::allow("StartSessionsWithLoggingPreferences")
                .actions(&["ssm:StartSession"])
                .resources(nodes().into_iter().chain([document_in_any_region()]))
                // Without it, StartSession with --document-name bypasses the preferences.
                .condition("BoolIfExists", "ssm:SessionDocumentAccessCheck", true),
        ),
        session_key::grant(
            settings,
            holder,
            Statement::allow("EncryptSessionData").actions(&["kms:GenerateDataKey"]),
        ),
        // Session Manager tags every session with its starter's aws:userid; a
        // session-id prefix would only match IAM users, never assumed roles.
        Statement::allow("ResumeAndEndOwnSessions")
            .actions(&["ssm:ResumeSession", "ssm:TerminateSession"])
            .resource(arn("ssm", "session/*"))
            .condition(
                "StringLike",
                "ssm:resourceTag/aws:ssmmessages:session-id",
                "${aws:userid}",
            ),
        Statement::deny("ProtectLoggingPreferences")
            .actions(&PREFERENCES_CHANGES)
            .resource(document_in_any_region()),
    ];
    // Identity Center users come through the console.
    if holder == Holder::AssignedAccount {
        statements.extend(console_reads(nodes()));
    }
    PolicyDocument::new(statements)
}

/// Adds the policy (in the controller Region); the controller attaches it
/// to the named roles that exist.
pub fn add(template: &mut Template, settings: &Settings, iam_condition: &str) {
    template.resource(
        OPERATOR_POLICY,
        Resource::new(ManagedPolicy {
            managed_policy_name: Some(resource::OPERATOR_POLICY.to_owned()),
            description: "smlog: lets operators start logged Session Manager sessions, and not change the logging preferences".to_owned(),
            policy_document: policy_document(settings, Holder::ThisAccount),
            roles: None,
        })
        .when(iam_condition),
    );
}
