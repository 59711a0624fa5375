//! `retention` as written to what the log bucket keeps and where its S3
//! server access logs go: Object Lock, lifecycle, and access logging (on by
//! default, into a bucket the stack creates, an existing one, or off).

use super::raw::{RawObjectLock, RawRetention};
use super::resolve::parse_opt;
use super::settings::{AccessLogs, LockPeriod, ObjectLock, RetentionSettings, MAX_LOCK_YEARS};
use crate::error::{Error, Result};

fn at_least_one_day(field: &str, value: Option<u32>) -> Result<Option<u32>> {
    match value {
        Some(0) => Err(Error::field(
            field,
            "0 days is not a period: give at least 1",
        )),
        other => Ok(other),
    }
}

fn object_lock(lock: &RawObjectLock) -> Result<ObjectLock> {
    let period = match (lock.days, lock.years) {
        (Some(days), None) if (1..=MAX_LOCK_YEARS * 365).contains(&days) => LockPeriod::Days(days),
        (None, Some(years)) if (1..=MAX_LOCK_YEARS).contains(&years) => LockPeriod::Years(years),
        (Some(_), Some(_)) | (None, None) => {
            return Err(Error::field(
                "retention.object_lock",
                "give the default retention in days or in years (one of the two)",
            ))
        }
        _ => {
            return Err(Error::field(
                "retention.object_lock",
                format!(
                    "the retention must be 1 to {} days or 1 to {MAX_LOCK_YEARS} years",
                    MAX_LOCK_YEARS * 365
                ),
            ))
        }
    };
    Ok(ObjectLock {
        mode: lock.mode,
        period,
    })
}

impl RawRetention {
    /// Where the server access logs go: a bucket the stack creates unless
    /// another is named, or nowhere when switched off (and then no bucket
    /// may be named for them).
    fn access_logs(&self) -> Result<AccessLogs> {
        let named = parse_opt(
            "retention.access_log_bucket",
            self.access_log_bucket.as_ref(),
        )?;
        match (self.access_logging.unwrap_or(true), named) {
            (true, None) => Ok(AccessLogs::Created),
            (true, Some(bucket)) => Ok(AccessLogs::Existing(bucket)),
            (false, None) => Ok(AccessLogs::Off),
            (false, Some(bucket)) => Err(Error::field(
                "retention.access_logging",
                format!(
                    "false switches server access logging off, but retention.access_log_bucket names {bucket:?} for the logs: remove one of the two"
                ),
            )),
        }
    }

    pub(super) fn resolve(&self) -> Result<RetentionSettings> {
        let object_lock = self.object_lock.as_ref().map(object_lock).transpose()?;
        let noncurrent_version_expiration_days = at_least_one_day(
            "retention.noncurrent_version_expiration_days",
            self.noncurrent_version_expiration_days,
        )?;
        if let (Some(lock), Some(expiry)) = (object_lock, noncurrent_version_expiration_days) {
            let locked_days = lock.period.days();
            if expiry < locked_days {
                return Err(Error::field(
                    "retention.noncurrent_version_expiration_days",
                    format!(
                        "{expiry} days is shorter than the Object Lock retention ({locked_days} days, {} mode): S3 Lifecycle never deletes a locked version, so the expiry would silently wait for the lock; give at least {locked_days}",
                        lock.mode.as_str()
                    ),
                ));
            }
        }
        Ok(RetentionSettings {
            object_lock,
            transition_to_glacier_days: at_least_one_day(
                "retention.transition_to_glacier_days",
                self.transition_to_glacier_days,
            )?,
            noncurrent_version_expiration_days,
            access_logs: self.access_logs()?,
        })
    }
}
