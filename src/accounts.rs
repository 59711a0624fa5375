//! Which accounts a multi-account command covers, shared by `verify` and
//! `audit`: the `--accounts` flag (`all` or a list of ids), the organisation's
//! active accounts, and the role assumed in each.

use crate::error::{Error, Result};
use crate::ids::{AccountId, RoleName};

/// The accounts a run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The caller's own account (no `--accounts`).
    Caller,
    /// `--accounts all`: the organisation's active accounts.
    Organization,
    /// `--accounts ID,…`, checked, sorted, without repeats.
    Listed(Vec<String>),
}

/// Reads `--accounts`.
pub fn parse(flag: Option<&str>) -> Result<Selection> {
    let Some(text) = flag else {
        return Ok(Selection::Caller);
    };
    if text == "all" {
        return Ok(Selection::Organization);
    }
    let mut ids = text
        .split(',')
        .map(|id| {
            id.trim()
                .parse::<AccountId>()
                .map(|a| a.to_string())
                .map_err(|e| Error::Usage(format!("--accounts: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    ids.sort();
    ids.dedup();
    Ok(Selection::Listed(ids))
}

/// The role to assume in each account: required with `--accounts`, checked.
pub fn role(selection: &Selection, flag: Option<&str>) -> Result<Option<RoleName>> {
    match (selection, flag) {
        (_, Some(name)) => name
            .parse::<RoleName>()
            .map(Some)
            .map_err(|e| Error::Usage(format!("--assume-role: {e}"))),
        (Selection::Caller, None) => Ok(None),
        (_, None) => Err(Error::Usage(
            "--accounts needs --assume-role NAME (for example OrganizationAccountAccessRole)"
                .to_owned(),
        )),
    }
}

/// The ids of the active accounts among `(id, status)` pairs, sorted.
pub fn active(accounts: Vec<(String, String)>) -> Vec<String> {
    let mut ids: Vec<String> = accounts
        .into_iter()
        .filter(|(_, status)| status == "ACTIVE")
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The ARN of `role` in `account`.
pub fn role_arn(partition: &str, account: &str, role: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accounts_flag() {
        assert_eq!(parse(None).unwrap(), Selection::Caller);
        assert_eq!(parse(Some("all")).unwrap(), Selection::Organization);
        assert_eq!(
            parse(Some("222222222222, 111111111111,222222222222")).unwrap(),
            Selection::Listed(vec!["111111111111".into(), "222222222222".into()])
        );
        let error = parse(Some("1234")).unwrap_err();
        assert!(
            error.to_string().contains("--accounts: \"1234\""),
            "{error}"
        );
    }

    #[test]
    fn a_role_is_needed_for_other_accounts_and_must_be_a_name() {
        assert_eq!(role(&Selection::Caller, None).unwrap(), None);
        let missing = role(&Selection::Organization, None).unwrap_err();
        assert_eq!(missing.exit_code(), crate::error::exit::USAGE);
        let arn = role(&Selection::Organization, Some("arn:aws:iam::1:role/x")).unwrap_err();
        assert!(arn.to_string().contains("--assume-role"), "{arn}");
        assert_eq!(
            role_arn("aws-cn", "111111111111", "Auditor"),
            "arn:aws-cn:iam::111111111111:role/Auditor"
        );
    }

    #[test]
    fn only_active_accounts_count() {
        let listed = vec![
            ("333333333333".to_owned(), "ACTIVE".to_owned()),
            ("111111111111".to_owned(), "SUSPENDED".to_owned()),
            ("222222222222".to_owned(), "ACTIVE".to_owned()),
        ];
        assert_eq!(active(listed), ["222222222222", "333333333333"]);
    }
}
