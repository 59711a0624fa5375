//! "Did you mean": the known key nearest to an unknown one.

/// The known key nearest to the unknown one in a serde "unknown field" message.
pub fn suggestion(message: &str) -> Option<String> {
    let unknown = message.split("unknown field `").nth(1)?.split('`').next()?;
    crate::ids::nearest(unknown, known_fields(message)?).map(str::to_owned)
}

/// The fields a serde "unknown field" message says are expected.
pub fn known_fields(message: &str) -> Option<Vec<&str>> {
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))?;
    Some(expected.split('`').skip(1).step_by(2).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_keys_are_suggested_and_far_ones_not() {
        let message = "unknown field `bucket_nmae`, expected one of `bucket_name`, `keys`";
        assert_eq!(suggestion(message).as_deref(), Some("bucket_name"));
        let message = "unknown field `zzzzzz`, expected one of `bucket_name`, `keys`";
        assert_eq!(suggestion(message), None);
    }
}
