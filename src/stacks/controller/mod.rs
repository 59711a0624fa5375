//! The account controller: one Lambda function per account (`controller.py`)
//! that owns the account's Session Manager logging in every configured
//! Region, its role (the one role in the account with IAM write
//! permissions, bounded to smlog's two policies), its triggers (a repair
//! schedule, IAM's role events, its own stack's status) and the custom
//! resource through which CloudFormation creates, updates and removes it.

pub mod contract;

use crate::cfn::custom::CustomResource;
use crate::cfn::events::{Rule, Target};
use crate::cfn::iam::{InlinePolicy, Role};
use crate::cfn::lambda::{Code, Environment, Function, LogGroup, Permission};
use crate::cfn::{Expr, PolicyDocument, Principal, Pseudo, Resource, Statement, Template, Value};
use crate::names::{principal, resource};
use contract::Desired;
use serde_json::json;

pub const SOURCE: &str = include_str!("controller.py");
pub const FUNCTION: &str = "SmlogHandler";
const ROLE: &str = "SmlogHandlerRole";
const LOGS: &str = "SmlogHandlerLogs";
/// The custom resource through which CloudFormation drives the controller.
pub const ACCOUNT_LOGGING: &str = "AccountLogging";
/// The function keeps the name (and logical id) of the handler of smlog's
/// earlier member stack, so an update of an existing StackSet replaces its
/// code in place and the old stack's custom resources are retired by the
/// new code, not by the old code that would give the preferences back.
pub const FUNCTION_NAME: &str = "smlog-session-logging";
/// Roles smlog creates in member accounts live under this path; the guardrail
/// lets nobody else create or change a role there.
pub const ROLE_PATH: &str = "/smlog/";
/// Fixed names, so the guardrail can protect the rules by name.
pub const RULE_PREFIX: &str = "smlog-";
const REPAIR_RULE: &str = "smlog-repair-schedule";
const IAM_EVENTS_RULE: &str = "smlog-iam-role-events";
const STACK_EVENTS_RULE: &str = "smlog-own-stack-events";
/// The function's limit; the run's time budget stays a minute below it.
const TIMEOUT_SECONDS: u32 = 300;
pub const TIME_BUDGET_SECONDS: u32 = TIMEOUT_SECONDS - 60;
/// 256 MB: twice the CPU of 128 MB for the same price per run (it halves the time).
pub const MEMORY_MB: u32 = 256;
/// CloudFormation gives up on the custom resource after this, not after an hour.
const SERVICE_TIMEOUT_SECONDS: u32 = TIMEOUT_SECONDS + 60;
/// IAM calls that make a role one the agent may run as.
pub const IAM_EVENTS: [&str; 4] = [
    "CreateRole",
    "AddRoleToInstanceProfile",
    "DetachRolePolicy",
    "PutRolePermissionsBoundary",
];

fn arn(service_and_resource: &str) -> Value<String> {
    Value::sub(format!("arn:${{AWS::Partition}}:{service_and_resource}"))
}

/// Exactly the calls `controller.py` makes, each on the resources it makes it on.
fn role_policy(desired: &Desired, policies: Vec<Value<String>>, with_logs: bool) -> PolicyDocument {
    let mut statements = preference_statements();
    statements.extend(role_statements(policies));
    statements.extend([
        Statement::allow("ConfirmRemovalsWithCloudFormation")
            .actions(&[
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackResource",
            ])
            .resource(desired.stack_id.clone()),
        Statement::allow("Report")
            .actions(&["events:PutEvents"])
            .resource(desired.report_bus_arn.clone()),
        Statement::allow("WriteOwnLogs")
            .actions(&["logs:CreateLogStream", "logs:PutLogEvents"])
            .resource(Value::get_att(LOGS, "Arn")),
    ]);
    if desired.session_key_lookup == contract::SessionKeyLookup::Alias || with_logs {
        statements.push(find_keys_by_alias(desired, with_logs));
    }
    if with_logs {
        statements.extend(keep_session_log_groups(&desired.log_group));
    }
    PolicyDocument::new(statements)
}

