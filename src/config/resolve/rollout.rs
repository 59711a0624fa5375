//! The rollout: which Regions get the preferences, which OUs and accounts,
//! and how fast the StackSets go.

use super::{parse_list, parse_opt, percentage};
use crate::config::raw::{RawConfig, RawRollout};
use crate::config::settings::*;
use crate::error::{Error, Result};
use crate::ids::{AccountId, Region};

pub(super) fn rollout(raw: &RawConfig, home_region: &Region) -> Result<RolloutSettings> {
    let rollout = raw.rollout.clone().unwrap_or_default();
    Ok(RolloutSettings {
        stack_set_name: parse_opt("rollout.stack_set_name", rollout.stack_set_name.as_ref())?
            .unwrap_or_else(|| DEFAULT_STACK_SET_NAME.parse().expect("valid default name")),
        organizational_unit_ids: parse_list(
            "rollout.organizational_unit_ids",
            rollout
                .organizational_unit_ids
                .as_deref()
                .unwrap_or_default(),
        )?,
        regions: regions(&rollout, home_region)?,
        excluded_accounts: parse_list(
            "rollout.exclude_accounts",
            rollout.exclude_accounts.as_deref().unwrap_or_default(),
        )?,
        call_as: rollout.call_as.unwrap_or_default(),
        max_concurrent_percentage: percentage(
            "rollout.max_concurrent_percentage",
            rollout.max_concurrent_percentage,
            DEFAULT_MAX_CONCURRENT_PERCENTAGE,
        )?,
        failure_tolerance_percentage: percentage(
            "rollout.failure_tolerance_percentage",
            rollout.failure_tolerance_percentage,
            DEFAULT_FAILURE_TOLERANCE_PERCENTAGE,
        )?,
    })
}

/// The Regions whose preferences the controllers write: the listed ones (or
/// the home Region) less the excluded, all in the home Region's partition.
fn regions(rollout: &RawRollout, home_region: &Region) -> Result<Vec<Region>> {
    let listed = match &rollout.regions {
        Some(regions) if regions.is_empty() => {
            return Err(Error::field(
                "rollout.regions",
                "the list is empty; name at least one Region",
            ))
        }
        Some(regions) => parse_list("rollout.regions", regions)?,
        None => vec![home_region.clone()],
    };
    for (i, region) in listed.iter().enumerate() {
        if region.partition() != home_region.partition() {
            return Err(Error::field(
                format!("rollout.regions[{i}]"),
                format!(
                    "{region} is in the {} partition, home_region {home_region} in {}: one organisation's accounts, bucket and keys live in one partition",
                    region.partition().name(),
                    home_region.partition().name()
                ),
            ));
        }
    }
    let excluded: Vec<Region> = parse_list(
        "rollout.exclude_regions",
        rollout.exclude_regions.as_deref().unwrap_or_default(),
    )?;
    let regions: Vec<Region> = listed
        .into_iter()
        .filter(|r| !excluded.contains(r))
        .collect();
    if regions.is_empty() {
        return Err(Error::field(
            "rollout.exclude_regions",
            "leaves no Region to roll out to: every one of rollout.regions is excluded",
        ));
    }
    Ok(regions)
}

/// With only listed accounts admitted, excluding all of them leaves nothing.
pub(super) fn admits_an_account(scope: &Scope, excluded: &[AccountId]) -> Result<()> {
    let only_accounts = scope.organization.is_none() && scope.paths.is_none();
    if only_accounts && scope.accounts.iter().all(|a| excluded.contains(a)) {
        return Err(Error::field(
            "rollout.exclude_accounts",
            "excludes every account the configuration admits (accounts): nothing would log",
        ));
    }
    Ok(())
}
