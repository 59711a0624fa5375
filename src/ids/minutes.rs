//! Whole minutes within the range Session Manager accepts for a setting.

use super::{invalid, InvalidId};

/// A whole number of minutes within the range Session Manager accepts for one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutes(u32);

impl Minutes {
    pub fn new(
        kind: &'static str,
        value: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Self, InvalidId> {
        if range.contains(&value) {
            Ok(Minutes(value))
        } else {
            invalid(
                kind,
                &value.to_string(),
                format!(
                    "must be between {} and {} minutes",
                    range.start(),
                    range.end()
                ),
            )
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

pub const IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=60;
pub const MAX_DURATION_RANGE: std::ops::RangeInclusive<u32> = 1..=1440;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_ranges() {
        assert!(Minutes::new("idle timeout", 0, IDLE_TIMEOUT_RANGE).is_err());
        assert!(Minutes::new("idle timeout", 60, IDLE_TIMEOUT_RANGE).is_ok());
        let err = Minutes::new("max duration", 1441, MAX_DURATION_RANGE).unwrap_err();
        assert!(err.to_string().contains("between 1 and 1440"), "{err}");
    }
}
