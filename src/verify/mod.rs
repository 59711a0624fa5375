//! `smlog verify`: the runbook's last steps, automated. Member checks in one
//! account or, by assuming a role, in many at once; and the central account's
//! coverage report. Talks to AWS through the `aws` CLI the user already has.

pub mod aws;
pub mod checks;
pub mod coverage;
mod covers;
mod existing;
mod reads;

use crate::accounts::{self, Selection};
use crate::emit;
use crate::error::{Error, Result};
use crate::ids::{KmsKeyArn, Region};
use crate::plan::Plan;
use aws::Aws;
use checks::{Check, Expected, Status};
use coverage::Coverage;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// At most this many accounts are checked at once.
pub const PARALLEL_ACCOUNTS: usize = 8;

/// What the command line asks `verify` to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The coverage report in the central account instead of the member checks.
    pub central: bool,
    /// `all` or a comma-separated list of account ids.
    pub accounts: Option<String>,
    pub assume_role: Option<String>,
    /// `7d`, `12h`, `30m`.
    pub stale_after: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub bucket_key_arn: Option<String>,
    pub session_key_arn: Option<String>,
    pub json: bool,
}

fn flag(name: &str, err: crate::ids::InvalidId) -> Error {
    Error::field(name, err.to_string())
}

/// A key ARN from a flag (checked) or else from the configuration.
fn expected_key(
    given: &Option<String>,
    configured: &Option<KmsKeyArn>,
    name: &str,
) -> Result<Option<KmsKeyArn>> {
    match given {
        Some(arn) => Ok(Some(arn.parse::<KmsKeyArn>().map_err(|e| flag(name, e))?)),
        None => Ok(configured.clone()),
    }
}

/// Runs `verify`: the report to print, and whether everything passed.
pub fn command(plan: &Plan, options: &Options) -> Result<(String, bool)> {
    let settings = &plan.settings;
    let bucket = settings.bucket.name().map(|b| b.to_string()).ok_or_else(|| {
        Error::Usage("verify needs the bucket's name: set bucket_name in smlog.yaml or pass --bucket-name".to_owned())
    })?;
    if let Some(region) = &options.region {
        region.parse::<Region>().map_err(|e| flag("--region", e))?;
    }
    let stale_after = coverage::parse_duration(&options.stale_after).ok_or_else(|| {
        Error::field(
            "--stale-after",
            format!(
                "{:?} is not a duration such as 7d, 12h or 30m",
                options.stale_after
            ),
        )
    })?;
    let base = Aws {
        profile: options.profile.clone(),
        region: options.region.clone(),
        credentials: Vec::new(),
    };
    let selection = accounts::parse(options.accounts.as_deref())?;
    let listed: Option<Vec<String>> = match &selection {
        Selection::Caller => None,
        Selection::Organization => {
            Some(coverage::organization_accounts(&base).map_err(Error::aws("listing accounts"))?)
        }
        Selection::Listed(ids) => Some(ids.clone()),
    };

    if options.central {
        let expected = listed.unwrap_or_else(|| {
            settings
                .scope
                .accounts
                .iter()
                .map(|a| a.to_string())
                .collect()
        });
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        // An existing bucket's policies first: without them nothing arrives.
        let policies = if plan.produces(crate::plan::Target::CentralStatements) {
            existing::check(&base, &crate::stacks::existing::statements(plan))
        } else {
            Vec::new()
        };
        let report = coverage::report(&base, &bucket, &expected, stale_after, now)
            .map_err(Error::aws(&format!("listing {bucket}")))?;
        let text = match (options.json, policies.is_empty()) {
            (true, true) => emit::to_json(&report)?,
            (true, false) => {
                emit::to_json(&serde_json::json!({"policies": policies, "coverage": report}))?
            }
            (false, true) => coverage_text(&report),
            (false, false) => checks_text(&policies) + &coverage_text(&report),
        };
        let complete = report.silent.is_empty() && report.stale.is_empty();
        return Ok((text, complete && passed(&policies)));
    }

    let expected = Expected {
        bucket,
        bucket_key_arn: expected_key(
            &options.bucket_key_arn,
            &settings.member.bucket_key_arn,
            "--bucket-key-arn",
        )?,
        session_key_arn: expected_key(
            &options.session_key_arn,
            &settings.member.session_key_arn,
            "--session-key-arn",
        )?,
        attach: settings.member.attach.clone(),
        rdp_recording: settings.session.rdp_recording,
        partition: base
            .partition()
            .map_err(Error::aws("reading the caller's identity"))?,
    };
    let (accounts, regions) = match listed {
        Some(ids) => {
            let role = accounts::role(&selection, options.assume_role.as_deref())?
                .expect("a role is required with --accounts");
            let regions = match &options.region {
                Some(region) => vec![region.clone()],
                None => settings
                    .rollout
                    .regions
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
            };
            let roles = ids
                .into_iter()
                .map(|id| {
                    let arn = accounts::role_arn(&expected.partition, &id, role.as_ref());
                    (id, arn)
                })
                .collect();
            (Accounts::Listed { roles }, regions)
        }
        None => {
            let region = base.effective_region().ok_or_else(|| {
                Error::Usage("no Region: pass --region or configure one for the aws CLI".to_owned())
            })?;
            (Accounts::Caller, vec![region])
        }
    };
    let found = members(&base, &accounts, &regions, &expected);
    let text = if options.json {
        emit::to_json(&found)?
    } else {
        checks_text(&found)
    };
    Ok((text, passed(&found)))
}

