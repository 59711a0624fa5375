//! The opt-in guardrail: a service control policy on the rollout's OUs that
//! keeps member administrators from stopping or dodging session logging.
//! It protects what smlog deploys (its roles, the controller and its
//! triggers, the member stacks, smlog's policies), what the controller
//! keeps (the preferences, the published names, the session log group, the
//! RDP recording preferences), and it denies sessions Session Manager never
//! logs and sessions in Regions smlog does not cover. It leaves alone what teams need: detaching
//! the agent policy from a role and deleting the role (its sessions fail,
//! never unlogged, and the controller re-attaches where the role lives on).
//! For the management account.

use super::controller::{FUNCTION_NAME, ROLE_PATH, RULE_PREFIX};
use super::rollout::ORGANIZATIONAL_UNIT_IDS;
use super::{finish, PREFERENCES_CHANGES};
use crate::cfn::organizations::Policy;
use crate::cfn::{Expr, Output, Parameter, PolicyDocument, Statement, Template, Value};
use crate::config::Settings;
use crate::error::Result;
use crate::names::logical::GUARDRAIL;
use crate::names::{principal, resource};
use crate::plan::Plan;

pub const POLICY_NAME: &str = "smlog-session-logging-guardrail";
/// The roles service-managed StackSets deploy member stacks with. StackSets'
/// service-linked role creates them; SCPs never bind a service-linked role.
const STACKSET_EXECUTION_ROLES: &str = "role/stacksets-exec-*";
/// Where the controller's role lives (its name is CloudFormation's).
fn controller_roles() -> String {
    format!("role{ROLE_PATH}*")
}

fn arn(service_and_resource: &str) -> Value<String> {
    Value::sub(format!("arn:${{AWS::Partition}}:{service_and_resource}"))
}

fn principals(patterns: &[String]) -> Expr {
    Expr::List(patterns.iter().map(|p| Expr::from(arn(p))).collect())
}

/// Everyone but these principals. The exemptions cannot be claimed: the
/// first statement denies everyone but the execution role creating,
/// changing, passing or assuming a role whose ARN these patterns match,
/// and the execution role's own trust admits only the management account.
fn unless(statement: Statement, exempt: &[String]) -> Statement {
    statement.condition("ArnNotLike", "aws:PrincipalArn", principals(exempt))
}

pub fn policy_document(settings: &Settings) -> PolicyDocument {
    let execution = format!("iam::*:{STACKSET_EXECUTION_ROLES}");
    let controller = format!("iam::*:{}", controller_roles());
    let deployer = [execution.clone()];
    let writers = [execution, controller];
    let mut statements = vec![
        unless(protect_what_smlog_deploys(settings), &deployer),
        unless(protect_what_the_controller_keeps(settings), &writers),
    ];
    if settings.session.rdp_recording {
        statements.push(unless(protect_recording_preferences(), &writers));
    }
    let allowed = &settings
        .guardrail
        .as_ref()
        .map(|g| g.unlogged_sessions_allowed_for.clone())
        .unwrap_or_default();
    statements.push(except(no_unlogged_sessions(settings), allowed));
    statements.push(except(no_sessions_outside_the_rollout(settings), allowed));
    if let Some(statement) = no_unrecorded_remote_desktop(settings) {
        statements.push(except(statement, allowed));
    }
    PolicyDocument::new(statements)
}

/// The configured exceptions to the session statements (a break-glass role).
fn except(statement: Statement, allowed: &[String]) -> Statement {
    if allowed.is_empty() {
        return statement;
    }
    statement.condition(
        "ArnNotLike",
        "aws:PrincipalArn",
        Expr::List(allowed.iter().map(|p| Expr::from(p.as_str())).collect()),
    )
}

/// Every write (anything but reads) to smlog's roles and the StackSet
/// execution roles, the controller function and its rules, smlog's
/// policies and the member stacks: only the execution role deploys them.
fn protect_what_smlog_deploys(settings: &Settings) -> Statement {
    // StackSet instances are named StackSet-<stack set name>-<id>.
    let member_stacks = format!("StackSet-{}-*", settings.rollout.stack_set_name);
    Statement::deny("ProtectWhatSmlogDeploys")
        .not_actions(&[
            "iam:Get*",
            "iam:List*",
            "lambda:Get*",
            "lambda:List*",
            "events:Describe*",
            "events:List*",
            "cloudformation:Describe*",
            "cloudformation:Get*",
            "cloudformation:List*",
            "cloudformation:Detect*",
        ])
        .resources([
            arn(&format!("iam::*:{STACKSET_EXECUTION_ROLES}")),
            arn(&format!("iam::*:{}", controller_roles())),
            arn(&format!("iam::*:policy/{}*", policy_prefix())),
            arn(&format!("lambda:*:*:function:{FUNCTION_NAME}")),
            arn(&format!("lambda:*:*:function:{FUNCTION_NAME}:*")),
            arn(&format!("events:*:*:rule/{RULE_PREFIX}*")),
            arn(&format!("cloudformation:*:*:stack/{member_stacks}/*")),
        ])
}

/// `smlog-session-manager-`: the agent's and the operators' policies.
fn policy_prefix() -> &'static str {
    let agent = resource::AGENT_POLICY;
    &agent[..agent.rfind('-').map_or(agent.len(), |i| i + 1)]
}

