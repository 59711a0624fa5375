//! `smlog explain --cost`: what this configuration costs AWS a month for a
//! number of accounts and Regions, line by line, every price from
//! [`prices`](super::prices) and every assumption stated; and how long the
//! first rollout takes ([`rollout_time`](super::rollout_time)).

pub mod controller;
mod inventory;
mod lines;
mod render;

pub use inventory::Inventory;
pub use lines::{Line, Part};
pub use render::{number, usd};

use super::prices::{self, Price};
use super::rollout_time::{self, RolloutTime, TargetCheck};
use crate::config::{SessionKey, Settings};
use crate::error::{Error, Result};
use crate::plan::Plan;
use serde::Serialize;

pub const DEFAULT_ACCOUNTS: u32 = 1_000;
pub const DEFAULT_SESSIONS: u32 = 100;
pub const DEFAULT_SESSION_KB: u32 = 50;
pub const DEFAULT_MONTHS_KEPT: u32 = 12;
pub const DEFAULT_ROLE_EVENTS: u32 = 20;
pub const DEFAULT_ENDPOINT_AZS: u32 = 2;

/// What the bill depends on beyond the configuration: the organisation's
/// size and how it uses Session Manager. `None`: from the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub accounts: Option<u32>,
    pub regions: Option<u32>,
    /// Sessions per account and month.
    pub sessions: u32,
    /// The average transcript, in KB.
    pub session_kb: u32,
    /// Months of transcripts the bucket holds.
    pub months_kept: u32,
    /// IAM role events per account and month that run the controller.
    pub role_events: u32,
    /// VPCs with the endpoints stack (default: one per account).
    pub vpcs: Option<u32>,
    pub endpoint_azs: u32,
    pub minutes_per_instance: f64,
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            accounts: None,
            regions: None,
            sessions: DEFAULT_SESSIONS,
            session_kb: DEFAULT_SESSION_KB,
            months_kept: DEFAULT_MONTHS_KEPT,
            role_events: DEFAULT_ROLE_EVENTS,
            vpcs: None,
            endpoint_azs: DEFAULT_ENDPOINT_AZS,
            minutes_per_instance: rollout_time::DEFAULT_MINUTES_PER_INSTANCE,
        }
    }
}

/// The organisation an estimate is for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scale {
    pub accounts: u32,
    pub regions: u32,
    /// Regions besides the home Region: a central session key has a replica in each.
    pub other_regions: u32,
    pub sessions: u32,
    pub session_kb: u32,
    pub months_kept: u32,
    pub role_events: u32,
    pub vpcs: u32,
    pub endpoint_azs: u32,
}

impl Scale {
    pub fn sessions_total(&self) -> f64 {
        f64::from(self.accounts) * f64::from(self.sessions)
    }

    /// Session data a month, in GB (1 GB = 1,048,576 KB).
    pub fn session_gb(&self) -> f64 {
        self.sessions_total() * f64::from(self.session_kb) / 1_048_576.0
    }
}

/// Accounts the configuration names, when it names only accounts.
fn configured_accounts(settings: &Settings) -> Option<u32> {
    let scope = &settings.scope;
    let only_accounts = scope.organization.is_none() && scope.paths.is_none();
    let excluded = &settings.rollout.excluded_accounts;
    let kept = scope
        .accounts
        .iter()
        .filter(|a| !excluded.contains(a))
        .count();
    (only_accounts && kept > 0).then_some(kept as u32)
}

fn scale(plan: &Plan, usage: &Usage) -> Result<(Scale, &'static str)> {
    let settings = &plan.settings;
    let (accounts, from) = match (usage.accounts, configured_accounts(settings)) {
        (Some(n), _) => (n, "--accounts"),
        (None, Some(n)) => (n, "the accounts the configuration names"),
        (None, None) => (
            DEFAULT_ACCOUNTS,
            "the default (the configuration names OUs, not a number of accounts)",
        ),
    };
    let partition = plan.partition();
    let available = partition.regions().len() as u32;
    let (regions, other_regions) = match usage.regions {
        Some(n) if n > available => {
            return Err(Error::Usage(format!(
                "--regions {n}: the {} partition has {available} Regions; give 1 to {available}",
                partition.name()
            )))
        }
        // The home Region among them, as in a configuration listing them.
        Some(n) => (n, n - 1),
        None => {
            let configured = &settings.rollout.regions;
            let others = configured
                .iter()
                .filter(|r| **r != settings.home_region)
                .count();
            (configured.len() as u32, others as u32)
        }
    };
    let scale = Scale {
        accounts,
        regions,
        other_regions,
        sessions: usage.sessions,
        session_kb: usage.session_kb,
        months_kept: usage.months_kept,
        role_events: usage.role_events,
        vpcs: usage.vpcs.unwrap_or(accounts),
        endpoint_azs: usage.endpoint_azs,
    };
    Ok((scale, from))
}

/// The bill of another key placement for the same organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub instead: &'static str,
    pub first_year: f64,
    pub from_third_year: f64,
}

/// A part's share of the bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subtotal {
    pub part: Part,
    pub title: &'static str,
    pub first_year: f64,
    pub from_third_year: f64,
}

/// The monthly bill and the first rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub scale: Scale,
    pub accounts_from: &'static str,
    pub lines: Vec<Line>,
    pub subtotals: Vec<Subtotal>,
    pub total_first_year: f64,
    pub total_from_third_year: f64,
    pub comparison: Option<Comparison>,
    pub warnings: Vec<String>,
    pub assumptions: Vec<String>,
    pub free: Vec<&'static str>,
    pub prices: Vec<Price>,
    pub controller: controller::Month,
    pub rollout: RolloutTime,
    pub rollout_target: TargetCheck,
}

