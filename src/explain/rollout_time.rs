//! How long a first rollout takes, by the operation preferences smlog writes
//! on its StackSets: per Region, waves of stack instances (accounts at once
//! by `MaxConcurrentPercentage`) × minutes per instance; Regions in sequence
//! multiply; the StackSets run one after the other. And where an
//! organisation outgrows StackSets' quotas.

use crate::cfn::stackset::{ConcurrencyMode, OperationPreferences, RegionConcurrency};
use crate::plan::{Plan, Target};
use crate::stacks::rollout;
use serde::Serialize;

/// Minutes one stack instance takes, create to complete. Not measured (the
/// emulator ignores operation preferences and provisions nothing real): the
/// figure commonly seen for small StackSet stacks, which the issue adopts.
pub const DEFAULT_MINUTES_PER_INSTANCE: f64 = 1.5;
pub const MINUTES_PER_INSTANCE_SOURCE: &str =
    "assumed (~1.5 min per instance for small StackSet stacks); the emulator cannot measure it";

/// CloudFormation's quotas, "Understand CloudFormation quotas" (read 2026-12-06).
pub const QUOTAS_SOURCE: &str =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html";
pub const MAX_INSTANCES_PER_STACK_SET: u64 = 100_000;
/// Across all StackSets, per Region, per administrator account.
pub const MAX_CONCURRENT_INSTANCE_OPERATIONS: u64 = 10_000;
pub const MAX_STACK_SETS_PER_ADMINISTRATOR: u64 = 1_000;
/// "The actual number of accounts acted upon concurrently may be lower due
/// to service throttling" (API reference); an older user guide named about
/// 100 concurrent instances, which the current quotas page does not.
pub const THROTTLED_ACCOUNTS_AT_ONCE: u64 = 100;

/// The target: a first rollout of 10 accounts × 17 Regions in ≤ 5 minutes.
pub const TARGET_ACCOUNTS: u32 = 10;
pub const TARGET_REGIONS: u32 = 17;
pub const TARGET_MINUTES: f64 = 5.0;

/// One StackSet's part of a first rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StackSetTime {
    pub stack_set: String,
    pub deploys: &'static str,
    pub accounts: u64,
    pub regions: u64,
    pub instances: u64,
    pub max_concurrent_percentage: u32,
    pub region_concurrency: &'static str,
    pub concurrency_mode: &'static str,
    /// Stack instances at once in each Region.
    pub accounts_at_once: u64,
    pub waves_per_region: u64,
    pub minutes: f64,
    /// The same, were StackSets to throttle to [`THROTTLED_ACCOUNTS_AT_ONCE`].
    pub minutes_if_throttled: f64,
    /// StackSets needed for this one's instances (split by OU past the quota).
    pub stack_sets_needed: u64,
    /// At most this many accounts in each of them.
    pub accounts_per_stack_set: u64,
}

/// A quota, and how close this organisation comes to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quota {
    pub quota: &'static str,
    pub limit: u64,
    pub this_organisation: u64,
    pub within: bool,
}

/// A first rollout of `accounts` × `regions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutTime {
    pub accounts: u32,
    pub regions: u32,
    pub minutes_per_instance: f64,
    pub minutes_per_instance_source: &'static str,
    /// In the order they run: the regional StackSet's operation completes
    /// before the member StackSet's begins.
    pub stack_sets: Vec<StackSetTime>,
    pub minutes: f64,
    pub minutes_if_throttled: f64,
    pub quotas: Vec<Quota>,
    pub quotas_source: &'static str,
}

/// The target, modelled for this configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCheck {
    pub accounts: u32,
    pub regions: u32,
    pub limit_minutes: f64,
    pub minutes: f64,
    pub met: bool,
    /// When not met: the operation preferences that would meet it, and their time.
    pub change: Option<String>,
}

/// Stack instances in one Region at once: the share of the accounts
/// (rounded down, at least one), in STRICT mode never above the failure
/// tolerance + 1, and never above the administrator's quota.
pub fn accounts_at_once(accounts: u64, preferences: &OperationPreferences) -> u64 {
    let share = (accounts * u64::from(preferences.max_concurrent_percentage) / 100).max(1);
    let tolerated = accounts * u64::from(preferences.failure_tolerance_percentage) / 100;
    let at_once = match preferences.concurrency_mode {
        ConcurrencyMode::SoftFailureTolerance => share,
        ConcurrencyMode::StrictFailureTolerance => share.min(tolerated + 1),
    };
    at_once
        .min(MAX_CONCURRENT_INSTANCE_OPERATIONS)
        .min(accounts)
}

