//! `smlog audit`: did every session that happened leave a transcript? For
//! one account or many (the organisation's, with a role assumed in each, as
//! `verify` selects them), in every configured Region and a time window,
//! each session Session Manager reports is matched to its transcript in the
//! central bucket (`ACCOUNT/REGION/<session id>.log`, where the preferences
//! put it) and, with CloudWatch Logs on, to its log stream. AWS is called
//! in-process (`crate::aws`): thousands of accounts take minutes.

pub mod classify;
pub mod report;
pub mod scan;
pub mod window;

use crate::accounts::{self, Selection};
use crate::aws::{self, credentials, ops, Client, Endpoints};
use crate::error::{exit, Error, Result};
use crate::ids::{AccountId, Region};
use crate::plan::Plan;
use report::Report;
use scan::{Access, Account, Scope};
use std::time::Instant;
use window::Window;

/// Threads (and connections) at once unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const MAX_CONCURRENCY: usize = 256;

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Table, Format::Json, Format::Csv];

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

/// What the command line asks `audit` to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// `all` or a comma-separated list of account ids; none: the caller's account.
    pub accounts: Option<String>,
    pub assume_role: Option<String>,
    pub since: String,
    pub until: Option<String>,
    /// How long after its end a session without transcript is pending (`10m`).
    pub grace: String,
    /// Comma-separated; none: the configuration's `rollout.regions`.
    pub regions: Option<String>,
    /// The account holding the bucket, when the configuration's key ARNs do not say.
    pub central_account: Option<String>,
    pub profile: Option<String>,
    pub format: Format,
    pub concurrency: usize,
}

/// What to print and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

/// The Regions to audit: `--regions`, else the rollout's; all in the configuration's partition.
fn regions(plan: &Plan, flag: Option<&str>) -> Result<Vec<String>> {
    let Some(list) = flag else {
        return Ok(plan
            .settings
            .rollout
            .regions
            .iter()
            .map(|r| r.to_string())
            .collect());
    };
    let mut regions = Vec::new();
    for code in list.split(',').map(str::trim) {
        let region: Region = code
            .parse()
            .map_err(|e: crate::ids::InvalidId| Error::Usage(format!("--regions: {e}")))?;
        if region.partition() != plan.partition() {
            return Err(Error::Usage(format!(
                "--regions: {code} is in the {} partition; the configuration's Regions are in {}",
                region.partition().name(),
                plan.partition().name()
            )));
        }
        if !regions.contains(&region.to_string()) {
            regions.push(region.to_string());
        }
    }
    Ok(regions)
}

/// Everything the command line and the configuration fix before AWS is asked.
struct Checked {
    window: Window,
    regions: Vec<String>,
    selection: Selection,
    role: Option<String>,
    bucket: String,
    central: Option<String>,
    grace: i64,
}

