//! Checked identifiers: each newtype parses with `FromStr` and names the AWS
//! rule a rejected value breaks. One file per family; this one holds what
//! they share.

pub use key::{KmsKeyArn, MultiRegionKeyId};
pub use minutes::{Minutes, IDLE_TIMEOUT_RANGE, MAX_DURATION_RANGE};
pub use name::{BucketName, OsUserName, RoleName, StackSetName};
pub use org::{AccountId, OrgId, OrgPath, OuId};
pub use region::{Partition, Region};

use std::fmt;

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

pub(crate) fn invalid<T>(
    kind: &'static str,
    value: &str,
    rule: impl Into<String>,
) -> Result<T, InvalidId> {
    Err(InvalidId {
        kind,
        value: value.to_owned(),
        rule: rule.into(),
    })
}

pub(crate) fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `prefix` followed by `min..=max` characters accepted by `allowed`.
pub(crate) fn prefixed(
    value: &str,
    prefix: &str,
    min: usize,
    max: usize,
    allowed: fn(char) -> bool,
) -> bool {
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
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

mod key;
mod minutes;
mod name;
mod org;
mod region;

/// The candidate nearest to `unknown` by edit distance, if it is near enough
/// to be a likely typo (at most half the longer one's length away).
pub fn nearest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|known| (edit_distance(unknown, known), known))
        .filter(|(distance, known)| *distance <= known.len().max(unknown.len()) / 2)
        .min()
        .map(|(_, known)| known)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_values_are_suggested_and_far_ones_not() {
        assert_eq!(
            nearest("bucket_nmae", ["bucket_name", "keys"]),
            Some("bucket_name")
        );
        assert_eq!(nearest("zzzzzz", ["bucket_name", "keys"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
