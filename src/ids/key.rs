//! KMS key identifiers: full key ARNs (never aliases) and multi-Region key ids.

use super::{invalid, AccountId, InvalidId, Partition, Region};
use std::str::FromStr;

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

impl KmsKeyArn {
    /// The ARN of a multi-Region key (`key/mrk-…`), primary or replica.
    pub const MULTI_REGION_PATTERN: &'static str =
        "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/mrk-[0-9a-f]{32}$";

    fn part(&self, index: usize) -> &str {
        self.0.splitn(6, ':').nth(index).unwrap_or_default()
    }

    /// The Region the key is in.
    pub fn region(&self) -> Region {
        self.part(3)
            .parse()
            .expect("a checked key ARN names a known Region")
    }

    /// The partition the key is in.
    pub fn partition(&self) -> Partition {
        Partition::by_name(self.part(1)).expect("a checked key ARN names a known partition")
    }

    /// The account that owns the key.
    pub fn account(&self) -> AccountId {
        self.part(4)
            .parse()
            .expect("a checked key ARN names an account")
    }

    /// The same multi-Region key in another Region (its replica there, same
    /// `mrk-` id); a single-Region key stays what it is.
    pub fn in_region(&self, region: &Region) -> KmsKeyArn {
        if self.multi_region_id().is_none() {
            return self.clone();
        }
        KmsKeyArn(format!(
            "arn:{}:kms:{region}:{}:{}",
            self.part(1),
            self.part(4),
            self.part(5)
        ))
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
            || Partition::by_name(parts[1]).is_none()
            || parts[2] != "kms"
        {
            return invalid(kind, s, "must be a full key ARN arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (a bare key id resolves in the caller's account)");
        }
        match parts[3].parse::<Region>() {
            Err(_) => {
                return invalid(
                    kind,
                    s,
                    format!("has {:?} where a Region belongs", parts[3]),
                )
            }
            Ok(region) if region.partition().name() != parts[1] => {
                return invalid(
                    kind,
                    s,
                    format!(
                        "names Region {region} in partition {}, but that Region is in {}",
                        parts[1],
                        region.partition().name()
                    ),
                )
            }
            Ok(_) => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arns_must_be_full_arns() {
        let good = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let key = good.parse::<KmsKeyArn>().unwrap();
        assert_eq!(key.region().as_str(), "eu-west-1");
        assert_eq!(key.account().as_str(), "123456789012");
        let primary: KmsKeyArn =
            "arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef"
                .parse()
                .unwrap();
        assert_eq!(
            primary.in_region(&"eu-west-1".parse().unwrap()).as_str(),
            "arn:aws:kms:eu-west-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            key.in_region(&"us-east-1".parse().unwrap()),
            key,
            "a single-Region key stays"
        );
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
}
