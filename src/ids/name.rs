//! Names smlog checks before AWS would: buckets, roles, StackSets, OS users.

use super::{invalid, is_lower_alnum, InvalidId};
use std::str::FromStr;

string_id!(
    /// An S3 general purpose bucket name that S3 accepts today and smlog can serve over TLS.
    BucketName,
    pattern: "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
    constraint: "3 to 63 lowercase letters, digits and hyphens, beginning and ending with a letter or digit"
);
string_id!(
    /// An IAM role name (not an ARN).
    RoleName,
    pattern: "^[A-Za-z0-9+=.@_-]{1,64}$",
    constraint: "1 to 64 letters, digits and +=.@_-"
);
string_id!(
    /// A StackSet name.
    StackSetName,
    pattern: "^[a-zA-Z][a-zA-Z0-9-]{0,127}$",
    constraint: "a letter, then up to 127 letters, digits and hyphens"
);
string_id!(
    /// An operating-system user name for Session Manager's run-as support.
    OsUserName,
    pattern: "^[a-z_][a-z0-9_-]{0,31}$",
    constraint: "1 to 32 characters: a lowercase letter or _, then lowercase letters, digits, _ or -"
);

const RESERVED_BUCKET_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_BUCKET_SUFFIXES: [&str; 4] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];

impl FromStr for BucketName {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let fail = |rule: &str| invalid("bucket name", s, rule);
        if !(3..=63).contains(&s.len()) {
            return fail("must be 3 to 63 characters long");
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(is_lower_alnum(*c) || *c == '-' || *c == '.'))
        {
            return fail(&format!(
                "may contain only lowercase letters, digits, '.' and '-' (found {c:?})"
            ));
        }
        if s.contains('.') {
            return fail(
                "must not contain '.': dotted names break TLS for virtual-hosted requests",
            );
        }
        if !s.starts_with(is_lower_alnum) || !s.ends_with(is_lower_alnum) {
            return fail("must begin and end with a lowercase letter or digit");
        }
        if let Some(prefix) = RESERVED_BUCKET_PREFIXES.iter().find(|p| s.starts_with(**p)) {
            return fail(&format!(
                "must not begin with the reserved prefix {prefix:?}"
            ));
        }
        if let Some(suffix) = RESERVED_BUCKET_SUFFIXES.iter().find(|x| s.ends_with(**x)) {
            return fail(&format!("must not end with the reserved suffix {suffix:?}"));
        }
        Ok(BucketName(s.to_owned()))
    }
}

impl FromStr for RoleName {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if s.starts_with("arn:") {
            return invalid("IAM role name", s, "must be the role's name, not its ARN");
        }
        if s.contains(',') {
            // IAM allows it, but the names travel in a CommaDelimitedList parameter.
            return invalid(
                "IAM role name",
                s,
                "must not contain ',': smlog passes role names as a comma-delimited list",
            );
        }
        if (1..=64).contains(&s.len()) && s.chars().all(allowed) {
            Ok(RoleName(s.to_owned()))
        } else {
            invalid(
                "IAM role name",
                s,
                "must be 1 to 64 characters of letters, digits and +=,.@_-",
            )
        }
    }
}

impl FromStr for StackSetName {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let valid = (1..=128).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if valid {
            Ok(StackSetName(s.to_owned()))
        } else {
            invalid(
                "StackSet name",
                s,
                "must start with a letter and hold 1 to 128 letters, digits and '-'",
            )
        }
    }
}

impl FromStr for OsUserName {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let valid = (1..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if valid {
            Ok(OsUserName(s.to_owned()))
        } else {
            invalid(
                "run-as user name",
                s,
                "must be 1 to 32 characters: a lowercase letter or '_' first, then lowercase letters, digits, '_' or '-'",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AccountId;
    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in ["abc", "session-manager-logs-123456789012", &"a".repeat(63)] {
            assert!(ok.parse::<BucketName>().is_ok(), "{ok}");
        }
        let cases = [
            (
                "customer_session_manager_logging_bucket",
                "may contain only",
            ),
            ("ab", "3 to 63"),
            (&"a".repeat(64), "3 to 63"),
            ("-abc", "begin and end"),
            ("abc-", "begin and end"),
            ("Abc", "may contain only"),
            ("a.b.c", "'.'"),
            ("xn--abc", "reserved prefix"),
            ("sthree-abc", "reserved prefix"),
            ("amzn-s3-demo-abc", "reserved prefix"),
            ("abc-s3alias", "reserved suffix"),
            ("abc--ol-s3", "reserved suffix"),
            ("abc--x-s3", "reserved suffix"),
        ];
        for (bad, fragment) in cases {
            let err = bad.parse::<BucketName>().unwrap_err().to_string();
            assert!(err.contains(fragment), "{bad}: {err}");
        }
    }

    #[test]
    fn account_role_stackset_and_user_names() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        assert!("12345678901".parse::<AccountId>().is_err());
        assert!("Ec2-SSM_role+x".parse::<RoleName>().is_ok());
        assert!("a,b"
            .parse::<RoleName>()
            .unwrap_err()
            .to_string()
            .contains("comma-delimited"));
        assert!("arn:aws:iam::123456789012:role/x"
            .parse::<RoleName>()
            .is_err());
        assert!("a".repeat(65).parse::<RoleName>().is_err());
        assert!("session-manager-logging".parse::<StackSetName>().is_ok());
        assert!("1abc".parse::<StackSetName>().is_err());
        assert!("ssm-user".parse::<OsUserName>().is_ok());
        assert!("Root".parse::<OsUserName>().is_err());
    }
}