fn stack_set_time(
    stack_set: String,
    deploys: &'static str,
    accounts: u64,
    regions: u64,
    preferences: &OperationPreferences,
    minutes_per_instance: f64,
) -> StackSetTime {
    let at_once = accounts_at_once(accounts, preferences);
    let sequential = preferences.region_concurrency_type == RegionConcurrency::Sequential;
    let region_factor = if sequential { regions as f64 } else { 1.0 };
    let minutes =
        |at_once: u64| accounts.div_ceil(at_once) as f64 * minutes_per_instance * region_factor;
    let instances = accounts * regions;
    StackSetTime {
        stack_set,
        deploys,
        accounts,
        regions,
        instances,
        max_concurrent_percentage: preferences.max_concurrent_percentage,
        region_concurrency: if sequential { "SEQUENTIAL" } else { "PARALLEL" },
        concurrency_mode: match preferences.concurrency_mode {
            ConcurrencyMode::SoftFailureTolerance => "SOFT_FAILURE_TOLERANCE",
            ConcurrencyMode::StrictFailureTolerance => "STRICT_FAILURE_TOLERANCE",
        },
        accounts_at_once: at_once,
        waves_per_region: accounts.div_ceil(at_once),
        minutes: minutes(at_once),
        minutes_if_throttled: minutes(at_once.min(THROTTLED_ACCOUNTS_AT_ONCE)),
        stack_sets_needed: instances.div_ceil(MAX_INSTANCES_PER_STACK_SET),
        accounts_per_stack_set: (MAX_INSTANCES_PER_STACK_SET / regions).min(accounts),
    }
}

/// The first rollout of `accounts` × `regions` with these preferences: the
/// regional StackSet (when the plan has one) in every Region, then the
/// member StackSet in the controller Region.
pub fn with_preferences(
    plan: &Plan,
    preferences: &OperationPreferences,
    accounts: u32,
    regions: u32,
    minutes_per_instance: f64,
) -> RolloutTime {
    let settings = &plan.settings;
    let mut stack_sets = Vec::new();
    if plan.produces(Target::MemberRegional) {
        stack_sets.push(stack_set_time(
            rollout::regional_name(settings),
            "the account's keys, in every Region",
            accounts.into(),
            regions.into(),
            preferences,
            minutes_per_instance,
        ));
    }
    stack_sets.push(stack_set_time(
        settings.rollout.stack_set_name.to_string(),
        "the account controller, in the controller Region",
        accounts.into(),
        1,
        preferences,
        minutes_per_instance,
    ));
    let quotas = quotas(&stack_sets, accounts.into(), preferences);
    RolloutTime {
        accounts,
        regions,
        minutes_per_instance,
        minutes_per_instance_source: MINUTES_PER_INSTANCE_SOURCE,
        minutes: stack_sets.iter().map(|s| s.minutes).sum(),
        minutes_if_throttled: stack_sets.iter().map(|s| s.minutes_if_throttled).sum(),
        stack_sets,
        quotas,
        quotas_source: QUOTAS_SOURCE,
    }
}

fn quotas(
    stack_sets: &[StackSetTime],
    accounts: u64,
    preferences: &OperationPreferences,
) -> Vec<Quota> {
    let largest = stack_sets.iter().map(|s| s.instances).max().unwrap_or(0);
    let wanted_at_once = (accounts * u64::from(preferences.max_concurrent_percentage) / 100).max(1);
    let stack_sets_needed = stack_sets.iter().map(|s| s.stack_sets_needed).sum();
    let quota = |quota, limit, this_organisation| Quota {
        quota,
        limit,
        this_organisation,
        within: this_organisation <= limit,
    };
    vec![
        quota(
            "stack instances per StackSet",
            MAX_INSTANCES_PER_STACK_SET,
            largest,
        ),
        quota(
            "stack instance operations at once, per Region and administrator account (all StackSets)",
            MAX_CONCURRENT_INSTANCE_OPERATIONS,
            wanted_at_once,
        ),
        quota(
            "StackSets per administrator account",
            MAX_STACK_SETS_PER_ADMINISTRATOR,
            stack_sets_needed,
        ),
    ]
}

