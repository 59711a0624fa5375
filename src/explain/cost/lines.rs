//! The bill's lines: each a quantity of one priced unit, with the arithmetic
//! that produced it. Quantities come from the inventory (what the templates
//! create), the controller's month and the organisation's scale.

use super::controller::Month;
use super::render::number;
use super::{Inventory, Scale};
use crate::explain::prices::{self, Price, HOURS_PER_MONTH, KMS_BILLED_ROTATIONS};
use crate::plan::{Plan, Target};
use serde::Serialize;

/// Which part of the setup a line pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    Keys,
    Controller,
    Sessions,
    Endpoints,
}

impl Part {
    pub const ALL: [Part; 4] = [
        Part::Keys,
        Part::Controller,
        Part::Sessions,
        Part::Endpoints,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Part::Keys => "KMS keys",
            Part::Controller => "the account controllers",
            Part::Sessions => "sessions: KMS requests, S3, CloudWatch Logs",
            Part::Endpoints => "VPC endpoints",
        }
    }
}

/// One line of the bill, a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub part: Part,
    pub item: String,
    pub quantity: f64,
    pub unit: &'static str,
    /// The price's id in the price table.
    pub price: &'static str,
    pub unit_price: String,
    /// USD a month in the first year.
    pub first_year: f64,
    /// USD a month from the third year (keys rotated twice).
    pub from_third_year: f64,
    pub arithmetic: String,
}

fn line(
    part: Part,
    item: impl Into<String>,
    quantity: f64,
    price: Price,
    arithmetic: String,
) -> Line {
    let cost = price.of(quantity);
    Line {
        part,
        item: item.into(),
        quantity,
        unit: price.unit,
        price: price.id,
        unit_price: price.display(),
        first_year: cost,
        from_third_year: cost,
        arithmetic,
    }
}

/// Every line of the bill (lines of nothing left out).
pub fn all(plan: &Plan, inventory: &Inventory, scale: &Scale, month: &Month) -> Vec<Line> {
    let mut lines = keys(inventory, scale);
    lines.extend(kms_requests(plan, scale));
    lines.extend(controller(plan, inventory, scale, month));
    lines.extend(sessions(plan, scale));
    lines.extend(endpoints(plan, inventory, scale));
    lines.retain(|l| l.quantity > 0.0);
    lines.sort_by_key(|l| l.part);
    lines
}

fn keys_of(count: usize) -> String {
    format!("{count} {}", if count == 1 { "key" } else { "keys" })
}

fn keys(inventory: &Inventory, scale: &Scale) -> Vec<Line> {
    let names = |ids: &[String]| ids.join(", ");
    let accounts = f64::from(scale.accounts);
    let regions = f64::from(scale.regions);
    let per_account = inventory.account_region_keys.len() as f64;
    let replicas = f64::from(inventory.replicated_keys * scale.other_regions);
    let mut lines = vec![
        line(
            Part::Keys,
            format!(
                "central keys, home Region ({})",
                names(&inventory.central_keys)
            ),
            inventory.central_keys.len() as f64,
            prices::KMS_KEY,
            keys_of(inventory.central_keys.len()),
        ),
        line(
            Part::Keys,
            "replicas of the central session key, one per other Region",
            replicas,
            prices::KMS_KEY,
            format!("{} other Regions", scale.other_regions),
        ),
        line(
            Part::Keys,
            format!(
                "the replica bucket's key ({})",
                names(&inventory.replica_keys)
            ),
            inventory.replica_keys.len() as f64,
            prices::KMS_KEY,
            keys_of(inventory.replica_keys.len()),
        ),
        line(
            Part::Keys,
            format!(
                "keys in every account and Region ({})",
                names(&inventory.account_region_keys)
            ),
            per_account * accounts * regions,
            prices::KMS_KEY,
            format!(
                "{} per account and Region × {} accounts × {} Regions",
                number(per_account),
                number(accounts),
                number(regions)
            ),
        ),
    ];
    let keys: f64 = lines.iter().map(|l| l.quantity).sum();
    let mut rotation = line(
        Part::Keys,
        "automatic rotation: +$1 a key after each of the first two rotations",
        keys * KMS_BILLED_ROTATIONS,
        prices::KMS_ROTATION,
        format!(
            "{} keys × {} rotations (yearly; none billed in the first year)",
            number(keys),
            KMS_BILLED_ROTATIONS
        ),
    );
    rotation.first_year = 0.0;
    lines.push(rotation);
    lines
}

