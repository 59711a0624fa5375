//! The plan: what a configuration produces, decided once. From the checked
//! settings it fixes the artefacts (which templates, statements and inputs
//! exist, and where each is written) and the decisions derived from them
//! (the bucket key and what it is used for, the partition, the central
//! account). `synth`, `validate`, `explain`, `verify`, the benchmark and the
//! tests take a plan and never decide again; `cli` only maps flags onto it.

use crate::config::{LogBucket, SessionKey, Settings};
use crate::ids::{AccountId, Partition};
use crate::names::logical;

/// A template (or document) smlog can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The log bucket's copy in another Region; deployed before the central stack.
    Replica,
    /// The central account's stack: keys, log bucket, bucket policy.
    Central,
    /// For an existing bucket and key: the statements their policies must contain.
    CentralStatements,
    /// The member template a StackSet deploys to every account: its controller.
    Member,
    /// The keys an account needs in every Region (per-account session keys,
    /// the session log group's key), for a second StackSet.
    MemberRegional,
    /// The stack holding the service-managed StackSet.
    Rollout,
    /// The operators' IAM Identity Center permission set.
    PermissionSet,
    /// The guardrail service control policy, for the management account.
    Guardrail,
    /// VPC endpoints for nodes in private subnets, a stack per VPC.
    Endpoints,
    /// The read-only policies of `smlog audit`.
    AuditPolicy,
    /// The deployment of everything above, in order: who runs which command where.
    Runbook,
}

impl Target {
    /// In the order `synth all` writes them and `validate` reports them.
    pub const ALL: [Target; 11] = [
        Target::Replica,
        Target::Central,
        Target::CentralStatements,
        Target::Member,
        Target::MemberRegional,
        Target::Rollout,
        Target::PermissionSet,
        Target::Guardrail,
        Target::Endpoints,
        Target::AuditPolicy,
        Target::Runbook,
    ];

    /// The name on the command line (`smlog synth NAME`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Target::Replica => "replica",
            Target::Central => "central",
            Target::CentralStatements => "central-statements",
            Target::Member => "member",
            Target::MemberRegional => "member-regional",
            Target::Rollout => "rollout",
            Target::PermissionSet => "permission-set",
            Target::Guardrail => "guardrail",
            Target::Endpoints => "endpoints",
            Target::AuditPolicy => "audit-policy",
            Target::Runbook => "runbook",
        }
    }

    /// What the artefact is, in messages.
    pub fn title(self) -> &'static str {
        match self {
            Target::Central => "central",
            Target::Member => "member",
            Target::MemberRegional => "regional member",
            Target::Rollout => "rollout",
            Target::PermissionSet => "operator permission set",
            Target::CentralStatements => "existing bucket's statements",
            Target::Guardrail => "guardrail",
            Target::Endpoints => "endpoints",
            Target::Replica => "replica",
            Target::AuditPolicy => "audit policy",
            Target::Runbook => "deployment runbook",
        }
    }

    /// Where the artefact lives in the repository layout (`synth all --out-dir`).
    pub fn path(self) -> &'static str {
        match self {
            Target::Central => "templates/central.yaml",
            Target::Member => "stacksets/member.yaml",
            Target::MemberRegional => "stacksets/member-regional.yaml",
            Target::Rollout => "stacksets/rollout.yaml",
            Target::PermissionSet => "templates/operator-permission-set.yaml",
            Target::CentralStatements => "templates/central-statements.json",
            Target::Guardrail => "templates/guardrail.yaml",
            Target::Endpoints => "templates/endpoints.yaml",
            Target::Replica => "templates/replica.yaml",
            Target::AuditPolicy => "templates/audit-policy.yaml",
            Target::Runbook => "DEPLOY.md",
        }
    }

    /// What the target is, for `--help`.
    pub fn help(self) -> &'static str {
        match self {
            Target::Replica => "The log bucket's cross-Region replica (with replica.region), deployed before the central stack",
            Target::Central => "The central-account stack (bucket, keys, bucket policy)",
            Target::CentralStatements => "For an existing bucket and key: the statements their policies must contain (JSON)",
            Target::Member => "The member template a StackSet deploys to every account: its controller",
            Target::MemberRegional => "The keys every account needs in every Region (per-account session keys, CloudWatch Logs), for a second StackSet",
            Target::Rollout => "A stack holding the service-managed StackSet",
            Target::PermissionSet => "The operators' IAM Identity Center permission set (with operators enabled)",
            Target::Guardrail => "The guardrail service control policy (with guardrail enabled), for the management account",
            Target::Endpoints => "VPC endpoints for nodes in private subnets (with endpoints enabled), a stack per VPC",
            Target::AuditPolicy => "The read-only policies of `smlog audit`: for the auditor and for the role it assumes in every account",
            Target::Runbook => "The deployment for this configuration, in order: every command, the account and Region it runs in (Markdown)",
        }
    }

    /// Whether the artefact is a CloudFormation template (the statements and the runbook are not).
    pub fn is_template(self) -> bool {
        !matches!(self, Target::CentralStatements | Target::Runbook)
    }

    /// Whether the gate (size limits, rules) checks the artefact: every
    /// template, and the statements as the bucket policy made of them.
    pub fn is_checked(self) -> bool {
        self != Target::Runbook
    }

    pub fn by_cli_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.cli_name() == name)
    }
}

