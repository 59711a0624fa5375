//! The audit's work, account × Region at a time, by a bounded number of
//! threads sharing one connection pool: the sessions SSM reports, the
//! transcripts under the account's and Region's prefix in the bucket (listed
//! once, and only where there were sessions), the CloudWatch log streams when
//! they are configured, and a verdict on each session. Errors are kept per
//! account or account and Region; the rest goes on.

use super::classify::{self, Evidence};
use super::report::{Failure, Row};
use super::window::{iso, Window};
use crate::aws::ops::{self, Session};
use crate::aws::{AwsError, Client, Credentials};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How to act in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// With the caller's own credentials (the caller's account).
    Caller,
    /// With a role assumed there.
    Assume { role_arn: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub access: Access,
}

/// Everything one run audits, decided before the first call.
#[derive(Debug, Clone)]
pub struct Scope {
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    pub bucket: String,
    /// Where the bucket is expected (S3 says when it is elsewhere).
    pub bucket_region: String,
    /// How to reach the bucket: from the central account.
    pub bucket_access: Account,
    /// The session log group, when CloudWatch Logs is configured.
    pub log_group: Option<String>,
    /// Where STS is called.
    pub sts_region: String,
    pub window: Window,
    pub now: i64,
    /// Seconds after a session's end during which a missing transcript is pending.
    pub grace: i64,
}

/// What the threads found.
#[derive(Debug, Default)]
pub struct Found {
    pub rows: Vec<Row>,
    pub errors: Vec<Failure>,
}

struct Shared<'a> {
    client: &'a Client,
    caller: &'a Credentials,
    scope: &'a Scope,
    /// Per account, its credentials once asked for (the error is recorded once).
    credentials: Vec<OnceLock<Option<Credentials>>>,
    bucket_credentials: OnceLock<Option<Credentials>>,
    bucket_region: Mutex<String>,
    found: Mutex<Found>,
    sessions: AtomicUsize,
}

fn failure(account: &str, region: &str, doing: &str, error: &AwsError) -> Failure {
    Failure {
        account: account.to_owned(),
        region: region.to_owned(),
        doing: doing.to_owned(),
        error: error.message.clone(),
    }
}

impl Shared<'_> {
    fn record(&self, rows: Vec<Row>, errors: Vec<Failure>) {
        let mut found = self.found.lock().expect("no thread panics holding it");
        found.rows.extend(rows);
        found.errors.extend(errors);
    }

    /// Credentials for `account`, assumed once; `None` after a failure (recorded).
    fn access<'c>(
        &'c self,
        cell: &'c OnceLock<Option<Credentials>>,
        account: &Account,
    ) -> Option<&'c Credentials> {
        cell.get_or_init(|| match &account.access {
            Access::Caller => Some(self.caller.clone()),
            Access::Assume { role_arn } => {
                match ops::assume_role(
                    self.client,
                    self.caller,
                    &self.scope.sts_region,
                    role_arn,
                    "smlog-audit",
                ) {
                    Ok(credentials) => Some(credentials),
                    Err(error) => {
                        let doing = format!("assuming {role_arn}");
                        self.record(
                            Vec::new(),
                            vec![failure(&account.id, "all Regions", &doing, &error)],
                        );
                        None
                    }
                }
            }
        })
        .as_ref()
    }

    /// The session ids with a transcript under `ACCOUNT/REGION/`.
    fn transcripts(&self, account: &str, region: &str) -> Result<BTreeSet<String>, Failure> {
        let scope = self.scope;
        let doing = format!("listing s3://{}/{account}/{region}/", scope.bucket);
        let credentials = self
            .access(&self.bucket_credentials, &scope.bucket_access)
            .ok_or_else(|| Failure {
                account: account.to_owned(),
                region: region.to_owned(),
                doing: doing.clone(),
                error: format!(
                    "no credentials for the bucket's account {}",
                    scope.bucket_access.id
                ),
            })?;
        let mut bucket_region = self.bucket_region.lock().expect("not poisoned").clone();
        let prefix = format!("{account}/{region}/");
        let keys = ops::list_keys(
            self.client,
            credentials,
            &mut bucket_region,
            &scope.bucket,
            &prefix,
        )
        .map_err(|e| failure(account, region, &doing, &e))?;
        *self.bucket_region.lock().expect("not poisoned") = bucket_region;
        Ok(keys
            .iter()
            .filter_map(|key| key.strip_prefix(&prefix)?.strip_suffix(".log"))
            .filter(|id| !id.contains('/'))
            .map(str::to_owned)
            .collect())
    }

    /// Every session of one account and Region, with its verdict.
    fn audit(
        &self,
        account: &str,
        credentials: &Credentials,
        region: &str,
    ) -> Result<Vec<Row>, Failure> {
        let window = self.scope.window;
        let sessions: Vec<Session> = ops::describe_sessions(
            self.client,
            credentials,
            region,
            &iso(window.since),
            &iso(window.until),
        )
        .map_err(|e| {
            failure(
                account,
                region,
                "listing sessions (ssm:DescribeSessions)",
                &e,
            )
        })?
        .into_iter()
        .filter(|s| s.start.is_none_or(|t| window.contains(t)))
        .collect();
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        self.sessions.fetch_add(sessions.len(), Ordering::Relaxed);
        let unjudged = |mut failure: Failure| {
            failure.error.push_str(&format!(
                " ({} session(s) there not judged)",
                sessions.len()
            ));
            failure
        };
        let transcripts = self.transcripts(account, region).map_err(unjudged)?;
        let streams: Option<BTreeSet<String>> = match &self.scope.log_group {
            None => None,
            Some(group) => Some(
                ops::log_streams_since(
                    self.client,
                    credentials,
                    region,
                    group,
                    window.since * 1000,
                )
                .map_err(|e| {
                    unjudged(failure(
                        account,
                        region,
                        &format!("listing the log streams of {group}"),
                        &e,
                    ))
                })?
                .into_iter()
                .collect(),
            ),
        };
        Ok(sessions
            .into_iter()
            .map(|s| self.row(account, region, s, &transcripts, streams.as_ref()))
            .collect())
    }

    fn row(
        &self,
        account: &str,
        region: &str,
        s: Session,
        transcripts: &BTreeSet<String>,
        streams: Option<&BTreeSet<String>>,
    ) -> Row {
        let loggable = classify::unloggable_reason(&s.document).is_none();
        let evidence = Evidence {
            in_bucket: transcripts.contains(&s.id),
            in_cloudwatch: streams.map(|found| found.contains(&s.id)),
        };
        let verdict = classify::verdict(
            &s.document,
            evidence,
            s.end.or(s.start),
            self.scope.now,
            self.scope.grace,
        );
        let note = classify::unloggable_reason(&s.document)
            .map(str::to_owned)
            .or_else(|| classify::document_note(&s.document))
            .unwrap_or_default();
        Row {
            account: account.to_owned(),
            region: region.to_owned(),
            transcript: if evidence.in_bucket {
                format!("{account}/{region}/{}.log", s.id)
            } else {
                String::new()
            },
            log_stream: evidence.in_cloudwatch.filter(|_| loggable),
            session_id: s.id,
            owner: s.owner,
            target: s.target,
            document: s.document,
            access_type: s.access_type,
            start: s.start.map(iso).unwrap_or_default(),
            end: s.end.map(iso).unwrap_or_default(),
            status: s.status,
            reason: s.reason,
            verdict,
            note,
        }
    }
}

