//! The contract between the templates and `controller.py`: the desired state
//! the controller converges to, handed over as environment variables the
//! stack sets, and nothing else. Every name the controller reads is defined
//! here once; a test reads `controller.py` and holds it to this list, and the
//! Python tests hold the controller to the values every example writes.

use crate::cfn::Value;
use indexmap::IndexMap;

/// The service setting that names each Region's Default Host Management role.
pub const DHMC_SETTING: &str = "/ssm/managed-instance/default-ec2-instance-management-role";

/// The role tag recording which smlog policies the controller attached (and
/// so may take back when a role is no longer selected).
pub const ATTACHED_TAG: &str = "smlog:attached";

/// Roles that cannot take a managed policy: AWS's own (service-linked roles,
/// IAM Identity Center's reserved roles). The controller skips them and
/// `verify` does not expect them to hold the agent policy.
pub const UNMODIFIABLE_ROLE_PATHS: [&str; 2] = ["/aws-service-role/", "/aws-reserved/"];
pub const UNMODIFIABLE_ROLE_PREFIXES: [&str; 1] = ["AWSReservedSSO_"];

/// Whether a role (by name and path) is one AWS manages.
pub fn is_unmodifiable(name: &str, path: &str) -> bool {
    UNMODIFIABLE_ROLE_PATHS.iter().any(|p| path.starts_with(p))
        || UNMODIFIABLE_ROLE_PREFIXES
            .iter()
            .any(|p| name.starts_with(p))
}

/// How the controller finds the session key of a Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKeyLookup {
    /// The ARN as given (a single-Region key, used in its own Region).
    Arn,
    /// The multi-Region key's replica: the same `mrk-` id in each Region.
    MultiRegion,
    /// The account's own key in each Region, found by its alias.
    Alias,
}

impl SessionKeyLookup {
    pub fn name(self) -> &'static str {
        match self {
            SessionKeyLookup::Arn => "arn",
            SessionKeyLookup::MultiRegion => "multi-region",
            SessionKeyLookup::Alias => "alias",
        }
    }
}

/// Everything the controller converges to. Lists travel comma-separated,
/// flags as `true`/`false`, numbers as digits: environment values are text.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The controller's own stack: CloudFormation confirms removals against it.
    pub stack_id: Value<String>,
    /// The Regions whose preferences the controller writes.
    pub regions: Vec<String>,
    pub bucket: Value<String>,
    pub session_key: Value<String>,
    pub session_key_lookup: SessionKeyLookup,
    pub agent_policy_arn: Value<String>,
    /// Empty without operators.
    pub operator_policy_arn: Value<String>,
    pub attach_instance_profile_roles: Value<String>,
    pub attach_default_host_management_role: Value<String>,
    pub attach_activation_roles: Value<String>,
    pub agent_role_names: Value<String>,
    pub operator_role_names: Value<String>,
    /// Empty without CloudWatch Logs.
    pub log_group: String,
    pub log_group_retention_days: u32,
    pub logs_key_alias: String,
    pub cloudwatch_streaming: bool,
    pub idle_timeout_minutes: u32,
    /// Empty for no limit.
    pub max_duration_minutes: String,
    pub run_as_user: String,
    pub linux_shell_profile: String,
    pub windows_shell_profile: String,
    pub report_bus_arn: Value<String>,
    /// Seconds a run may work before it leaves the rest to the next one.
    pub time_budget_seconds: u32,
    /// Where the published parameters live (`/smlog/`).
    pub parameter_prefix: String,
    /// The account that owns the bucket (RDP recording names it).
    pub bucket_owner: Value<String>,
    /// The Regions where RDP connections are recorded; empty when off.
    pub rdp_regions: Vec<String>,
}

