//! The central account's coverage report: for each account and Region prefix
//! in the bucket, the newest session log, and which accounts are silent.

use super::aws::{Aws, AwsError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Prefix {
    pub account: String,
    pub region: String,
    pub logs: usize,
    pub newest: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub bucket: String,
    pub prefixes: Vec<Prefix>,
    /// Expected accounts with no log at all.
    pub silent: Vec<String>,
    /// Expected accounts whose newest log is older than the limit.
    pub stale: Vec<String>,
    pub stale_after_seconds: u64,
}

/// Seconds since the Unix epoch of an ISO 8601 UTC time such as
/// `2026-11-28T12:00:00.000Z` or `2026-11-28T12:00:00+00:00`.
pub fn epoch_seconds(time: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from the civil calendar (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// `7d`, `12h`, `30m` or `45s` as seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let number: u64 = number.parse().ok()?;
    let unit = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return None,
    };
    number.checked_mul(unit)
}

pub fn report(
    aws: &Aws,
    bucket: &str,
    expected: &[String],
    stale_after: u64,
    now: i64,
) -> Result<Coverage, AwsError> {
    let listing = aws.call(&["s3api", "list-objects-v2", "--bucket", bucket])?;
    let mut prefixes: Vec<Prefix> = Vec::new();
    for object in listing["Contents"].as_array().into_iter().flatten() {
        let (Some(key), Some(modified)) = (object["Key"].as_str(), object["LastModified"].as_str())
        else {
            continue;
        };
        let mut parts = key.splitn(3, '/');
        let (Some(account), Some(region), Some(_)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        match prefixes
            .iter_mut()
            .find(|p| p.account == account && p.region == region)
        {
            Some(prefix) => {
                prefix.logs += 1;
                if epoch_seconds(modified) > epoch_seconds(&prefix.newest) {
                    prefix.newest = modified.to_owned();
                }
            }
            None => prefixes.push(Prefix {
                account: account.to_owned(),
                region: region.to_owned(),
                logs: 1,
                newest: modified.to_owned(),
            }),
        }
    }
    prefixes.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    let newest_of = |account: &str| {
        prefixes
            .iter()
            .filter(|p| p.account == account)
            .filter_map(|p| epoch_seconds(&p.newest))
            .max()
    };
    let mut silent = Vec::new();
    let mut stale = Vec::new();
    for account in expected {
        match newest_of(account) {
            None => silent.push(account.clone()),
            Some(newest) if now - newest > stale_after as i64 => stale.push(account.clone()),
            Some(_) => {}
        }
    }
    Ok(Coverage {
        bucket: bucket.to_owned(),
        prefixes,
        silent,
        stale,
        stale_after_seconds: stale_after,
    })
}

/// The organisation's active accounts (needs the management or a delegated-administrator account).
pub fn organization_accounts(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let answer = aws.call(&["organizations", "list-accounts"])?;
    let listed = answer["Accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let status = a["Status"].as_str().unwrap_or("ACTIVE");
            Some((a["Id"].as_str()?.to_owned(), status.to_owned()))
        })
        .collect();
    Ok(crate::accounts::active(listed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            epoch_seconds("2026-11-28T12:00:00.000Z"),
            Some(1_795_867_200)
        );
        assert_eq!(
            epoch_seconds("2026-11-28T12:00:00+00:00"),
            Some(1_795_867_200)
        );
        assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(epoch_seconds("garbage"), None);
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("12h"), Some(43_200));
        assert_eq!(parse_duration("7"), None);
        assert_eq!(parse_duration("d"), None);
    }
}