/// A file `synth all` writes besides the templates: the input of
/// `aws cloudformation create-stack-set` or `create-stack-instances
/// --cli-input-json`, for the member StackSet or the regional one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CliInput {
    CreateStackSet,
    CreateStackInstances,
    CreateRegionalStackSet,
    CreateRegionalStackInstances,
}

impl CliInput {
    pub const ALL: [CliInput; 4] = [
        CliInput::CreateStackSet,
        CliInput::CreateStackInstances,
        CliInput::CreateRegionalStackSet,
        CliInput::CreateRegionalStackInstances,
    ];

    pub fn path(self) -> &'static str {
        match self {
            CliInput::CreateStackSet => "stacksets/create-stack-set.json",
            CliInput::CreateStackInstances => "stacksets/create-stack-instances.json",
            CliInput::CreateRegionalStackSet => "stacksets/create-regional-stack-set.json",
            CliInput::CreateRegionalStackInstances => {
                "stacksets/create-regional-stack-instances.json"
            }
        }
    }

    /// The template whose StackSet the input creates.
    pub fn target(self) -> Target {
        match self {
            CliInput::CreateStackSet | CliInput::CreateStackInstances => Target::Member,
            CliInput::CreateRegionalStackSet | CliInput::CreateRegionalStackInstances => {
                Target::MemberRegional
            }
        }
    }
}

/// What a KMS key is for, and so what its policy grants the admitted principals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// Encrypts the bucket: used through S3 only, for this bucket.
    Bucket,
    /// Encrypts session data: used directly, with Session Manager's encryption context.
    Session,
    /// `keys: one`: both, each use under a statement of its own.
    BucketAndSession,
}

/// The key the log bucket's default encryption names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketKey {
    /// Its logical id in the central stack (or, for an existing key, the id
    /// `explain` gives it in its picture of the central account).
    pub logical_id: &'static str,
    pub key_use: KeyUse,
}

/// The configuration's artefacts and derived decisions.
#[derive(Debug, Clone)]
pub struct Plan {
    pub settings: Settings,
    targets: Vec<Target>,
}

impl Plan {
    pub fn new(settings: Settings) -> Plan {
        let targets = Target::ALL
            .into_iter()
            .filter(|target| refusal(&settings, *target).is_none())
            .collect();
        Plan { settings, targets }
    }

