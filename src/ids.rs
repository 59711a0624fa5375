//! Checked identifiers: each newtype parses with `FromStr` and names the AWS
//! rule a rejected value breaks.

use std::fmt;
use std::str::FromStr;

/// Why a value is not a valid identifier of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId {
    pub kind: &'static str,
    pub value: String,
    pub rule: String,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a valid {}: {}",
            self.value, self.kind, self.rule
        )
    }
}

impl std::error::Error for InvalidId {}

fn invalid<T>(kind: &'static str, value: &str, rule: impl Into<String>) -> Result<T, InvalidId> {
    Err(InvalidId {
        kind,
        value: value.to_owned(),
        rule: rule.into(),
    })
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `prefix` followed by `min..=max` characters accepted by `allowed`.
fn prefixed(value: &str, prefix: &str, min: usize, max: usize, allowed: fn(char) -> bool) -> bool {
    value
        .strip_prefix(prefix)
        .is_some_and(|rest| (min..=max).contains(&rest.len()) && rest.chars().all(allowed))
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, pattern: $pattern:expr, constraint: $constraint:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// A regular expression every valid value matches: the parameter's
            /// `AllowedPattern` in templates and the `pattern` in the JSON Schema.
            /// [`FromStr`] may check more than a pattern can say.
            pub const PATTERN: &'static str = $pattern;
            /// The pattern in words (CloudFormation's `ConstraintDescription`).
            pub const CONSTRAINT: &'static str = $constraint;

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": Self::PATTERN,
                    "description": Self::CONSTRAINT,
                })
            }
        }
    };
}

string_id!(
    /// An AWS Organizations id, `o-` and 10 to 32 lowercase letters or digits.
    OrgId,
    pattern: "^o-[a-z0-9]{10,32}$",
    constraint: "an organization id: o- then 10 to 32 lowercase letters or digits"
);
string_id!(
    /// A 12-digit AWS account id.
    AccountId,
    pattern: "^[0-9]{12}$",
    constraint: "a 12-digit account id"
);
string_id!(
    /// An organizational unit id (`ou-…`) or the organisation root (`r-…`).
    OuId,
    pattern: "^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$",
    constraint: "an OU id (ou-…) or the root id (r-…)"
);
string_id!(
    /// An AWS Region code such as `eu-west-1`.
    Region,
    pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$",
    constraint: "a Region code such as us-east-1"
);
string_id!(
    /// An S3 general purpose bucket name that S3 accepts today and smlog can serve over TLS.
    BucketName,
    pattern: "^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
    constraint: "3 to 63 lowercase letters, digits and hyphens, beginning and ending with a letter or digit"
);
string_id!(
    /// The full ARN of a KMS key (`arn:aws:kms:REGION:ACCOUNT:key/ID`), never an alias.
    KmsKeyArn,
    pattern: "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$",
    constraint: "a full KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID), not an alias"
);
string_id!(
    /// The id of a multi-Region KMS key, the same for the primary and its replicas.
    MultiRegionKeyId,
    pattern: "^mrk-[0-9a-f]{32}$",
    constraint: "a multi-Region key id: mrk- and 32 hexadecimal digits"
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
string_id!(
    /// A path in the organisation for `aws:PrincipalOrgPaths`, normalised to
    /// end in `/*`: `o-…/r-…/` then zero or more `ou-…/`.
    OrgPath,
    pattern: "^o-[a-z0-9]{10,32}/r-[a-z0-9]{4,32}(/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})*/?\\*?$",
    constraint: "o-ORG/r-ROOT/ then zero or more ou-…/ segments"
);

impl FromStr for MultiRegionKeyId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        if s.strip_prefix("mrk-").is_some_and(|hex| {
            hex.len() == 32
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        }) {
            Ok(MultiRegionKeyId(s.to_owned()))
        } else {
            invalid("multi-Region key id", s, Self::CONSTRAINT)
        }
    }
}

impl FromStr for OrgId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        if prefixed(s, "o-", 10, 32, is_lower_alnum) {
            Ok(OrgId(s.to_owned()))
        } else {
            invalid(
                "organization id",
                s,
                format!(
                    "must match {} (\"o-\" then 10 to 32 lowercase letters or digits)",
                    Self::PATTERN
                ),
            )
        }
    }
}

