//! The member side: which roles get the agent policy, where the account
//! controller runs and how often it repairs, the central keys members are
//! told about, and what a move to another bucket or key keeps allowing.

use super::{parse_list, parse_opt};
use crate::config::raw::{RawAttach, RawConfig, RawMember, RawPrevious};
use crate::config::settings::*;
use crate::error::{Error, Result};
use crate::ids::{AccountId, KmsKeyArn, Region};

pub(super) fn member(
    raw: &RawConfig,
    bucket: &LogBucket,
    scope: &Scope,
    session_key: SessionKey,
    home_region: &Region,
) -> Result<MemberSettings> {
    let member = raw.member.clone().unwrap_or_default();
    let bucket_key_arn = bucket_key_arn(&member, bucket, scope)?;
    let session_key_arn: Option<KmsKeyArn> =
        parse_opt("member.session_key_arn", member.session_key_arn.as_ref())?;
    let shared = matches!(session_key, SessionKey::Shared { .. });
    if session_key.is_multi_region() {
        multi_region(
            "member.session_key_arn",
            session_key_arn.as_ref(),
            home_region,
        )?;
        if shared {
            multi_region(
                "member.bucket_key_arn",
                bucket_key_arn.as_ref(),
                home_region,
            )?;
        }
    }
    let central_account_id = central_account(bucket_key_arn.as_ref(), session_key_arn.as_ref())?;
    Ok(MemberSettings {
        attach: member.attach.clone().unwrap_or_default().resolve()?,
        controller_region: controller_region(&member, home_region)?,
        repair_interval_hours: repair_interval_hours(&member)?,
        report_event_bus_arn: report_event_bus_arn(&member)?,
        previous: previous(
            member.previous.as_ref(),
            raw,
            &bucket_key_arn,
            &session_key_arn,
        )?,
        bucket_key_arn,
        session_key_arn,
        central_account_id,
    })
}

/// The given bucket key, or an existing bucket's own.
fn bucket_key_arn(
    member: &RawMember,
    bucket: &LogBucket,
    scope: &Scope,
) -> Result<Option<KmsKeyArn>> {
    let given: Option<KmsKeyArn> =
        parse_opt("member.bucket_key_arn", member.bucket_key_arn.as_ref())?;
    let LogBucket::Existing { key, .. } = bucket else {
        return Ok(given);
    };
    if given.as_ref().is_some_and(|given| given != key) {
        return Err(Error::field(
            "member.bucket_key_arn",
            format!("differs from existing_bucket.key_arn {key}: the bucket key is the existing bucket's"),
        ));
    }
    if scope.organization.as_ref().is_some_and(|o| o.id.is_none()) {
        return Err(Error::field(
            "existing_bucket",
            "the statements an existing bucket's policies need name the organisation: set organization_id",
        ));
    }
    Ok(Some(key.clone()))
}

fn multi_region(field: &str, arn: Option<&KmsKeyArn>, home_region: &Region) -> Result<()> {
    match arn {
        Some(arn) if arn.multi_region_id().is_none() => Err(Error::field(
            field,
            format!(
                "\"{arn}\" is a single-Region key, but rollout.regions goes beyond home_region {home_region}: agents use the session key in their own Region, so it is a multi-Region key (key/mrk-…); give the primary's ARN"
            ),
        )),
        _ => Ok(()),
    }
}

/// The account the known key ARNs are in: both come from the central stack.
fn central_account(
    bucket: Option<&KmsKeyArn>,
    session: Option<&KmsKeyArn>,
) -> Result<Option<AccountId>> {
    match (bucket, session) {
        (Some(bucket), Some(session)) if bucket.account() != session.account() => {
            Err(Error::field(
                "member.session_key_arn",
                format!(
                    "\"{session}\" is in account {}, but member.bucket_key_arn is in {}: both come from the central stack",
                    session.account(),
                    bucket.account()
                ),
            ))
        }
        (Some(key), _) | (None, Some(key)) => Ok(Some(key.account())),
        (None, None) => Ok(None),
    }
}

/// Where IAM's events arrive, unless the configuration says otherwise; in
/// the home Region's partition.
fn controller_region(member: &RawMember, home_region: &Region) -> Result<Region> {
    let partition = home_region.partition();
    let region = parse_opt(
        "member.controller_region",
        member.controller_region.as_ref(),
    )?
    .unwrap_or_else(|| partition.iam_events_region());
    if region.partition() != partition {
        return Err(Error::field(
            "member.controller_region",
            format!(
                "{region} is in the {} partition, home_region {home_region} in {}",
                region.partition().name(),
                partition.name()
            ),
        ));
    }
    Ok(region)
}