/// The preferences document in every Region, and the Default Host
/// Management setting that names a role.
fn preference_statements() -> Vec<Statement> {
    vec![
        Statement::allow("WritePreferencesInEveryRegion")
            .actions(&[
                "ssm:GetDocument",
                "ssm:DescribeDocument",
                "ssm:CreateDocument",
                "ssm:UpdateDocument",
                "ssm:UpdateDocumentDefaultVersion",
            ])
            .resource(arn(&format!(
                "ssm:*:${{AWS::AccountId}}:document/{}",
                resource::PREFERENCES_DOCUMENT
            ))),
        Statement::allow("ReadDefaultHostManagementRole")
            .actions(&["ssm:GetServiceSetting"])
            .resource(arn(
                "ssm:*:${AWS::AccountId}:servicesetting/ssm/managed-instance/default-ec2-instance-management-role",
            )),
        Statement::allow("PublishNames")
            .actions(&["ssm:GetParameters", "ssm:PutParameter", "ssm:DeleteParameters"])
            .resource(arn(&format!(
                "ssm:*:${{AWS::AccountId}}:parameter{}*",
                resource::PARAMETER_PREFIX
            ))),
    ]
}

/// Finding the roles agents run as, and attaching smlog's policies (only
/// those) to them.
fn role_statements(policies: Vec<Value<String>>) -> Vec<Statement> {
    let roles = arn("iam::${AWS::AccountId}:role/*");
    vec![
        // No resource type in the IAM service reference: only "*" matches them.
        Statement::allow("FindRolesAgentsRunAs")
            .actions(&["iam:ListInstanceProfiles", "ssm:DescribeActivations"])
            .resource("*"),
        Statement::allow("ReadRolesAndBoundaries")
            .actions(&["iam:GetRole", "iam:GetPolicy", "iam:GetPolicyVersion"])
            .resources([
                roles.clone(),
                arn("iam::${AWS::AccountId}:policy/*"),
                arn("iam::aws:policy/*"),
            ]),
        Statement::allow("FindSmlogPolicyHolders")
            .actions(&["iam:ListEntitiesForPolicy"])
            .resources(policies.clone()),
        Statement::allow("AttachSmlogPoliciesOnly")
            .actions(&["iam:AttachRolePolicy", "iam:DetachRolePolicy"])
            .resource(roles.clone())
            .condition(
                "ArnEquals",
                "iam:PolicyARN",
                policies.into_iter().map(Expr::from).collect::<Vec<_>>(),
            ),
        // Which roles it attached them to: the one tag it may set.
        Statement::allow("MarkWhatItAttached")
            .actions(&["iam:TagRole", "iam:UntagRole"])
            .resource(roles)
            .condition(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                vec![Expr::from(contract::ATTACHED_TAG)],
            ),
    ]
}

/// The account's own keys, found in each Region by their aliases.
fn find_keys_by_alias(desired: &Desired, with_logs: bool) -> Statement {
    let mut aliases = Vec::new();
    if desired.session_key_lookup == contract::SessionKeyLookup::Alias {
        aliases.push(Expr::from(resource::SESSION_KEY_ALIAS));
    }
    if with_logs {
        aliases.push(Expr::from(desired.logs_key_alias.as_str()));
    }
    Statement::allow("FindOwnKeysByAlias")
        .actions(&["kms:DescribeKey"])
        .resource(arn("kms:*:${AWS::AccountId}:key/*"))
        .condition("ForAnyValue:StringEquals", "kms:ResourceAliases", aliases)
}

