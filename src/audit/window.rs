//! The audit's time window: `--since` and `--until`, each an ISO-8601 time
//! (`2026-12-01`, `2026-12-01T08:00:00Z`, `2026-12-01T09:00:00+01:00`) or an
//! age before now (`7d`, `12h`, `30m`, `45s`).

use crate::error::{Error, Result};
use crate::verify::coverage::parse_duration;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Sessions that started at or after `since` and before `until` (seconds
/// since the Unix epoch) are audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

const RULE: &str =
    "an ISO-8601 time (2026-12-01, 2026-12-01T08:00:00Z, 2026-12-01T09:00:00+01:00) \
                    or an age such as 7d, 12h, 30m";

/// One end of the window, relative to `now`.
fn moment(flag: &str, text: &str, now: i64) -> Result<i64> {
    let text = text.trim();
    let bad = || Error::Usage(format!("{flag}: {text:?} is not {RULE}"));
    if let Some(seconds) = parse_duration(text) {
        return i64::try_from(seconds)
            .ok()
            .and_then(|s| now.checked_sub(s))
            .ok_or_else(bad);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp());
    }
    // Without an offset, a time is UTC.
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), format) {
            return Ok(time.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .ok_or_else(bad)
}

impl Window {
    /// The window the flags describe; `until` defaults to now (this second included).
    pub fn parse(since: &str, until: Option<&str>, now: i64) -> Result<Window> {
        let since_at = moment("--since", since, now)?;
        let until_at = match until {
            Some(text) => moment("--until", text, now)?,
            None => now + 1,
        };
        if since_at >= until_at {
            return Err(Error::Usage(format!(
                "--since ({}) must be before --until ({}): the window would be empty",
                iso(since_at),
                iso(until_at)
            )));
        }
        Ok(Window {
            since: since_at,
            until: until_at,
        })
    }

    pub fn contains(&self, time: i64) -> bool {
        (self.since..self.until).contains(&time)
    }
}

/// `2026-12-01T08:00:00Z`.
pub fn iso(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z

    #[test]
    fn ages_and_times() {
        let w = Window::parse("7d", None, NOW).unwrap();
        assert_eq!((w.since, w.until), (NOW - 7 * 86_400, NOW + 1));
        assert!(w.contains(NOW));
        let w = Window::parse("2026-11-28", Some("2026-11-28T13:00:00+01:00"), NOW).unwrap();
        assert_eq!((w.since, w.until), (NOW - 12 * 3_600, NOW));
        let w = Window::parse("2026-11-28T06:00:00Z", Some("30m"), NOW).unwrap();
        assert_eq!((w.since, w.until), (NOW - 6 * 3_600, NOW - 1_800));
        assert_eq!(
            Window::parse("2026-11-28T11:00:00", None, NOW)
                .unwrap()
                .since,
            NOW - 3_600
        );
        assert!(w.contains(NOW - 3_600) && !w.contains(NOW - 1_800));
        assert_eq!(iso(NOW), "2026-11-28T12:00:00Z");
    }

    #[test]
    fn bad_times_name_the_flag_and_the_rule() {
        let error = Window::parse("last week", None, NOW).unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::USAGE);
        assert!(
            error
                .to_string()
                .contains("--since: \"last week\" is not an ISO-8601 time"),
            "{error}"
        );
        let error = Window::parse("1d", Some("2026-13-01"), NOW).unwrap_err();
        assert!(
            error.to_string().contains("--until: \"2026-13-01\""),
            "{error}"
        );
        let error = Window::parse("1h", Some("2h"), NOW).unwrap_err();
        assert!(
            error.to_string().contains("must be before --until"),
            "{error}"
        );
    }
}