fn bill(plan: &Plan, scale: &Scale) -> Result<(Vec<Line>, controller::Month)> {
    let inventory = Inventory::of(plan)?;
    let month = controller::month(plan, &inventory, scale);
    Ok((lines::all(plan, &inventory, scale, &month), month))
}

fn sum(lines: &[Line], part: Option<Part>) -> (f64, f64) {
    lines
        .iter()
        .filter(|l| part.is_none_or(|p| l.part == p))
        .fold((0.0, 0.0), |(a, b), l| {
            (a + l.first_year, b + l.from_third_year)
        })
}

/// Per-account keys against one central session key (multi-Region beyond
/// one Region), for the same organisation: the figure to see before choosing.
fn comparison(plan: &Plan, scale: &Scale) -> Result<Option<Comparison>> {
    if plan.settings.session_key != SessionKey::PerAccount {
        return Ok(None);
    }
    let central = Plan::new(Settings {
        session_key: SessionKey::Central {
            multi_region: scale.other_regions > 0,
        },
        ..plan.settings.clone()
    });
    let (lines, _) = bill(&central, scale)?;
    let (first_year, from_third_year) = sum(&lines, None);
    Ok(Some(Comparison {
        instead: "session.key_placement: central (one multi-Region session key)",
        first_year,
        from_third_year,
    }))
}

fn warnings(plan: &Plan, scale: &Scale, lines: &[Line]) -> Vec<String> {
    let mut warnings = Vec::new();
    let per_account: f64 = lines
        .iter()
        .filter(|l| l.item.starts_with("keys in every account and Region"))
        .map(|l| l.first_year)
        .sum();
    if per_account > 0.0 {
        warnings.push(format!(
            "{} a month of the bill is KMS keys in every account and Region ({}), three times that once they have rotated twice",
            render::usd(per_account),
            if plan.settings.session_key == SessionKey::PerAccount && plan.settings.cloudwatch.is_some() {
                "per-account session keys and the session log groups' keys"
            } else if plan.settings.session_key == SessionKey::PerAccount {
                "per-account session keys"
            } else {
                "the session log groups' keys (cloudwatch.enabled)"
            }
        ));
    }
    if let Some(endpoints) = lines
        .iter()
        .find(|l| l.item.starts_with("interface endpoints"))
    {
        warnings.push(format!(
            "the VPC endpoints cost {} a month per VPC; {} VPCs assumed (--vpcs)",
            render::usd(endpoints.first_year / f64::from(scale.vpcs.max(1))),
            render::thousands(scale.vpcs.into())
        ));
    }
    if !controller::gets_role_events(plan) {
        warnings.push(format!(
            "member.controller_region {} is not where IAM's events arrive ({}): new roles wait for the repair schedule (every {} hours)",
            plan.controller_region(),
            plan.partition().iam_events_region(),
            plan.settings.member.repair_interval_hours
        ));
    }
    warnings
}

fn assumptions(scale: &Scale, usage: &Usage, month: &controller::Month) -> Vec<String> {
    vec![
        format!("{} sessions per account a month, transcripts of {} KB on average, kept {} months (no expiry: the bucket keeps logs)", scale.sessions, scale.session_kb, scale.months_kept),
        format!("{} IAM role events per account a month that run the controller", scale.role_events),
        format!(
            "a controller run bills {} s ({} s cold start, {} s for roles, {} s per wave of {} Regions); a role event's run {} s more (IAM settling)",
            render::number(month.seconds_per_run),
            controller::INIT_SECONDS,
            controller::ROLES_SECONDS,
            controller::REGION_WAVE_SECONDS,
            controller::REGION_WORKERS,
            controller::IAM_SETTLE_SECONDS
        ),
        format!("one StackSet update a month ({} controller runs)", controller::STACK_RUNS_PER_MONTH),
        format!("{} minutes per stack instance in a rollout ({})", usage.minutes_per_instance, rollout_time::MINUTES_PER_INSTANCE_SOURCE),
        "no free tier (Lambda, KMS, CloudWatch Logs): an organisation's other workloads use it up".to_owned(),
        format!("list prices in {}, read {}; other Regions cost up to about a third more", prices::REGION, prices::CHECKED),
    ]
}

/// The estimate for this plan and usage.
pub fn estimate(plan: &Plan, usage: &Usage) -> Result<Estimate> {
    let (scale, accounts_from) = scale(plan, usage)?;
    let (lines, month) = bill(plan, &scale)?;
    let (total_first_year, total_from_third_year) = sum(&lines, None);
    let subtotals = Part::ALL
        .into_iter()
        .filter(|p| lines.iter().any(|l| l.part == *p))
        .map(|part| {
            let (first_year, from_third_year) = sum(&lines, Some(part));
            Subtotal {
                part,
                title: part.title(),
                first_year,
                from_third_year,
            }
        })
        .collect();
    Ok(Estimate {
        comparison: comparison(plan, &scale)?,
        warnings: warnings(plan, &scale, &lines),
        assumptions: assumptions(&scale, usage, &month),
        free: prices::FREE.to_vec(),
        prices: prices::ALL.to_vec(),
        rollout: rollout_time::model(
            plan,
            scale.accounts,
            scale.regions,
            usage.minutes_per_instance,
        ),
        rollout_target: rollout_time::target(plan, usage.minutes_per_instance),
        controller: month,
        scale,
        accounts_from,
        lines,
        subtotals,
        total_first_year,
        total_from_third_year,
    })
}

/// Runs `explain --cost`: the estimate as Markdown tables, or as JSON.
pub fn command(plan: &Plan, usage: &Usage, json: bool) -> Result<String> {
    let estimate = estimate(plan, usage)?;
    if json {
        crate::emit::to_json(&estimate)
    } else {
        Ok(render::markdown(plan, &estimate))
    }
}