/// Create or adopt the group, and keep its key and retention; never delete it. Finding
/// the group is a read without a resource type: only `*` matches it.
fn keep_session_log_groups(name: &str) -> [Statement; 2] {
    let group = format!("logs:*:${{AWS::AccountId}}:log-group:{name}");
    [
        Statement::allow("KeepSessionLogGroups")
            .actions(&[
                "logs:CreateLogGroup",
                "logs:AssociateKmsKey",
                "logs:PutRetentionPolicy",
            ])
            .resources([arn(&group), arn(&format!("{group}:*"))]),
        Statement::allow("FindSessionLogGroups")
            .actions(&["logs:DescribeLogGroups"])
            .resource(Value::from("*")),
    ]
}

/// What the member stack hands the controller besides its desired state.
pub struct Inputs<'a> {
    /// The preferences document as CloudFormation sees it (`${Region}` for each Region).
    pub preferences: serde_json::Value,
    /// smlog's policies, the only ones the controller may attach.
    pub policies: Vec<Value<String>>,
    pub repair_interval_hours: u32,
    /// What the custom resource waits for (the policies it attaches).
    pub depends_on: &'a [&'a str],
    /// The condition under which the stack holds the controller's resources.
    pub only_in: &'a str,
    /// With RDP recording: the controller's grant on the session keys, which
    /// Systems Manager checks when recording preferences name a key.
    pub recording_key_grant: Option<Statement>,
}

/// The function, its role and log group, its triggers and its custom resource.
pub fn add(template: &mut Template, desired: &Desired, inputs: Inputs<'_>) {
    let with_logs = !desired.log_group.is_empty();
    template.resource(
        LOGS,
        // Only the controller's own diagnostics: deleted with the stack, so
        // the account can have it again later.
        Resource::new(LogGroup {
            log_group_name: format!("/aws/lambda/{FUNCTION_NAME}").into(),
            retention_in_days: 90,
            kms_key_id: None,
        })
        .deleted(),
    );
    let mut policy = role_policy(desired, inputs.policies, with_logs);
    if let Some(grant) = inputs.recording_key_grant {
        policy.statement.extend(recording_statements(grant));
    }
    template.resource(ROLE, role(policy));
    template.resource(FUNCTION, function(desired));
    let mut account_logging =
        Resource::new(custom_resource(desired, inputs.preferences)).when(inputs.only_in);
    for id in inputs.depends_on {
        account_logging = account_logging.depends_on(id);
    }
    template.resource(ACCOUNT_LOGGING, account_logging);
    triggers(template, inputs.repair_interval_hours, inputs.only_in);
}

/// Fleet Manager's RDP recording preferences in every Region that has them
/// (no resource type: only `*` matches), and the key grant they need, made
/// only through the service.
fn recording_statements(grant: Statement) -> [Statement; 2] {
    [
        Statement::allow("WriteRecordingPreferences")
            .actions(&[
                "ssm-guiconnect:GetConnectionRecordingPreferences",
                "ssm-guiconnect:UpdateConnectionRecordingPreferences",
                "ssm-guiconnect:DeleteConnectionRecordingPreferences",
            ])
            .resource(Value::from("*")),
        grant.actions(&["kms:CreateGrant"]).condition(
            "StringLike",
            "kms:ViaService",
            Value::sub("ssm-guiconnect.*.${AWS::URLSuffix}"),
        ),
    ]
}

fn role(policy: PolicyDocument) -> Role {
    Role {
        path: Some(ROLE_PATH.to_owned()),
        description: "smlog: the account controller; attaches only smlog's policies and writes only SSM-SessionManagerRunShell".to_owned(),
        assume_role_policy_document: PolicyDocument::new(vec![Statement::allow(
            "LambdaAssumesRole",
        )
        .principal(Principal::Service(vec![principal::LAMBDA.into()]))
        .actions(&["sts:AssumeRole"])]),
        policies: vec![InlinePolicy {
            policy_name: "smlog-account-controller".to_owned(),
            policy_document: policy,
        }],
    }
}