fn check(plan: &Plan, options: &Options, now: i64) -> Result<Checked> {
    let window = Window::parse(&options.since, options.until.as_deref(), now)?;
    let grace = crate::verify::coverage::parse_duration(&options.grace)
        .and_then(|s| i64::try_from(s).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "--grace: {:?} is not an age such as 10m, 1h or 0s",
                options.grace
            ))
        })?;
    let regions = regions(plan, options.regions.as_deref())?;
    let selection = accounts::parse(options.accounts.as_deref())?;
    let role = accounts::role(&selection, options.assume_role.as_deref())?.map(|r| r.to_string());
    if !(1..=MAX_CONCURRENCY).contains(&options.concurrency) {
        return Err(Error::Usage(format!(
            "--concurrency: {} is not between 1 and {MAX_CONCURRENCY}",
            options.concurrency
        )));
    }
    let central = match &options.central_account {
        Some(id) => Some(
            id.parse::<AccountId>()
                .map_err(|e| Error::Usage(format!("--central-account: {e}")))?
                .to_string(),
        ),
        None => plan.central_account().map(|a| a.to_string()),
    };
    let bucket = plan.settings.bucket.name().map(|b| b.to_string()).ok_or_else(|| {
        Error::Config(
            "audit needs the log bucket's name: set bucket_name in smlog.yaml or pass --bucket-name".to_owned(),
        )
    })?;
    Ok(Checked {
        window,
        regions,
        selection,
        role,
        bucket,
        central,
        grace,
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Runs `audit`: checks every flag first, then asks AWS.
pub fn command(plan: &Plan, options: &Options) -> Result<Outcome> {
    let started = Instant::now();
    let now = now();
    let checked = check(plan, options, now)?;
    let caller = credentials::resolve(options.profile.as_deref())
        .map_err(Error::aws("resolving the caller's credentials"))?;
    let client = Client::new(plan.partition(), Endpoints::from_env(), options.concurrency);
    let sts_region = plan.settings.home_region.to_string();
    let identity = ops::caller_identity(&client, &caller, &sts_region)
        .map_err(Error::aws("asking STS who the caller is"))?;
    let ids = match &checked.selection {
        Selection::Caller => vec![identity.account.clone()],
        Selection::Organization => accounts::active(ops::list_accounts(&client, &caller).map_err(
            Error::aws("listing the organisation's accounts (organizations:ListAccounts)"),
        )?),
        Selection::Listed(ids) => ids.clone(),
    };
    let scope = scope(plan, &checked, &identity.account, &ids, sts_region, now);
    let found = scan::run(&client, &caller, &scope, options.concurrency);
    let report = Report::new(
        checked.window,
        &checked.bucket,
        ids.len(),
        checked.regions,
        found.rows,
        found.errors,
    );
    let mut stderr = statistics(&report, &client, started);
    let stdout = match options.format {
        Format::Table => report::table(&report),
        Format::Json => crate::emit::to_json(&report)?,
        Format::Csv => {
            stderr = report::csv_epilogue(&report) + &stderr;
            report::csv(&report)
        }
    };
    let code = match (report.errors.is_empty(), report.complete()) {
        (false, _) => exit::AWS,
        (true, false) => exit::VIOLATIONS,
        (true, true) => exit::OK,
    };
    Ok(Outcome {
        stdout,
        stderr,
        code,
    })
}

/// What the threads audit: each account reached with the caller's credentials
/// (its own account) or the assumed role, the bucket from the central account.
fn scope(
    plan: &Plan,
    checked: &Checked,
    caller: &str,
    ids: &[String],
    sts_region: String,
    now: i64,
) -> Scope {
    let partition = plan.partition().name();
    let access = |id: &str| match &checked.role {
        Some(role) if id != caller => Access::Assume {
            role_arn: accounts::role_arn(partition, id, role),
        },
        _ => Access::Caller,
    };
    let bucket_account = checked.central.clone().unwrap_or_else(|| caller.to_owned());
    Scope {
        accounts: ids
            .iter()
            .map(|id| Account {
                id: id.clone(),
                access: access(id),
            })
            .collect(),
        regions: checked.regions.clone(),
        bucket: checked.bucket.clone(),
        bucket_region: plan.settings.home_region.to_string(),
        bucket_access: Account {
            access: access(&bucket_account),
            id: bucket_account,
        },
        log_group: plan
            .settings
            .cloudwatch
            .as_ref()
            .map(|c| c.log_group_name.clone()),
        sts_region,
        window: checked.window,
        now,
        grace: checked.grace,
    }
}

/// One line on what the run cost, for stderr (never in the report: it varies).
fn statistics(report: &Report, client: &aws::Client, started: Instant) -> String {
    use std::sync::atomic::Ordering;
    let seconds = started.elapsed().as_secs_f64();
    format!(
        "smlog: audited {} account(s) × {} Region(s): {} sessions, {} calls ({} retried) in {seconds:.1} s, {:.0} sessions/s\n",
        report.accounts,
        report.regions.len(),
        report.total.sessions,
        client.counters.requests.load(Ordering::Relaxed),
        client.counters.retries.load(Ordering::Relaxed),
        report.total.sessions as f64 / seconds.max(0.001)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn options() -> Options {
        Options {
            accounts: None,
            assume_role: None,
            since: "7d".to_owned(),
            until: None,
            grace: "10m".to_owned(),
            regions: None,
            central_account: None,
            profile: None,
            format: Format::Table,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    fn plan_with_bucket() -> Plan {
        let raw = crate::config::RawConfig {
            bucket_name: Some("session-logs-central".to_owned()),
            ..Default::default()
        };
        Plan::new(raw.resolve().unwrap())
    }

    #[test]
    fn flags_are_checked_before_aws_is_asked() {
        let plan = plan_with_bucket();
        let checked = check(&plan, &options(), 1_000_000).unwrap();
        assert_eq!(checked.regions, ["us-east-1"]);
        assert_eq!(checked.bucket, "session-logs-central");
        let bad = |edit: fn(&mut Options)| {
            let mut o = options();
            edit(&mut o);
            check(&plan, &o, 1_000_000)
                .err()
                .map(|e| (e.exit_code(), e.to_string()))
        };
        let (code, text) = bad(|o| o.regions = Some("us-east-1,eu-wset-1".into())).unwrap();
        assert_eq!(code, exit::USAGE);
        assert!(text.contains("--regions: \"eu-wset-1\""), "{text}");
        assert!(bad(|o| o.regions = Some("cn-north-1".into()))
            .unwrap()
            .1
            .contains("aws-cn partition"));
        assert!(bad(|o| o.concurrency = 0)
            .unwrap()
            .1
            .contains("--concurrency: 0"));
        assert!(bad(|o| o.accounts = Some("all".into()))
            .unwrap()
            .1
            .contains("--assume-role"));
        assert!(bad(|o| o.central_account = Some("12".into()))
            .unwrap()
            .1
            .contains("--central-account"));
        assert_eq!(bad(|o| o.since = "tomorrow".into()).unwrap().0, exit::USAGE);
        assert!(bad(|o| o.grace = "soon".into())
            .unwrap()
            .1
            .contains("--grace: \"soon\""));
    }

    #[test]
    fn without_a_bucket_name_the_configuration_is_at_fault() {
        let error = check(&Plan::new(Settings::default()), &options(), 1_000_000)
            .err()
            .unwrap();
        assert_eq!(error.exit_code(), exit::CONFIG);
        assert!(error.to_string().contains("bucket_name"));
    }
}