fn kms_requests(plan: &Plan, scale: &Scale) -> Vec<Line> {
    let sessions = scale.sessions_total();
    let arithmetic = |per: f64| {
        format!(
            "{} accounts × {} sessions × {per}",
            number(scale.accounts.into()),
            number(scale.sessions.into())
        )
    };
    let mut lines = vec![
        line(
            Part::Sessions,
            "KMS: session data (the operator's client GenerateDataKey, the agent's Decrypt)",
            sessions * 2.0,
            prices::KMS_REQUESTS,
            arithmetic(2.0),
        ),
        line(
            Part::Sessions,
            "KMS: transcripts (S3 GenerateDataKey, at most one an upload; S3 Bucket Keys only lower it)",
            sessions,
            prices::KMS_REQUESTS,
            arithmetic(1.0),
        ),
    ];
    if plan.settings.cloudwatch.is_some() {
        lines.push(line(
            Part::Sessions,
            "KMS: CloudWatch Logs encrypting session streams (at most one a session)",
            sessions,
            prices::KMS_REQUESTS,
            arithmetic(1.0),
        ));
    }
    if plan.produces(Target::Replica) {
        lines.push(line(
            Part::Sessions,
            "KMS: replication (Decrypt with the bucket key, Encrypt with the replica's)",
            sessions * 2.0,
            prices::KMS_REQUESTS,
            arithmetic(2.0),
        ));
    }
    lines
}

fn controller(plan: &Plan, inventory: &Inventory, scale: &Scale, month: &Month) -> Vec<Line> {
    let accounts = f64::from(scale.accounts);
    let a = number(accounts);
    let runs = month.runs();
    let log_gb = accounts * month.log_gb();
    let kept_months =
        f64::from(inventory.controller_log_retention_days) / super::controller::DAYS_PER_MONTH;
    let mut lines = vec![
        line(
            Part::Controller,
            "Lambda invocations",
            accounts * runs,
            prices::LAMBDA_REQUESTS,
            format!(
                "{a} accounts × ({} scheduled + {} role events + {} stack events) runs",
                number(month.schedule_runs),
                number(month.role_event_runs),
                number(month.stack_runs)
            ),
        ),
        line(
            Part::Controller,
            format!("Lambda duration at {} MB, INIT included", inventory.function_memory_mb),
            accounts * month.gb_seconds(),
            prices::LAMBDA_DURATION,
            format!(
                "{a} accounts × ({} runs × {} s + {} role-event runs × {} s) × {} GB",
                number(month.schedule_runs + month.stack_runs),
                number(month.seconds_per_run),
                number(month.role_event_runs),
                number(month.seconds_per_role_event_run),
                number(month.memory_gb)
            ),
        ),
        line(
            Part::Controller,
            "the controller's logs, ingested",
            log_gb,
            prices::LOGS_INGESTION,
            format!("{a} accounts × {} runs × {} bytes", number(runs), number(month.log_bytes_per_run)),
        ),
        line(
            Part::Controller,
            format!("the controller's logs, kept {} days", inventory.controller_log_retention_days),
            log_gb * kept_months,
            prices::LOGS_STORAGE,
            format!("{} GB a month × {} months", number(log_gb), number(kept_months)),
        ),
        line(
            Part::Controller,
            "KMS: the controller finding the account's keys by alias (DescribeKey, every run, every Region)",
            accounts * runs * month.key_lookups_per_run,
            prices::KMS_REQUESTS,
            format!("{a} accounts × {} runs × {} lookups", number(runs), number(month.key_lookups_per_run)),
        ),
        line(
            Part::Controller,
            "EventBridge: the controllers' reports (custom events)",
            accounts * month.reports,
            prices::EVENTS_CUSTOM,
            format!("{a} accounts × {} reports", number(month.reports)),
        ),
    ];
    if plan.settings.member.report_event_bus_arn.is_some() {
        lines.push(line(
            Part::Controller,
            "EventBridge: the reports delivered to the central bus (another account)",
            accounts * month.reports,
            prices::EVENTS_CROSS_ACCOUNT,
            format!("{a} accounts × {} reports", number(month.reports)),
        ));
    }
    lines
}