fn function(desired: &Desired) -> Function {
    Function {
        function_name: FUNCTION_NAME.to_owned(),
        description: "smlog: the account controller for Session Manager logging in every Region"
            .to_owned(),
        runtime: "python3.12".to_owned(),
        handler: "index.handler".to_owned(),
        role: Value::get_att(ROLE, "Arn"),
        timeout: TIMEOUT_SECONDS,
        memory_size: MEMORY_MB,
        environment: Some(Environment {
            variables: desired.environment(),
        }),
        code: Code {
            zip_file: SOURCE.to_owned(),
        },
    }
}

/// What the controller converges to, as CloudFormation sees it: the
/// preferences document it writes in every Region (`${Region}` standing for
/// each) and the roles it serves. A change of either makes CloudFormation
/// call it again (any other change of its environment: its stack's update
/// event); the controller itself reads only its environment.
fn custom_resource(desired: &Desired, preferences: serde_json::Value) -> CustomResource {
    CustomResource::new("AccountLogging", Value::get_att(FUNCTION, "Arn"))
        .with("ServiceTimeout", SERVICE_TIMEOUT_SECONDS)
        .with("DocumentName", resource::PREFERENCES_DOCUMENT)
        .with("Content", preferences)
        .with("Regions", &desired.regions)
        .with(
            "Roles",
            json!({
                "InstanceProfileRoles": desired.attach_instance_profile_roles,
                "DefaultHostManagementRole": desired.attach_default_host_management_role,
                "ActivationRoles": desired.attach_activation_roles,
                "AgentRoleNames": desired.agent_role_names,
                "OperatorRoleNames": desired.operator_role_names,
            }),
        )
}

/// Invokes the controller: every few hours, when IAM says a role may have
/// become one the agent runs as, and when its own stack settles.
fn triggers(template: &mut Template, repair_interval_hours: u32, only_in: &str) {
    let schedule = if repair_interval_hours == 1 {
        "rate(1 hour)".to_owned()
    } else {
        format!("rate({repair_interval_hours} hours)")
    };
    let rules = [
        (
            "RepairSchedule",
            REPAIR_RULE,
            "smlog: the account controller repairs drift and picks up new roles",
            Some(schedule),
            None,
        ),
        (
            "IamRoleEvents",
            IAM_EVENTS_RULE,
            "smlog: a role may have become one the SSM Agent runs as (IAM's events reach only us-east-1, with a trail)",
            None,
            Some(json!({
                "source": ["aws.iam"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": [principal::IAM_EVENT_SOURCE], "eventName": IAM_EVENTS},
            })),
        ),
        (
            "OwnStackEvents",
            STACK_EVENTS_RULE,
            "smlog: converge once the controller's own stack settles (after an update or a rollback)",
            None,
            Some(json!({
                "source": ["aws.cloudformation"],
                "detail-type": ["CloudFormation Stack Status Change"],
                "detail": {
                    "stack-id": [Value::<String>::pseudo(Pseudo::StackId)],
                    "status-details": {"status": ["UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]},
                },
            })),
        ),
    ];
    for (id, name, description, schedule_expression, event_pattern) in rules {
        template.resource(
            id,
            Resource::new(Rule {
                name: Some(name.to_owned()),
                description: description.to_owned(),
                schedule_expression,
                event_pattern,
                state: "ENABLED".to_owned(),
                targets: vec![Target {
                    id: "account-controller".to_owned(),
                    arn: Value::get_att(FUNCTION, "Arn"),
                    input: None,
                }],
            })
            .when(only_in),
        );
        template.resource(
            &format!("{id}Permission"),
            Resource::new(Permission {
                function_name: Value::reference(FUNCTION),
                action: "lambda:InvokeFunction".to_owned(),
                principal: principal::EVENTS.to_owned(),
                source_arn: Value::get_att(id, "Arn"),
            })
            .when(only_in),
        );
    }
}