/// What the controller writes: the preferences and the published names in
/// every Region, and the session log group. Only it (and the execution role) may change them.
fn protect_what_the_controller_keeps(settings: &Settings) -> Statement {
    let mut actions: Vec<&str> = PREFERENCES_CHANGES.to_vec();
    actions.extend([
        "ssm:ModifyDocumentPermission",
        "ssm:UpdateDocumentMetadata",
        "ssm:PutParameter",
        "ssm:DeleteParameter",
        "ssm:DeleteParameters",
        "ssm:LabelParameterVersion",
    ]);
    let mut resources = vec![
        arn(&format!(
            "ssm:*:*:document/{}",
            resource::PREFERENCES_DOCUMENT
        )),
        arn(&format!("ssm:*:*:parameter{}*", resource::PARAMETER_PREFIX)),
    ];
    if let Some(cloudwatch) = &settings.cloudwatch {
        actions.extend([
            "logs:DeleteLogGroup",
            "logs:DisassociateKmsKey",
            "logs:DeleteRetentionPolicy",
            "logs:PutRetentionPolicy",
        ]);
        let group = format!("logs:*:*:log-group:{}", cloudwatch.log_group_name);
        resources.push(arn(&group));
        resources.push(arn(&format!("{group}:*")));
    }
    Statement::deny("ProtectWhatTheControllerKeeps")
        .actions(&actions)
        .resources(resources)
}

/// The ARNs a logged shell session names: the preferences document and the node.
fn logged_session_resources() -> [Value<String>; 3] {
    [
        arn(&format!(
            "ssm:*:*:document/{}",
            resource::PREFERENCES_DOCUMENT
        )),
        arn("ec2:*:*:instance/*"),
        arn("ssm:*:*:managed-instance/*"),
    ]
}

/// Sessions with any document but the logging preferences: SSH and port
/// forwarding are never logged, and another Session document takes its own
/// inputs, not the preferences'. With RDP recording on, Fleet Manager's
/// Remote Desktop (a port-forwarding session started through GUI Connect)
/// stays open: it is recorded instead.
fn no_unlogged_sessions(settings: &Settings) -> Statement {
    let statement = Statement::deny("NoUnloggedSessions")
        .actions(&["ssm:StartSession"])
        .not_resources(logged_session_resources());
    if !settings.session.rdp_recording {
        return statement;
    }
    statement.condition(
        "ForAllValues:StringNotEquals",
        "aws:CalledVia",
        vec![Expr::from(principal::GUI_CONNECT)],
    )
}

/// A Region without smlog's preferences logs nothing: no sessions there.
fn no_sessions_outside_the_rollout(settings: &Settings) -> Statement {
    let regions: Vec<Expr> = settings
        .rollout
        .regions
        .iter()
        .map(|r| Expr::from(r.as_str()))
        .collect();
    Statement::deny("NoSessionsOutsideLoggedRegions")
        .actions(&["ssm:StartSession"])
        .resource(Value::from("*"))
        .condition(
            "StringNotEquals",
            "aws:RequestedRegion",
            Expr::List(regions),
        )
}

/// Where Systems Manager cannot record RDP connections, Remote Desktop
/// would be an unrecorded session: the exemption above ends there.
fn no_unrecorded_remote_desktop(settings: &Settings) -> Option<Statement> {
    let unrecorded: Vec<Expr> = settings
        .rollout
        .regions
        .iter()
        .filter(|r| !r.records_rdp())
        .map(|r| Expr::from(r.as_str()))
        .collect();
    (settings.session.rdp_recording && !unrecorded.is_empty()).then(|| {
        Statement::deny("NoUnrecordedRemoteDesktop")
            .actions(&["ssm:StartSession"])
            .not_resources(logged_session_resources())
            .condition(
                "StringEquals",
                "aws:RequestedRegion",
                Expr::List(unrecorded),
            )
    })
}

/// Fleet Manager's RDP recording preferences, which the controller writes.
fn protect_recording_preferences() -> Statement {
    Statement::deny("ProtectRecordingPreferences")
        .actions(&[
            "ssm-guiconnect:UpdateConnectionRecordingPreferences",
            "ssm-guiconnect:DeleteConnectionRecordingPreferences",
        ])
        .resource(Value::from("*"))
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog guardrail: a service control policy that keeps member administrators from stopping or dodging Session Manager logging",
    );
    let ous = &settings.rollout.organizational_unit_ids;
    template.parameter(
        ORGANIZATIONAL_UNIT_IDS,
        Parameter::list("The rollout's OUs (or the root), which the guardrail is attached to")
            .default_opt(
                (!ous.is_empty())
                    .then(|| ous.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(",")),
            ),
    );
    template.resource(
        GUARDRAIL,
        Policy {
            name: POLICY_NAME.to_owned(),
            description: "smlog: only the StackSet and smlog's controller change Session Manager logging; no unlogged sessions"
                .to_owned(),
            policy_type: "SERVICE_CONTROL_POLICY".to_owned(),
            target_ids: Value::reference(ORGANIZATIONAL_UNIT_IDS),
            content: policy_document(settings),
        },
    );
    template.output(
        "GuardrailPolicyId",
        Output::new("The service control policy", Value::reference(GUARDRAIL)),
    );
    finish(template, "guardrail")
}