impl FromStr for AccountId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_owned()))
        } else {
            invalid("account id", s, "must be exactly 12 digits")
        }
    }
}

impl FromStr for OuId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let root = prefixed(s, "r-", 4, 32, is_lower_alnum);
        let ou = s
            .strip_prefix("ou-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(root_part, ou_part)| {
                (4..=32).contains(&root_part.len())
                    && root_part.chars().all(is_lower_alnum)
                    && (8..=32).contains(&ou_part.len())
                    && ou_part.chars().all(is_lower_alnum)
            });
        if root || ou {
            Ok(OuId(s.to_owned()))
        } else {
            invalid(
                "organizational unit id",
                s,
                "must be a root id r-[a-z0-9]{4,32} or an OU id ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}",
            )
        }
    }
}

impl FromStr for Region {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        // geography-[partition-]direction-number, e.g. us-east-1, us-gov-west-1, ap-southeast-4
        let parts: Vec<&str> = s.split('-').collect();
        let valid = (3..=4).contains(&parts.len())
            && parts[0].len() == 2
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
            && parts[parts.len() - 1].len() <= 2
            && parts[parts.len() - 1].parse::<u8>().is_ok();
        if valid {
            Ok(Region(s.to_owned()))
        } else {
            invalid(
                "Region",
                s,
                "must be a Region code such as us-east-1 or eu-central-2 (lowercase, dash-separated, ending in a number)",
            )
        }
    }
}

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

impl KmsKeyArn {
    /// The ARN of a multi-Region key (`key/mrk-…`), primary or replica.
    pub const MULTI_REGION_PATTERN: &'static str =
        "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/mrk-[0-9a-f]{32}$";

    /// The Region part of the ARN.
    pub fn region(&self) -> &str {
        self.0.split(':').nth(3).unwrap_or_default()
    }

    /// The partition the key is in (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }

    /// The account that owns the key.
    pub fn account(&self) -> &str {
        self.0.split(':').nth(4).unwrap_or_default()
    }

    /// The key id of a multi-Region key (`mrk-…`); none for a single-Region key.
    pub fn multi_region_id(&self) -> Option<&str> {
        self.0
            .rsplit_once("key/")
            .map(|(_, id)| id)
            .filter(|id| id.starts_with("mrk-"))
    }
}

fn is_key_id(id: &str) -> bool {
    let uuid = id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        });
    uuid || id.parse::<MultiRegionKeyId>().is_ok()
}

impl FromStr for KmsKeyArn {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let kind = "KMS key ARN";
        if s.starts_with("alias/") || s.contains(":alias/") {
            return invalid(kind, s, "must name the key itself, not an alias: callers in other accounts resolve aliases in their own account");
        }
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6
            || parts[0] != "arn"
            || !parts[1].starts_with("aws")
            || parts[2] != "kms"
        {
            return invalid(kind, s, "must be a full key ARN arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (a bare key id resolves in the caller's account)");
        }
        if parts[3].parse::<Region>().is_err() {
            return invalid(
                kind,
                s,
                format!("has {:?} where a Region belongs", parts[3]),
            );
        }
        if parts[4].parse::<AccountId>().is_err() {
            return invalid(
                kind,
                s,
                format!("has {:?} where a 12-digit account id belongs", parts[4]),
            );
        }
        match parts[5].strip_prefix("key/") {
            Some(id) if is_key_id(id) => Ok(KmsKeyArn(s.to_owned())),
            _ => invalid(
                kind,
                s,
                "must end in key/ and a key id (a lowercase UUID or mrk- and 32 hex digits)",
            ),
        }
    }
}

impl OrgPath {
    /// The organisation the path lies in: its first segment.
    pub fn organization(&self) -> OrgId {
        OrgId(self.0.split('/').next().unwrap_or_default().to_owned())
    }
}