    /// The targets this configuration produces, in writing order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn produces(&self, target: Target) -> bool {
        self.targets.contains(&target)
    }

    /// Why this configuration produces no such artefact (`None` when it does).
    pub fn refusal(&self, target: Target) -> Option<String> {
        refusal(&self.settings, target)
    }

    /// The targets the gate checks (every one but the runbook), in writing order.
    pub fn checked_targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .copied()
            .filter(|t| t.is_checked())
            .collect()
    }

    /// The CLI inputs this configuration produces.
    pub fn cli_inputs(&self) -> Vec<CliInput> {
        CliInput::ALL
            .into_iter()
            .filter(|i| self.produces(i.target()))
            .collect()
    }

    /// Every file `synth all` writes, in writing order.
    pub fn files(&self) -> Vec<&'static str> {
        self.targets
            .iter()
            .map(|t| t.path())
            .chain(self.cli_inputs().iter().map(|i| i.path()))
            .collect()
    }

    /// Every file name `synth all` may write under some configuration: the
    /// ones it may remove when this configuration no longer produces them.
    pub fn known_files() -> Vec<&'static str> {
        Target::ALL
            .iter()
            .map(|t| t.path())
            .chain(CliInput::ALL.iter().map(|i| i.path()))
            .collect()
    }

    /// The partition everything is deployed in: the home Region's.
    pub fn partition(&self) -> Partition {
        self.settings.home_region.partition()
    }

    /// The bucket key and its use. With `keys: one` it encrypts session data
    /// too and is also used directly; otherwise only through S3.
    pub fn bucket_key(&self) -> BucketKey {
        match self.settings.session_key {
            SessionKey::Shared { .. } => BucketKey {
                logical_id: logical::LOGGING_KEY,
                key_use: KeyUse::BucketAndSession,
            },
            SessionKey::Central { .. } | SessionKey::PerAccount => BucketKey {
                logical_id: logical::BUCKET_KEY,
                key_use: KeyUse::Bucket,
            },
        }
    }

    /// Where each account's controller runs.
    pub fn controller_region(&self) -> &crate::ids::Region {
        &self.settings.member.controller_region
    }

    /// The account that owns the bucket and keys, when the configuration says.
    pub fn central_account(&self) -> Option<&AccountId> {
        self.settings.member.central_account_id.as_ref()
    }

    /// Whether smlog creates the log bucket (else an existing one serves).
    pub fn creates_bucket(&self) -> bool {
        matches!(self.settings.bucket, LogBucket::Created { .. })
    }
}

/// Why `settings` produce no `target` (`None` when they do).
fn refusal(settings: &Settings, target: Target) -> Option<String> {
    let existing = matches!(settings.bucket, LogBucket::Existing { .. });
    let needs = |on: bool, switch: &str| {
        (!on).then(|| format!("this template comes with {switch} in the configuration"))
    };
    match target {
        Target::Central
            if existing && !matches!(settings.session_key, SessionKey::Central { .. }) =>
        {
            Some(
            "with this existing bucket and key there is no central stack: merge the statements of `smlog synth central-statements` into their policies".to_owned(),
            )
        }
        Target::Central
        | Target::Member
        | Target::Rollout
        | Target::AuditPolicy
        | Target::Runbook => None,
        Target::MemberRegional => needs(
            settings.session_key == SessionKey::PerAccount || settings.cloudwatch.is_some(),
            "session.key_placement: per-account or cloudwatch.enabled: true",
        ),
        Target::CentralStatements => (!existing).then(|| {
            "central-statements are for an existing bucket: set existing_bucket in the configuration".to_owned()
        }),
        Target::PermissionSet => needs(settings.operators.is_some(), "operators.enabled: true"),
        Target::Guardrail => needs(settings.guardrail.is_some(), "guardrail.enabled: true"),
        Target::Endpoints => needs(settings.endpoints, "endpoints.enabled: true"),
        Target::Replica => needs(settings.replica.is_some(), "replica.region"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_produce_the_central_member_and_rollout_templates() {
        let plan = Plan::new(Settings::default());
        assert_eq!(
            plan.targets(),
            [
                Target::Central,
                Target::Member,
                Target::Rollout,
                Target::AuditPolicy,
                Target::Runbook
            ]
        );
        assert_eq!(
            plan.checked_targets(),
            [
                Target::Central,
                Target::Member,
                Target::Rollout,
                Target::AuditPolicy
            ]
        );
        assert!(plan
            .refusal(Target::Guardrail)
            .unwrap()
            .contains("guardrail.enabled: true"));
        for target in Target::ALL {
            assert_eq!(Target::by_cli_name(target.cli_name()), Some(target));
        }
    }
}
