//! The account controller's month: how often it runs (the repair schedule,
//! IAM's role events, its own stack's events), how long a run bills, what it
//! logs and reports. The durations are stated assumptions, shaped by what
//! `controller.py` does (a test holds the shape to its source).

use super::{Inventory, Scale};
use crate::plan::Plan;
use serde::Serialize;

/// A cold start: Python 3.12 starting and importing boto3 at 256 MB. A run
/// every few hours always starts cold, and INIT is billed (since 2025-08).
pub const INIT_SECONDS: f64 = 0.8;
/// Finding the roles (instance profiles, the policies' holders, each
/// selected role) and attaching where needed.
pub const ROLES_SECONDS: f64 = 1.0;
/// One wave of Regions: a client per Region and its two to four calls
/// (service setting, activations, key, document), answered in parallel.
pub const REGION_WAVE_SECONDS: f64 = 1.0;
/// Regions converged at once (`controller.py`: `ThreadPoolExecutor(max_workers=8)`).
pub const REGION_WORKERS: u32 = 8;
/// The wait after a fresh attachment before writing preferences
/// (`controller.py`: `IAM_SETTLE_SECONDS = 10`): a role event's run pays it.
pub const IAM_SETTLE_SECONDS: f64 = 10.0;
/// One StackSet update a month: CloudFormation calls the custom resource,
/// and the stack's `UPDATE_COMPLETE` event runs the controller once more.
pub const STACK_RUNS_PER_MONTH: f64 = 2.0;
/// A run's log: Lambda's START/END/REPORT lines and the run's JSON report.
pub const LOG_BYTES_PER_RUN: f64 = 600.0;
/// …and the report's line for each Region.
pub const LOG_BYTES_PER_REGION: f64 = 120.0;
/// Days in an average month (730 hours).
pub const DAYS_PER_MONTH: f64 = 730.0 / 24.0;

/// One account's controller in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    pub schedule_runs: f64,
    /// Zero when the controller's Region is not where IAM's events arrive.
    pub role_event_runs: f64,
    pub stack_runs: f64,
    pub seconds_per_run: f64,
    /// A role event's run also waits for IAM to settle.
    pub seconds_per_role_event_run: f64,
    pub memory_gb: f64,
    /// Reports put on the report bus: a run that changed or failed something
    /// (a role event's and a stack event's run; scheduled runs rarely repair).
    pub reports: f64,
    pub log_bytes_per_run: f64,
    /// KMS `DescribeKey` calls per run (keys found by alias in each Region).
    pub key_lookups_per_run: f64,
}

impl Month {
    pub fn runs(&self) -> f64 {
        self.schedule_runs + self.role_event_runs + self.stack_runs
    }

    pub fn gb_seconds(&self) -> f64 {
        let seconds = (self.schedule_runs + self.stack_runs) * self.seconds_per_run
            + self.role_event_runs * self.seconds_per_role_event_run;
        seconds * self.memory_gb
    }

    pub fn log_gb(&self) -> f64 {
        self.runs() * self.log_bytes_per_run / 1e9
    }
}

/// Whether IAM's events reach the controller: they arrive (through
/// CloudTrail) in one Region of the partition only.
pub fn gets_role_events(plan: &Plan) -> bool {
    *plan.controller_region() == plan.partition().iam_events_region()
}

/// The controller's month for `scale.regions` Regions.
pub fn month(plan: &Plan, inventory: &Inventory, scale: &Scale) -> Month {
    let waves = f64::from(scale.regions.div_ceil(REGION_WORKERS));
    let seconds = INIT_SECONDS + ROLES_SECONDS + waves * REGION_WAVE_SECONDS;
    let role_event_runs = if gets_role_events(plan) {
        f64::from(scale.role_events)
    } else {
        0.0
    };
    let hours = f64::from(plan.settings.member.repair_interval_hours);
    Month {
        schedule_runs: crate::explain::prices::HOURS_PER_MONTH / hours,
        role_event_runs,
        stack_runs: STACK_RUNS_PER_MONTH,
        seconds_per_run: seconds,
        seconds_per_role_event_run: seconds + IAM_SETTLE_SECONDS,
        memory_gb: f64::from(inventory.function_memory_mb) / 1024.0,
        reports: role_event_runs + STACK_RUNS_PER_MONTH,
        log_bytes_per_run: LOG_BYTES_PER_RUN + LOG_BYTES_PER_REGION * f64::from(scale.regions),
        key_lookups_per_run: f64::from(inventory.key_lookups_per_region * scale.regions),
    }
}
