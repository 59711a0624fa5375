//! The session's preferences and where its key lives.

use super::{at, parse_opt, shell_profile};
use crate::config::raw::RawConfig;
use crate::config::settings::*;
use crate::error::{Error, Result};
use crate::ids::{Minutes, Region, IDLE_TIMEOUT_RANGE, MAX_DURATION_RANGE};

pub(super) fn session(raw: &RawConfig) -> Result<SessionSettings> {
    let session = raw.session.clone().unwrap_or_default();
    let idle_timeout = Minutes::new(
        "idle timeout",
        session
            .idle_timeout_minutes
            .unwrap_or(DEFAULT_IDLE_TIMEOUT_MINUTES),
        IDLE_TIMEOUT_RANGE,
    )
    .map_err(at("session.idle_timeout_minutes"))?;
    let max_duration = session
        .max_duration_minutes
        .map(|m| Minutes::new("maximum session duration", m, MAX_DURATION_RANGE))
        .transpose()
        .map_err(at("session.max_duration_minutes"))?;
    let just_in_time = session.just_in_time.unwrap_or(false);
    if just_in_time && max_duration.is_none() {
        return Err(Error::field(
            "session.just_in_time",
            "just-in-time node access needs session.max_duration_minutes: Systems Manager does not end just-in-time sessions when the approved access window closes, so the maximum duration is what keeps a session within it",
        ));
    }
    Ok(SessionSettings {
        idle_timeout,
        max_duration,
        just_in_time,
        rdp_recording: session.rdp_recording.unwrap_or(false),
        run_as_user: parse_opt("session.run_as_user", session.run_as_user.as_ref())?,
        linux_shell_profile: shell_profile(
            "session.linux_shell_profile",
            &session.linux_shell_profile,
        )?,
        windows_shell_profile: shell_profile(
            "session.windows_shell_profile",
            &session.windows_shell_profile,
        )?,
    })
}

/// Which key encrypts session data. KMS keys are regional and agents use the
/// session key in their own Region: a central key used beyond the home
/// Region is a multi-Region key.
pub(super) fn session_key(
    raw: &RawConfig,
    regions: &[Region],
    home_region: &Region,
) -> Result<SessionKey> {
    let placement = raw
        .session
        .as_ref()
        .and_then(|s| s.key_placement)
        .unwrap_or_default();
    let multi_region = regions.iter().any(|r| r != home_region);
    match (raw.keys.unwrap_or_default(), placement) {
        (KeyMode::One, KeyPlacement::PerAccount) => Err(Error::field(
            "session.key_placement",
            "per-account session keys need keys: two (with keys: one the bucket key is the session key)",
        )),
        (KeyMode::One, KeyPlacement::Central) => Ok(SessionKey::Shared { multi_region }),
        (KeyMode::Two, KeyPlacement::PerAccount) => Ok(SessionKey::PerAccount),
        (KeyMode::Two, KeyPlacement::Central) => Ok(SessionKey::Central { multi_region }),
    }
}