impl FromStr for OrgPath {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let trimmed = s.trim_end_matches('*').trim_end_matches('/');
        let parts: Vec<&str> = trimmed.split('/').collect();
        let valid = parts.len() >= 2
            && parts[0].parse::<OrgId>().is_ok()
            && parts[1].starts_with("r-")
            && parts[1..].iter().all(|p| p.parse::<OuId>().is_ok())
            && parts[2..].iter().all(|p| p.starts_with("ou-"));
        if valid {
            Ok(OrgPath(format!("{trimmed}/*")))
        } else {
            invalid(
                "organization path",
                s,
                "must be o-ORG/r-ROOT/ followed by zero or more ou-…/ segments, such as o-a1b2c3d4e5/r-ab12/ou-ab12-abcdefgh/",
            )
        }
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

/// The partition a Region belongs to (what `AWS::Partition` resolves to there).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The domain a partition's endpoints end in (what `AWS::URLSuffix` resolves to).
pub fn url_suffix(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

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
    fn org_ids() {
        assert!("o-a1b2c3d4e5".parse::<OrgId>().is_ok());
        let err = "o-123".parse::<OrgId>().unwrap_err();
        assert!(err.to_string().contains("^o-[a-z0-9]{10,32}$"), "{err}");
        assert!("o-ABCDEFGHIJ".parse::<OrgId>().is_err());
        assert!(format!("o-{}", "a".repeat(33)).parse::<OrgId>().is_err());
    }

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
    fn key_arns_must_be_full_arns() {
        let good = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let key = good.parse::<KmsKeyArn>().unwrap();
        assert_eq!(key.region(), "eu-west-1");
        assert_eq!(key.account(), "123456789012");
        assert!(
            "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
                .parse::<KmsKeyArn>()
                .is_ok()
        );
        for (bad, fragment) in [
            ("alias/session", "alias"),
            ("arn:aws:kms:eu-west-1:123456789012:alias/session", "alias"),
            ("1234abcd-12ab-34cd-56ef-1234567890ab", "full key ARN"),
            (
                "arn:aws:kms:eu-west-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "12-digit",
            ),
            (
                "arn:aws:kms:Europe:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "Region",
            ),
            ("arn:aws:kms:eu-west-1:123456789012:key/nothex", "key id"),
        ] {
            let err = bad.parse::<KmsKeyArn>().unwrap_err().to_string();
            assert!(err.contains(fragment), "{bad}: {err}");
        }
    }

    #[test]
    fn ou_ids_include_the_root() {
        assert!("r-ab12".parse::<OuId>().is_ok());
        assert!("ou-ab12-abcdefgh".parse::<OuId>().is_ok());
        for bad in [
            "ou-ab12",
            "ou-ab12-abc",
            "r-a",
            "OU-ab12-abcdefgh",
            "o-abcdefghij",
        ] {
            assert!(bad.parse::<OuId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn org_paths_are_normalised() {
        let path: OrgPath = "o-a1b2c3d4e5/r-ab12/ou-ab12-abcdefgh/".parse().unwrap();
        assert_eq!(path.as_str(), "o-a1b2c3d4e5/r-ab12/ou-ab12-abcdefgh/*");
        let same: OrgPath = "o-a1b2c3d4e5/r-ab12/ou-ab12-abcdefgh/*".parse().unwrap();
        assert_eq!(path, same);
        assert!("o-a1b2c3d4e5/r-ab12".parse::<OrgPath>().is_ok());
        for bad in [
            "o-a1b2c3d4e5",
            "r-ab12/ou-ab12-abcdefgh",
            "o-a1b2c3d4e5/ou-ab12-abcdefgh",
            "o-1/r-ab12",
        ] {
            assert!(bad.parse::<OrgPath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "",
            "us-east-1a",
            "u-east-1",
        ] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
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

    #[test]
    fn minutes_ranges() {
        assert!(Minutes::new("idle timeout", 0, IDLE_TIMEOUT_RANGE).is_err());
        assert!(Minutes::new("idle timeout", 60, IDLE_TIMEOUT_RANGE).is_ok());
        let err = Minutes::new("max duration", 1441, MAX_DURATION_RANGE).unwrap_err();
        assert!(err.to_string().contains("between 1 and 1440"), "{err}");
    }
}