fn repair_interval_hours(member: &RawMember) -> Result<u32> {
    match member
        .repair_interval_hours
        .unwrap_or(DEFAULT_REPAIR_INTERVAL_HOURS)
    {
        hours @ 1..=MAX_REPAIR_INTERVAL_HOURS => Ok(hours),
        hours => Err(Error::field(
            "member.repair_interval_hours",
            format!("{hours} is not between 1 and {MAX_REPAIR_INTERVAL_HOURS} hours"),
        )),
    }
}

fn report_event_bus_arn(member: &RawMember) -> Result<Option<String>> {
    let Some(arn) = &member.report_event_bus_arn else {
        return Ok(None);
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && crate::ids::Partition::by_name(parts[1]).is_some()
        && parts[2] == "events"
        && parts[3].parse::<Region>().is_ok()
        && parts[4].parse::<AccountId>().is_ok()
        && parts[5].strip_prefix("event-bus/").is_some_and(|name| {
            (1..=256).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        });
    if !valid {
        return Err(Error::field(
            "member.report_event_bus_arn",
            format!("{arn:?} is not an EventBridge event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)"),
        ));
    }
    Ok(Some(arn.clone()))
}

/// What is still allowed during a move; each given value must differ from
/// the new one, or the move is not one.
fn previous(
    previous: Option<&RawPrevious>,
    raw: &RawConfig,
    bucket_key_arn: &Option<KmsKeyArn>,
    session_key_arn: &Option<KmsKeyArn>,
) -> Result<Option<Previous>> {
    let Some(previous) = previous else {
        return Ok(None);
    };
    let parsed = Previous {
        bucket_name: parse_opt("member.previous.bucket_name", previous.bucket_name.as_ref())?,
        bucket_key_arn: parse_opt(
            "member.previous.bucket_key_arn",
            previous.bucket_key_arn.as_ref(),
        )?,
        session_key_arn: parse_opt(
            "member.previous.session_key_arn",
            previous.session_key_arn.as_ref(),
        )?,
    };
    let same = |field: &str, old: Option<String>, new: Option<String>| match (old, new) {
        (Some(old), Some(new)) if old == new => Err(Error::field(
            format!("member.previous.{field}"),
            format!("{old:?} is also the current value: a move names what it moves away from"),
        )),
        _ => Ok(()),
    };
    let text = |v: &Option<KmsKeyArn>| v.as_ref().map(ToString::to_string);
    same(
        "bucket_name",
        parsed.bucket_name.as_ref().map(ToString::to_string),
        raw.bucket_name.clone(),
    )?;
    same(
        "bucket_key_arn",
        text(&parsed.bucket_key_arn),
        text(bucket_key_arn),
    )?;
    same(
        "session_key_arn",
        text(&parsed.session_key_arn),
        text(session_key_arn),
    )?;
    if parsed.bucket_name.is_none()
        && parsed.bucket_key_arn.is_none()
        && parsed.session_key_arn.is_none()
    {
        return Err(Error::field(
            "member.previous",
            "names nothing: give the bucket_name, bucket_key_arn or session_key_arn being moved away from, or remove it",
        ));
    }
    Ok(Some(parsed))
}

impl RawAttach {
    pub(super) fn resolve(&self) -> Result<Attachment> {
        let attach = Attachment {
            instance_profile_roles: self.instance_profile_roles.unwrap_or(true),
            role_names: parse_list(
                "member.attach.role_names",
                self.role_names.as_deref().unwrap_or_default(),
            )?,
            default_host_management_role: self.default_host_management_role.unwrap_or(true),
            activation_roles: self.activation_roles.unwrap_or(true),
        };
        if !attach.instance_profile_roles
            && attach.role_names.is_empty()
            && !attach.default_host_management_role
            && !attach.activation_roles
        {
            return Err(Error::field(
                "member.attach",
                "no role would get the agent policy (instance_profile_roles, default_host_management_role and activation_roles are false, role_names is empty): with encryption on, every session would fail; turn one of them on or name a role",
            ));
        }
        Ok(attach)
    }
}
