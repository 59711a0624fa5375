//! "Did you mean": the known key nearest to an unknown one.

/// The known key nearest to the unknown one in a serde "unknown field" message.
pub fn suggestion(message: &str) -> Option<String> {
    let unknown = message.split("unknown field `").nth(1)?.split('`').next()?;
    crate::ids::nearest(unknown, known_fields(message)?).map(str::to_owned)
}

/// Keys smlog no longer reads, with what replaced them.
const RETIRED: [(&str, &str); 2] = [
    (
        "iam_region",
        "member.iam_region is gone: one account controller now writes every Region's preferences from member.controller_region (default: where IAM's events arrive, us-east-1); remove the key, or set member.controller_region to the Region it named while you move an existing deployment (README, \"Moving from the per-Region member stacks\")",
    ),
    (
        "preferences",
        "member.preferences is gone: the account controller writes SSM-SessionManagerRunShell in every Region (creating or taking over the document, and giving it back on removal); remove the key",
    ),
];

/// What replaced a key smlog no longer reads, from a serde "unknown field" message.
pub fn retired(message: &str) -> Option<&'static str> {
    let unknown = message.split("unknown field `").nth(1)?.split('`').next()?;
    RETIRED
        .iter()
        .find(|(key, _)| *key == unknown)
        .map(|(_, replaced)| *replaced)
}

/// A serde message without smlog's own type names: "expected struct
/// RawMember" becomes "expected a mapping of keys".
pub fn without_type_names(message: &str) -> String {
    let mut plain = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("struct Raw") {
        plain.push_str(&rest[..at]);
        plain.push_str("a mapping of keys");
        let name = &rest[at + "struct ".len()..];
        let end = name
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(name.len());
        rest = &name[end..];
    }
    plain.push_str(rest);
    plain
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
    #[test]
    fn type_names_are_left_out_of_messages() {
        assert_eq!(
            super::without_type_names(
                "member: invalid type: string \"x\", expected struct RawMember at line 2"
            ),
            "member: invalid type: string \"x\", expected a mapping of keys at line 2"
        );
        assert_eq!(super::without_type_names("no names here"), "no names here");
    }

    use super::*;

    #[test]
    fn near_keys_are_suggested_and_far_ones_not() {
        let message = "unknown field `bucket_nmae`, expected one of `bucket_name`, `keys`";
        assert_eq!(suggestion(message).as_deref(), Some("bucket_name"));
        let message = "unknown field `zzzzzz`, expected one of `bucket_name`, `keys`";
        assert_eq!(suggestion(message), None);
    }
}
