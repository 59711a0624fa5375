//! Organisation identifiers: organisation, account, OU and root ids, and organisation paths.

use super::{invalid, is_lower_alnum, prefixed, InvalidId};
use std::str::FromStr;

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
    /// A path in the organisation for `aws:PrincipalOrgPaths`, normalised to
    /// end in `/*`: `o-…/r-…/` then zero or more `ou-…/`.
    OrgPath,
    pattern: "^o-[a-z0-9]{10,32}/r-[a-z0-9]{4,32}(/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})*/?\\*?$",
    constraint: "o-ORG/r-ROOT/ then zero or more ou-…/ segments"
);

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
}