/// How the session lines explain themselves: a count, a volume, a volume kept.
struct Wording {
    count: String,
    volume: String,
    kept: String,
}

impl Wording {
    fn of(scale: &Scale) -> Wording {
        let count = format!(
            "{} accounts × {} sessions",
            number(scale.accounts.into()),
            number(scale.sessions.into())
        );
        Wording {
            volume: format!("{count} × {} KB", number(scale.session_kb.into())),
            kept: format!(
                "{} GB a month × {} months kept",
                number(scale.session_gb()),
                scale.months_kept
            ),
            count,
        }
    }
}

fn sessions(plan: &Plan, scale: &Scale) -> Vec<Line> {
    let sessions = scale.sessions_total();
    let stored = scale.session_gb() * f64::from(scale.months_kept);
    let words = Wording::of(scale);
    let mut lines = vec![
        line(
            Part::Sessions,
            "S3: transcripts uploaded (PutObject)",
            sessions,
            prices::S3_PUT,
            words.count.clone(),
        ),
        line(
            Part::Sessions,
            "S3: the agent's GetBucketEncryption before each session",
            sessions,
            prices::S3_GET,
            words.count.clone(),
        ),
        line(
            Part::Sessions,
            "S3: transcripts stored (Standard)",
            stored,
            prices::S3_STORAGE,
            words.kept.clone(),
        ),
    ];
    if plan.produces(Target::Replica) {
        lines.extend(replication(scale, &words));
    }
    if let Some(cloudwatch) = &plan.settings.cloudwatch {
        lines.extend(cloudwatch_logs(scale, cloudwatch.retention_days, &words));
    }
    lines
}

fn replication(scale: &Scale, words: &Wording) -> [Line; 3] {
    let gb = scale.session_gb();
    [
        line(
            Part::Sessions,
            "S3 replication: PUTs into the replica",
            scale.sessions_total(),
            prices::S3_PUT,
            words.count.clone(),
        ),
        line(
            Part::Sessions,
            "S3 replication: transfer to the replica's Region",
            gb,
            prices::S3_INTER_REGION,
            words.volume.clone(),
        ),
        line(
            Part::Sessions,
            "S3 replication: the replica's storage",
            gb * f64::from(scale.months_kept),
            prices::S3_STORAGE,
            words.kept.clone(),
        ),
    ]
}

fn cloudwatch_logs(scale: &Scale, retention_days: u32, words: &Wording) -> [Line; 2] {
    let gb = scale.session_gb();
    let kept_months = f64::from(retention_days) / super::controller::DAYS_PER_MONTH;
    [
        line(
            Part::Sessions,
            "CloudWatch Logs: session logs ingested",
            gb,
            prices::LOGS_INGESTION,
            words.volume.clone(),
        ),
        line(
            Part::Sessions,
            format!("CloudWatch Logs: session logs kept {retention_days} days"),
            gb * kept_months,
            prices::LOGS_STORAGE,
            format!("{} GB a month × {} months", number(gb), number(kept_months)),
        ),
    ]
}

fn endpoints(plan: &Plan, inventory: &Inventory, scale: &Scale) -> Vec<Line> {
    if !plan.produces(Target::Endpoints) {
        return Vec::new();
    }
    let interface = inventory.interface_endpoints.len() as f64;
    let per_vpc = interface * f64::from(scale.endpoint_azs);
    vec![
        line(
            Part::Endpoints,
            format!(
                "interface endpoints ({})",
                inventory.interface_endpoints.join(", ")
            ),
            f64::from(scale.vpcs) * per_vpc * HOURS_PER_MONTH,
            prices::ENDPOINT_HOUR,
            format!(
                "{} VPCs × {} endpoints × {} AZs × {HOURS_PER_MONTH} hours",
                number(scale.vpcs.into()),
                number(interface),
                scale.endpoint_azs
            ),
        ),
        line(
            Part::Endpoints,
            "data through the endpoints (every session's data, an upper bound)",
            scale.session_gb(),
            prices::ENDPOINT_DATA,
            format!("{} GB a month", number(scale.session_gb())),
        ),
    ]
}
