//! `smlog verify`: the runbook's last steps, automated. Member checks in one
//! account or, by assuming a role, in many at once; and the central account's
//! coverage report. Talks to AWS through the `aws` CLI the user already has.

pub mod aws;
pub mod checks;
pub mod coverage;

use aws::Aws;
use checks::{Check, Expected, Status};
use coverage::Coverage;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// At most this many accounts are checked at once.
pub const PARALLEL_ACCOUNTS: usize = 8;

/// Where to run the member checks.
pub enum Accounts {
    /// The caller's own account.
    Caller,
    /// These accounts, by assuming a role in each.
    Listed { ids: Vec<String>, role: String },
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
                Ok(account) => checks::member(&aws, &account, &region, expected),
                Err(error) => vec![failed_to_reach("caller", &region, error.to_string())],
            }
        }
        Accounts::Listed { ids, role } => {
            let next = AtomicUsize::new(0);
            let done = AtomicUsize::new(0);
            let results = Mutex::new(Vec::new());
            let progress = std::io::stderr().is_terminal();
            std::thread::scope(|scope| {
                for _ in 0..PARALLEL_ACCOUNTS.min(ids.len()) {
                    scope.spawn(|| {
                        while let Some(account) = ids.get(next.fetch_add(1, Ordering::SeqCst)) {
                            let found = one_account(base, account, role, regions, expected);
                            results
                                .lock()
                                .expect("no thread panics holding it")
                                .extend(found);
                            let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                            if progress {
                                eprint!("\rverified {finished}/{} accounts", ids.len());
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
    role: &str,
    regions: &[String],
    expected: &Expected,
) -> Vec<Check> {
    let role_arn = format!("arn:aws:iam::{account}:role/{role}");
    match base.assume(&role_arn) {
        Ok(assumed) => regions
            .iter()
            .flat_map(|region| {
                let aws = Aws {
                    region: Some(region.clone()),
                    ..assumed.clone()
                };
                checks::member(&aws, account, region, expected)
            })
            .collect(),
        Err(error) => vec![failed_to_reach(
            account,
            regions.first().map_or("", |r| r),
            error.to_string(),
        )],
    }
}

pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status == Status::Pass)
}

pub fn checks_text(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let mark = match check.status {
            Status::Pass => "✔",
            Status::Fail => "✘",
            Status::Error => "✘ (error)",
        };
        out.push_str(&format!(
            "{mark} {} {} {}: {}",
            check.account, check.region, check.check, check.observed
        ));
        if check.status != Status::Pass {
            out.push_str(&format!(" (expected {})", check.expected));
        }
        out.push('\n');
    }
    let failed = checks.iter().filter(|c| c.status != Status::Pass).count();
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