/// The first rollout with the preferences smlog writes for this configuration.
pub fn model(plan: &Plan, accounts: u32, regions: u32, minutes_per_instance: f64) -> RolloutTime {
    let preferences = rollout::operation_preferences(&plan.settings);
    with_preferences(plan, &preferences, accounts, regions, minutes_per_instance)
}

/// The target for this configuration; when missed, what meets it.
pub fn target(plan: &Plan, minutes_per_instance: f64) -> TargetCheck {
    let time = model(plan, TARGET_ACCOUNTS, TARGET_REGIONS, minutes_per_instance);
    let met = time.minutes <= TARGET_MINUTES;
    let change = (!met).then(|| {
        let fastest = OperationPreferences {
            max_concurrent_percentage: 100,
            region_concurrency_type: RegionConcurrency::Parallel,
            concurrency_mode: ConcurrencyMode::SoftFailureTolerance,
            ..rollout::operation_preferences(&plan.settings)
        };
        let best = with_preferences(
            plan,
            &fastest,
            TARGET_ACCOUNTS,
            TARGET_REGIONS,
            minutes_per_instance,
        );
        format!(
            "MaxConcurrentPercentage 100 (rollout.max_concurrent_percentage), RegionConcurrencyType PARALLEL, ConcurrencyMode SOFT_FAILURE_TOLERANCE: {:.1} min",
            best.minutes
        )
    });
    TargetCheck {
        accounts: TARGET_ACCOUNTS,
        regions: TARGET_REGIONS,
        limit_minutes: TARGET_MINUTES,
        minutes: time.minutes,
        met,
        change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preferences(percentage: u32, tolerance: u32, mode: ConcurrencyMode) -> OperationPreferences {
        OperationPreferences {
            failure_tolerance_percentage: tolerance,
            max_concurrent_percentage: percentage,
            region_concurrency_type: RegionConcurrency::Sequential,
            concurrency_mode: mode,
            region_order: None,
        }
    }

    #[test]
    fn the_share_rounds_down_to_at_least_one_and_strict_mode_caps_it_at_the_tolerance() {
        let soft = ConcurrencyMode::SoftFailureTolerance;
        let strict = ConcurrencyMode::StrictFailureTolerance;
        assert_eq!(accounts_at_once(10, &preferences(25, 10, soft)), 2);
        assert_eq!(accounts_at_once(3, &preferences(25, 10, soft)), 1);
        assert_eq!(accounts_at_once(10, &preferences(100, 10, strict)), 2);
        assert_eq!(accounts_at_once(10, &preferences(100, 10, soft)), 10);
        assert_eq!(accounts_at_once(50_000, &preferences(100, 0, soft)), 10_000);
    }

    #[test]
    fn the_old_rollout_took_two_hours_by_the_same_model() {
        // The figure: a stack per account and Region, 25 %, Regions
        // in sequence: 5 waves of 2 accounts, × 17 Regions, × 1.5 min.
        let old = preferences(25, 10, ConcurrencyMode::SoftFailureTolerance);
        let time = stack_set_time("old".to_owned(), "", 10, 17, &old, 1.5);
        assert_eq!((time.accounts_at_once, time.waves_per_region), (2, 5));
        assert_eq!(time.minutes, 127.5);
        assert_eq!(time.region_concurrency, "SEQUENTIAL");
    }

    #[test]
    fn past_a_stack_set_s_instances_the_organisation_is_split() {
        let fast = OperationPreferences {
            region_concurrency_type: RegionConcurrency::Parallel,
            ..preferences(100, 10, ConcurrencyMode::SoftFailureTolerance)
        };
        let time = stack_set_time("keys".to_owned(), "", 6_000, 17, &fast, 1.5);
        assert_eq!(time.instances, 102_000);
        assert_eq!(
            (time.stack_sets_needed, time.accounts_per_stack_set),
            (2, 5_882)
        );
        assert_eq!(time.minutes, 1.5);
        assert_eq!(time.minutes_if_throttled, 60.0 * 1.5);
    }
}
