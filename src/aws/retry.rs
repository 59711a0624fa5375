//! When to try an AWS call again and how long to wait first: throttling,
//! `SlowDown`, 5xx answers and dropped connections are retried with capped
//! exponential back-off and full jitter (AWS's "exponential backoff and
//! jitter" advice); everything else fails at once.

use std::time::Duration;

/// Attempts per call, the first included. Throttling in a large organisation
/// is expected, so more than the SDKs' default of three.
pub const MAX_ATTEMPTS: u32 = 8;
const BASE_MILLIS: u64 = 100;
const CAP_MILLIS: u64 = 20_000;

/// Error codes AWS uses for "too many requests, slow down".
const THROTTLING: [&str; 12] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Whether an answer with this HTTP status and error code is worth another try.
pub fn retryable(status: u16, code: Option<&str>) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
        || code.is_some_and(|c| THROTTLING.contains(&c) || c == "InternalError")
}

/// How long to wait before attempt `attempt + 1` (the first retry has
/// `attempt` 1): a uniformly random time up to the capped exponential.
pub fn delay(attempt: u32, random: u64) -> Duration {
    let ceiling = BASE_MILLIS
        .saturating_mul(1u64 << attempt.min(20))
        .min(CAP_MILLIS);
    Duration::from_millis(random % (ceiling + 1))
}

/// A random number for the jitter (the operating system's generator).
pub fn random() -> u64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map(|()| u64::from_le_bytes(bytes))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_retried_other_errors_are_not() {
        assert!(retryable(400, Some("ThrottlingException")));
        assert!(retryable(503, Some("SlowDown")));
        assert!(retryable(503, None));
        assert!(retryable(429, None));
        assert!(!retryable(400, Some("AccessDeniedException")));
        assert!(!retryable(403, Some("AccessDenied")));
        assert!(!retryable(404, Some("NoSuchBucket")));
    }

    #[test]
    fn the_wait_grows_is_capped_and_is_jittered() {
        assert_eq!(delay(1, u64::MAX), Duration::from_millis(u64::MAX % 201));
        assert!(delay(1, 12_345) <= Duration::from_millis(200));
        assert!(delay(3, 12_345) <= Duration::from_millis(800));
        assert!(delay(30, u64::MAX) <= Duration::from_millis(CAP_MILLIS));
        assert_eq!(delay(5, 0), Duration::ZERO);
        assert_ne!(delay(6, 1_000), delay(6, 2_000));
    }
}
