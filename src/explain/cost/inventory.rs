//! What the templates create that AWS bills, counted from the templates
//! themselves (per central account, per account, per account and Region,
//! per VPC), so the estimate follows every change of the stacks.

use crate::cfn::lambda::Function;
use crate::cfn::{Properties, Template, Value};
use crate::config::SessionKey;
use crate::error::Result;
use crate::plan::{Plan, Target};
use crate::stacks::controller::contract::SessionKeyLookup;
use crate::synth;
use serde::Serialize;

/// Billed resources by where they are multiplied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inventory {
    /// KMS keys of the central stack in its home Region, by logical id.
    pub central_keys: Vec<String>,
    /// Keys with a replica in every other Region: the central session key
    /// (or the one shared key) is multi-Region as soon as a member uses it
    /// outside the home Region.
    pub replicated_keys: u32,
    /// The replica bucket's own key(s), in the replica's Region.
    pub replica_keys: Vec<String>,
    /// KMS keys of the regional member stack, in every account and Region.
    pub account_region_keys: Vec<String>,
    /// The controller's functions per account (member stack, controller Region).
    pub functions_per_account: u32,
    pub function_memory_mb: u32,
    /// KMS `DescribeKey` calls a controller run makes in each Region: it finds
    /// the account's own keys by alias (its environment says which).
    pub key_lookups_per_region: u32,
    /// The controller's own log group's retention.
    pub controller_log_retention_days: u32,
    /// Interface endpoints per VPC (endpoints template).
    pub interface_endpoints: Vec<String>,
}

fn ids(template: Option<&Template>, wanted: impl Fn(&Properties) -> bool) -> Vec<String> {
    template
        .into_iter()
        .flat_map(|t| t.resources())
        .filter(|(_, resource)| wanted(&resource.properties))
        .map(|(id, _)| id.to_owned())
        .collect()
}

fn is_key(properties: &Properties) -> bool {
    matches!(properties, Properties::KmsKey(_))
}

/// A literal environment variable of the function.
fn variable<'a>(function: &'a Function, name: &str) -> Option<&'a str> {
    match function.environment.as_ref()?.variables.get(name)? {
        Value::Literal(text) => Some(text),
        Value::Fn(_) => None,
    }
}

fn key_lookups(function: &Function) -> u32 {
    let by_alias =
        variable(function, "SMLOG_SESSION_KEY_LOOKUP") == Some(SessionKeyLookup::Alias.name());
    let logs_key = variable(function, "SMLOG_LOG_GROUP").is_some_and(|g| !g.is_empty());
    u32::from(by_alias) + u32::from(logs_key)
}

impl Inventory {
    /// Counts what the plan's templates create.
    pub fn of(plan: &Plan) -> Result<Inventory> {
        let templates = synth::build(plan)?;
        let central = templates.get(Target::Central);
        let member = templates.get(Target::Member);
        let resources = || member.into_iter().flat_map(|t| t.resources());
        let functions: Vec<&Function> = resources()
            .filter_map(|(_, r)| match &r.properties {
                Properties::LambdaFunction(f) => Some(f),
                _ => None,
            })
            .collect();
        let log_retention = resources()
            .filter_map(|(_, r)| match &r.properties {
                Properties::LogGroup(g) => Some(g.retention_in_days),
                _ => None,
            })
            .max();
        let central_session_key = central.is_some()
            && matches!(
                plan.settings.session_key,
                SessionKey::Shared { .. } | SessionKey::Central { .. }
            );
        Ok(Inventory {
            central_keys: ids(central, is_key),
            replicated_keys: u32::from(central_session_key),
            replica_keys: ids(templates.get(Target::Replica), is_key),
            account_region_keys: ids(templates.get(Target::MemberRegional), is_key),
            functions_per_account: functions.len() as u32,
            function_memory_mb: functions.iter().map(|f| f.memory_size).max().unwrap_or(0),
            key_lookups_per_region: functions.first().map_or(0, |f| key_lookups(f)),
            controller_log_retention_days: log_retention.unwrap_or(0),
            interface_endpoints: ids(
                templates.get(Target::Endpoints),
                |p| matches!(p, Properties::VpcEndpoint(e) if e.vpc_endpoint_type == "Interface"),
            ),
        })
    }
}
