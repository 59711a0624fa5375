//! The opt-in parts: CloudWatch Logs, operators, the guardrail, endpoints.

use super::{log_group_name, parse_list};
use crate::config::raw::{RawCloudWatch, RawConfig};
use crate::config::settings::*;
use crate::error::{Error, Result};
use crate::ids::{Partition, Region, RoleName};

pub(super) fn cloudwatch(raw: &RawConfig) -> Result<Option<CloudWatchSettings>> {
    Ok(raw
        .cloudwatch
        .as_ref()
        .map(RawCloudWatch::resolve)
        .transpose()?
        .flatten())
}

/// The operator policy, when enabled; its role names are checked even when
/// off, so a later `enabled: true` holds no surprise.
pub(super) fn operators(raw: &RawConfig) -> Result<Option<OperatorSettings>> {
    let Some(operators) = &raw.operators else {
        return Ok(None);
    };
    let role_names: Vec<RoleName> = parse_list(
        "operators.role_names",
        operators.role_names.as_deref().unwrap_or_default(),
    )?;
    Ok(operators
        .enabled
        .unwrap_or(false)
        .then_some(OperatorSettings { role_names }))
}

pub(super) fn guardrail(
    raw: &RawConfig,
    partition: Partition,
) -> Result<Option<GuardrailSettings>> {
    let Some(guardrail) = &raw.guardrail else {
        return Ok(None);
    };
    let allowed = guardrail
        .unlogged_sessions_allowed_for
        .clone()
        .unwrap_or_default();
    for (i, pattern) in allowed.iter().enumerate() {
        principal_pattern(
            &format!("guardrail.unlogged_sessions_allowed_for[{i}]"),
            pattern,
            partition,
        )?;
    }
    Ok(guardrail
        .enabled
        .unwrap_or(false)
        .then_some(GuardrailSettings {
            unlogged_sessions_allowed_for: allowed,
        }))
}

/// An IAM role or user ARN, wildcards allowed in the partition, account and
/// name; a named partition must be the configuration's.
fn principal_pattern(field: &str, pattern: &str, partition: Partition) -> Result<()> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() == 6 && parts[1] != "*" && parts[1] != partition.name() {
        return Err(Error::field(
            field,
            format!(
                "{pattern:?} names the partition {:?}, but this configuration's Regions are in {:?}: no principal there can match (write {:?} or *)",
                parts[1],
                partition.name(),
                partition.name()
            ),
        ));
    }
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && (parts[1] == "*" || Partition::by_name(parts[1]).is_some())
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "*"
            || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && (parts[5].starts_with("role/") || parts[5].starts_with("user/"))
        && parts[5].len() > 5;
    if valid {
        Ok(())
    } else {
        Err(Error::field(
            field,
            format!("{pattern:?} is not an IAM principal ARN pattern: arn:PARTITION:iam::ACCOUNT:role/NAME (or user/NAME), * allowed in the account and name"),
        ))
    }
}

/// Whether to write the endpoints template; its service names are those
/// of the aws and aws-us-gov partitions.
pub(super) fn endpoints(raw: &RawConfig, home_region: &Region) -> Result<bool> {
    let enabled = raw
        .endpoints
        .as_ref()
        .and_then(|e| e.enabled)
        .unwrap_or(false);
    if enabled && home_region.partition() == Partition::China {
        return Err(Error::field(
            "endpoints.enabled",
            "the endpoints template names services as in the aws and aws-us-gov partitions; in aws-cn create the endpoints by the China Regions' service names",
        ));
    }
    Ok(enabled)
}

impl RawCloudWatch {
    fn resolve(&self) -> Result<Option<CloudWatchSettings>> {
        if !self.enabled.unwrap_or(false) {
            return Ok(None);
        }
        let retention_days = self.retention_days.unwrap_or(DEFAULT_LOG_RETENTION_DAYS);
        if !LOG_RETENTION_DAYS.contains(&retention_days) {
            return Err(Error::field(
                "cloudwatch.retention_days",
                format!("{retention_days} is not a CloudWatch Logs retention period: use one of {LOG_RETENTION_DAYS:?}"),
            ));
        }
        Ok(Some(CloudWatchSettings {
            log_group_name: log_group_name(
                "cloudwatch.log_group_name",
                self.log_group_name.as_deref().unwrap_or(DEFAULT_LOG_GROUP),
            )?,
            retention_days,
            streaming: self.streaming.unwrap_or(true),
        }))
    }
}