/// Where to run the member checks.
pub enum Accounts {
    /// The caller's own account.
    Caller,
    /// These accounts, each with the ARN of the role to assume there.
    Listed { roles: Vec<(String, String)> },
}

/// Runs the member checks in every account and Region.
pub fn members(
    base: &Aws,
    accounts: &Accounts,
    regions: &[String],
    expected: &Expected,
) -> Vec<Check> {
    match accounts {
        Accounts::Caller => {
            let region = regions.first().cloned().unwrap_or_default();
            let aws = Aws {
                region: Some(region.clone()),
                ..base.clone()
            };
            match aws.account() {
                Ok(account) => {
                    let mut found = checks::member(&aws, &account, &region, expected);
                    found.extend(checks::agent_policy_holders(&aws, &account, expected));
                    found
                }
                Err(error) => vec![failed_to_reach("caller", &region, error.to_string())],
            }
        }
        Accounts::Listed { roles } => {
            let next = AtomicUsize::new(0);
            let done = AtomicUsize::new(0);
            let results = Mutex::new(Vec::new());
            let progress = std::io::stderr().is_terminal();
            std::thread::scope(|scope| {
                for _ in 0..PARALLEL_ACCOUNTS.min(roles.len()) {
                    scope.spawn(|| {
                        while let Some((account, role_arn)) =
                            roles.get(next.fetch_add(1, Ordering::SeqCst))
                        {
                            let found = one_account(base, account, role_arn, regions, expected);
                            results
                                .lock()
                                .expect("no thread panics holding it")
                                .extend(found);
                            let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                            if progress {
                                eprint!("\rverified {finished}/{} accounts", roles.len());
                                let _ = std::io::stderr().flush();
                            }
                        }
                    });
                }
            });
            if progress {
                eprintln!();
            }
            let mut checks = results.into_inner().expect("no thread panicked");
            checks.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
            checks
        }
    }
}

fn failed_to_reach(account: &str, region: &str, error: String) -> Check {
    Check {
        account: account.to_owned(),
        region: region.to_owned(),
        check: "credentials for the account".to_owned(),
        status: Status::Error,
        observed: error,
        expected: "a session in the account".to_owned(),
    }
}

fn one_account(
    base: &Aws,
    account: &str,
    role_arn: &str,
    regions: &[String],
    expected: &Expected,
) -> Vec<Check> {
    match base.assume(role_arn) {
        Ok(assumed) => {
            let mut found: Vec<Check> = regions
                .iter()
                .flat_map(|region| {
                    let aws = Aws {
                        region: Some(region.clone()),
                        ..assumed.clone()
                    };
                    checks::member(&aws, account, region, expected)
                })
                .collect();
            found.extend(checks::agent_policy_holders(&assumed, account, expected));
            found
        }
        Err(error) => vec![failed_to_reach(
            account,
            regions.first().map_or("", |r| r),
            error.to_string(),
        )],
    }
}

pub fn passed(checks: &[Check]) -> bool {
    checks
        .iter()
        .all(|c| matches!(c.status, Status::Pass | Status::Note))
}

pub fn checks_text(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let mark = match check.status {
            Status::Pass => "✔",
            Status::Note => "·",
            Status::Fail => "✘",
            Status::Error => "✘ (error)",
        };
        out.push_str(&format!(
            "{mark} {} {} {}: {}",
            check.account, check.region, check.check, check.observed
        ));
        if matches!(check.status, Status::Fail | Status::Error) {
            out.push_str(&format!(" (expected {})", check.expected));
        }
        out.push('\n');
    }
    let failed = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .count();
    out.push_str(&format!("{} checks, {failed} not passed\n", checks.len()));
    out
}

pub fn coverage_text(coverage: &Coverage) -> String {
    let mut out = format!("Session logs in {}:\n", coverage.bucket);
    out.push_str(&format!(
        "{:<14} {:<16} {:>6}  newest log\n",
        "account", "region", "logs"
    ));
    for prefix in &coverage.prefixes {
        out.push_str(&format!(
            "{:<14} {:<16} {:>6}  {}\n",
            prefix.account, prefix.region, prefix.logs, prefix.newest
        ));
    }
    let days = coverage.stale_after_seconds as f64 / 86_400.0;
    match (coverage.silent.is_empty(), coverage.stale.is_empty()) {
        (true, true) => out.push_str("✔ every expected account has logged recently\n"),
        _ => {
            for account in &coverage.silent {
                out.push_str(&format!("✘ {account}: never logged\n"));
            }
            for account in &coverage.stale {
                out.push_str(&format!("✘ {account}: no log in the last {days:.1} days\n"));
            }
        }
    }
    out
}
