//! From the file as written to checked settings: every value parsed into its
//! type, every default filled, every decision made once, each in a small
//! function of its own. Errors name the field path (`rollout.regions[2]`);
//! loading adds the file, line and column.

mod member;
mod options;
mod rollout;
mod scope;
mod session;

use super::raw::RawConfig;
use super::settings::*;
use crate::error::{Error, Result};
use crate::ids::{InvalidId, Region};
use std::str::FromStr;

/// Names the offending field in an identifier error.
pub(super) fn at(field: &str) -> impl Fn(InvalidId) -> Error + '_ {
    move |err| Error::field(field, err.to_string())
}

pub(super) fn parse_opt<T: FromStr<Err = InvalidId>>(
    field: &str,
    value: Option<&String>,
) -> Result<Option<T>> {
    value.map(|v| v.parse().map_err(at(field))).transpose()
}

pub(super) fn parse_list<T: FromStr<Err = InvalidId>>(
    field: &str,
    values: &[String],
) -> Result<Vec<T>> {
    let items: Vec<T> = values
        .iter()
        .enumerate()
        .map(|(i, v)| v.parse().map_err(at(&format!("{field}[{i}]"))))
        .collect::<Result<_>>()?;
    if let Some((i, duplicate)) = values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v))
    {
        return Err(Error::field(
            format!("{field}[{i}]"),
            format!("{duplicate:?} is listed twice; each value may appear once"),
        ));
    }
    Ok(items)
}

pub(super) fn percentage(field: &str, value: Option<u32>, default: u32) -> Result<u32> {
    match value.unwrap_or(default) {
        p if p <= MAX_PERCENTAGE => Ok(p),
        p => Err(Error::field(
            field,
            format!("{p} is not a valid percentage: must be between 0 and {MAX_PERCENTAGE}"),
        )),
    }
}

pub(super) fn shell_profile(field: &str, value: &Option<String>) -> Result<String> {
    let profile = value.clone().unwrap_or_default();
    if profile.chars().count() > MAX_SHELL_PROFILE_CHARS {
        return Err(Error::field(
            field,
            format!(
                "the profile is {} characters long; it must be at most {MAX_SHELL_PROFILE_CHARS}",
                profile.chars().count()
            ),
        ));
    }
    Ok(profile)
}

pub(super) fn log_group_name(field: &str, name: &str) -> Result<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-/.#".contains(c);
    if (1..=512).contains(&name.len()) && name.chars().all(allowed) && !name.starts_with("aws/") {
        Ok(name.to_owned())
    } else {
        Err(Error::field(
            field,
            format!("{name:?} is not a valid log group name: 1 to 512 letters, digits and _-/.#"),
        ))
    }
}

impl RawConfig {
    /// Checks every value, fills every default and makes every decision.
    pub fn resolve(&self) -> Result<Settings> {
        let home_region: Region = parse_opt("home_region", self.home_region.as_ref())?
            .unwrap_or_else(|| DEFAULT_HOME_REGION.parse().expect("valid default Region"));
        let rollout = rollout::rollout(self, &home_region)?;
        let session_key = session::session_key(self, &rollout.regions, &home_region)?;
        let bucket = scope::log_bucket(self, &home_region)?;
        let scope = scope::scope(self)?;
        rollout::admits_an_account(&scope, &rollout.excluded_accounts)?;
        let member = member::member(self, &bucket, &scope, session_key, &home_region)?;
        Ok(Settings {
            session: session::session(self)?,
            cloudwatch: options::cloudwatch(self)?,
            operators: options::operators(self)?,
            guardrail: options::guardrail(self, home_region.partition())?,
            endpoints: options::endpoints(self, &home_region)?,
            replica: scope::replica(self, &home_region)?,
            scope,
            bucket,
            session_key,
            member,
            rollout,
            home_region,
        })
    }
}