/// The variables, by name, in the order the template lists them. The names
/// are the contract; `NAMES` lists them for the tests.
pub const NAMES: [&str; 26] = [
    "SMLOG_STACK_ID",
    "SMLOG_REGIONS",
    "SMLOG_BUCKET",
    "SMLOG_SESSION_KEY",
    "SMLOG_SESSION_KEY_LOOKUP",
    "SMLOG_AGENT_POLICY_ARN",
    "SMLOG_OPERATOR_POLICY_ARN",
    "SMLOG_ATTACH_INSTANCE_PROFILE_ROLES",
    "SMLOG_ATTACH_DHMC_ROLE",
    "SMLOG_ATTACH_ACTIVATION_ROLES",
    "SMLOG_AGENT_ROLE_NAMES",
    "SMLOG_OPERATOR_ROLE_NAMES",
    "SMLOG_UNMODIFIABLE_ROLES",
    "SMLOG_LOG_GROUP",
    "SMLOG_LOG_GROUP_RETENTION_DAYS",
    "SMLOG_LOGS_KEY_ALIAS",
    "SMLOG_CLOUDWATCH_STREAMING",
    "SMLOG_IDLE_TIMEOUT",
    "SMLOG_MAX_DURATION",
    "SMLOG_RUN_AS_USER",
    "SMLOG_SHELL_PROFILES",
    "SMLOG_REPORT_BUS",
    "SMLOG_TIME_BUDGET_SECONDS",
    "SMLOG_PARAMETER_PREFIX",
    "SMLOG_BUCKET_OWNER",
    "SMLOG_RDP_REGIONS",
];

/// The rule for unmodifiable roles as the controller reads it:
/// `path:/aws-service-role/,path:/aws-reserved/,name:AWSReservedSSO_`.
fn unmodifiable_roles() -> String {
    UNMODIFIABLE_ROLE_PATHS
        .iter()
        .map(|p| format!("path:{p}"))
        .chain(
            UNMODIFIABLE_ROLE_PREFIXES
                .iter()
                .map(|p| format!("name:{p}")),
        )
        .collect::<Vec<_>>()
        .join(",")
}

impl Desired {
    /// The environment variables, in `NAMES` order.
    pub fn environment(&self) -> IndexMap<String, Value<String>> {
        let text = |s: &str| Value::from(s.to_owned());
        // Both profiles in one variable: JSON keeps their newlines and quotes intact.
        let profiles = serde_json::json!({
            "linux": self.linux_shell_profile,
            "windows": self.windows_shell_profile,
        })
        .to_string();
        let values = [
            self.stack_id.clone(),
            text(&self.regions.join(",")),
            self.bucket.clone(),
            self.session_key.clone(),
            text(self.session_key_lookup.name()),
            self.agent_policy_arn.clone(),
            self.operator_policy_arn.clone(),
            self.attach_instance_profile_roles.clone(),
            self.attach_default_host_management_role.clone(),
            self.attach_activation_roles.clone(),
            self.agent_role_names.clone(),
            self.operator_role_names.clone(),
            text(&unmodifiable_roles()),
            text(&self.log_group),
            text(&self.log_group_retention_days.to_string()),
            text(&self.logs_key_alias),
            text(&self.cloudwatch_streaming.to_string()),
            text(&self.idle_timeout_minutes.to_string()),
            text(&self.max_duration_minutes),
            text(&self.run_as_user),
            text(&profiles),
            self.report_bus_arn.clone(),
            text(&self.time_budget_seconds.to_string()),
            text(&self.parameter_prefix),
            self.bucket_owner.clone(),
            text(&self.rdp_regions.join(",")),
        ];
        NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .zip(values)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `SMLOG_*` names `controller.py` reads, in order of appearance.
    fn names_in_controller() -> Vec<String> {
        let source = super::super::SOURCE;
        let mut names: Vec<String> = Vec::new();
        for part in source.split("env[\"").skip(1) {
            let name = part.split('"').next().unwrap_or_default();
            if name.starts_with("SMLOG_") && !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        names
    }

    #[test]
    fn the_controller_reads_exactly_the_variables_the_template_sets() {
        let mut read = names_in_controller();
        read.sort();
        let mut set: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
        set.sort();
        assert_eq!(read, set);
    }

    #[test]
    fn aws_managed_roles_are_unmodifiable() {
        assert!(is_unmodifiable(
            "AWSServiceRoleForSSM",
            "/aws-service-role/ssm.amazonaws.com/"
        ));
        assert!(is_unmodifiable(
            "AWSReservedSSO_Admin_0123",
            "/aws-reserved/sso.amazonaws.com/"
        ));
        assert!(is_unmodifiable("AWSReservedSSO_Admin_0123", "/"));
        assert!(!is_unmodifiable("EC2-SSM-Core", "/"));
        assert_eq!(
            unmodifiable_roles(),
            "path:/aws-service-role/,path:/aws-reserved/,name:AWSReservedSSO_"
        );
    }
}