/// A progress line on stderr, at most five times a second, only on a terminal.
struct Progress {
    shown: bool,
    last: Mutex<Instant>,
}

impl Progress {
    fn show(&self, done: usize, total: usize, shared: &Shared<'_>) {
        if !self.shown {
            return;
        }
        let mut last = self.last.lock().expect("not poisoned");
        if last.elapsed() < Duration::from_millis(200) && done < total {
            return;
        }
        *last = Instant::now();
        eprint!(
            "\raudit: {done}/{total} account-Regions, {} sessions, {} calls ",
            shared.sessions.load(Ordering::Relaxed),
            shared.client.counters.requests.load(Ordering::Relaxed)
        );
        let _ = std::io::stderr().flush();
    }
}

/// Audits every account × Region of `scope` with at most `concurrency` threads.
pub fn run(client: &Client, caller: &Credentials, scope: &Scope, concurrency: usize) -> Found {
    let shared = Shared {
        client,
        caller,
        scope,
        credentials: scope.accounts.iter().map(|_| OnceLock::new()).collect(),
        bucket_credentials: OnceLock::new(),
        bucket_region: Mutex::new(scope.bucket_region.clone()),
        found: Mutex::new(Found::default()),
        sessions: AtomicUsize::new(0),
    };
    let total = scope.accounts.len() * scope.regions.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let progress = Progress {
        shown: std::io::stderr().is_terminal(),
        last: Mutex::new(Instant::now()),
    };
    std::thread::scope(|threads| {
        for _ in 0..concurrency.min(total) {
            threads.spawn(|| loop {
                let item = next.fetch_add(1, Ordering::SeqCst);
                if item >= total {
                    return;
                }
                let (a, r) = (item / scope.regions.len(), item % scope.regions.len());
                let account = &scope.accounts[a];
                if let Some(credentials) = shared.access(&shared.credentials[a], account) {
                    match shared.audit(&account.id, credentials, &scope.regions[r]) {
                        Ok(rows) => shared.record(rows, Vec::new()),
                        Err(error) => shared.record(Vec::new(), vec![error]),
                    }
                }
                progress.show(done.fetch_add(1, Ordering::SeqCst) + 1, total, &shared);
            });
        }
    });
    if progress.shown && total > 0 {
        eprintln!();
    }
    shared.found.into_inner().expect("no thread panicked")
}
