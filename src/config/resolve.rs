//! From the file as written to checked settings: every value parsed into its
//! type, every default filled, every decision made once. Errors name the
//! field path (`rollout.regions[2]`); loading adds the file, line and column.

use super::raw::{KeyMode, KeyPlacement, RawAttach, RawCloudWatch, RawConfig, RawRetention};
use super::settings::*;
use crate::error::{Error, Result};
use crate::ids::{
    AccountId, BucketName, InvalidId, KmsKeyArn, Minutes, OrgId, OrgPath, Region,
    IDLE_TIMEOUT_RANGE, MAX_DURATION_RANGE,
};
use std::str::FromStr;

/// Names the offending field in an identifier error.
fn at(field: &str) -> impl Fn(InvalidId) -> Error + '_ {
    move |err| Error::field(field, err.to_string())
}

pub(super) fn parse_opt<T: FromStr<Err = InvalidId>>(
    field: &str,
    value: Option<&String>,
) -> Result<Option<T>> {
    value.map(|v| v.parse().map_err(at(field))).transpose()
}

fn parse_list<T: FromStr<Err = InvalidId>>(field: &str, values: &[String]) -> Result<Vec<T>> {
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

fn percentage(field: &str, value: Option<u32>, default: u32) -> Result<u32> {
    match value.unwrap_or(default) {
        p if p <= MAX_PERCENTAGE => Ok(p),
        p => Err(Error::field(
            field,
            format!("{p} is not a valid percentage: must be between 0 and {MAX_PERCENTAGE}"),
        )),
    }
}

fn shell_profile(field: &str, value: &Option<String>) -> Result<String> {
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

fn log_group_name(field: &str, name: &str) -> Result<String> {
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

impl RawAttach {
    fn resolve(&self) -> Result<Attachment> {
        let attach = Attachment {
            instance_profile_roles: self.instance_profile_roles.unwrap_or(true),
            role_names: parse_list(
                "member.attach.role_names",
                self.role_names.as_deref().unwrap_or_default(),
            )?,
            default_host_management_role: self.default_host_management_role.unwrap_or(true),
        };
        if !attach.instance_profile_roles
            && attach.role_names.is_empty()
            && !attach.default_host_management_role
        {
            return Err(Error::field(
                "member.attach",
                "no role would get the agent policy (instance_profile_roles and default_host_management_role are false, role_names is empty): with encryption on, every session would fail; turn one of them on or name a role",
            ));
        }
        Ok(attach)
    }
}

impl RawCloudWatch {
    fn resolve(&self) -> Result<Option<CloudWatchSettings>> {
        if !self.enabled.unwrap_or(false) {
            return Ok(None);
        }
        let retention_days = self.retention_days.unwrap_or(DEFAULT_LOG_RETENTION_DAYS);
        if !LOG_RETENTION_DAYS.contains(&retention_days) {
            return Err(Error::field(
                "cloudwatch.retention_days",
                format!("{retention_days} is not a CloudWatch Logs retention period: use one of {LOG_RETENTION_DAYS:?}"),
            ));
        }
        Ok(Some(CloudWatchSettings {
            log_group_name: log_group_name(
                "cloudwatch.log_group_name",
                self.log_group_name.as_deref().unwrap_or(DEFAULT_LOG_GROUP),
            )?,
            retention_days,
            streaming: self.streaming.unwrap_or(true),
        }))
    }
}

impl RawConfig {
    /// Checks every value, fills every default and makes every decision.
    pub fn resolve(&self) -> Result<Settings> {
        let home_region: Region = parse_opt("home_region", self.home_region.as_ref())?
            .unwrap_or_else(|| DEFAULT_HOME_REGION.parse().expect("valid default Region"));
        let member = self.member.clone().unwrap_or_default();
        let session = self.session.clone().unwrap_or_default();
        let rollout = self.rollout.clone().unwrap_or_default();

        let idle_timeout = Minutes::new(
            "idle timeout",
            session
                .idle_timeout_minutes
                .unwrap_or(DEFAULT_IDLE_TIMEOUT_MINUTES),
            IDLE_TIMEOUT_RANGE,
        )
        .map_err(at("session.idle_timeout_minutes"))?;
        let max_duration = session
            .max_duration_minutes
            .map(|m| Minutes::new("maximum session duration", m, MAX_DURATION_RANGE))
            .transpose()
            .map_err(at("session.max_duration_minutes"))?;

        let regions = match &rollout.regions {
            Some(regions) if regions.is_empty() => {
                return Err(Error::field(
                    "rollout.regions",
                    "the list is empty; name at least one Region",
                ))
            }
            Some(regions) => parse_list("rollout.regions", regions)?,
            None => vec![home_region.clone()],
        };
        let excluded_regions: Vec<Region> = parse_list(
            "rollout.exclude_regions",
            rollout.exclude_regions.as_deref().unwrap_or_default(),
        )?;
        let regions: Vec<Region> = regions
            .into_iter()
            .filter(|r| !excluded_regions.contains(r))
            .collect();
        if regions.is_empty() {
            return Err(Error::field(
                "rollout.exclude_regions",
                "leaves no Region to roll out to: every one of rollout.regions is excluded",
            ));
        }
        // Only the IAM Region's stack creates the agent policy: it must be
        // rolled out, and first (the StackSet deploys Regions in this order).
        let iam_region: Region = match parse_opt("member.iam_region", member.iam_region.as_ref())? {
            Some(region) if excluded_regions.contains(&region) => {
                return Err(Error::field(
                    "member.iam_region",
                    format!("{region} is in rollout.exclude_regions: only the IAM Region's stack creates the agent policy"),
                ))
            }
            Some(region) if !regions.contains(&region) => {
                return Err(Error::field(
                    "member.iam_region",
                    format!(
                        "{region} is not one of rollout.regions ({}): only the IAM Region's stack creates the agent policy, so without it no role gets one and every session fails",
                        regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
            Some(region) => region,
            None if regions.contains(&home_region) => home_region.clone(),
            None => regions[0].clone(),
        };
        let regions: Vec<Region> = std::iter::once(iam_region.clone())
            .chain(regions.into_iter().filter(|r| *r != iam_region))
            .collect();

        let multi_region = regions.iter().any(|r| *r != home_region);
        let session_key = match (
            self.keys.unwrap_or_default(),
            session.key_placement.unwrap_or_default(),
        ) {
            (KeyMode::One, KeyPlacement::PerAccount) => {
                return Err(Error::field(
                    "session.key_placement",
                    "per-account session keys need keys: two (with keys: one the bucket key is the session key)",
                ))
            }
            (KeyMode::One, KeyPlacement::Central) => SessionKey::Shared { multi_region },
            (KeyMode::Two, KeyPlacement::PerAccount) => SessionKey::PerAccount,
            (KeyMode::Two, KeyPlacement::Central) => SessionKey::Central { multi_region },
        };

        let bucket = self.log_bucket(&home_region)?;
        let scope = self.scope()?;
        let mut bucket_key_arn: Option<KmsKeyArn> =
            parse_opt("member.bucket_key_arn", member.bucket_key_arn.as_ref())?;
        if let LogBucket::Existing { key, .. } = &bucket {
            if bucket_key_arn.as_ref().is_some_and(|given| given != key) {
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
            bucket_key_arn = Some(key.clone());
        }
        let session_key_arn: Option<KmsKeyArn> =
            parse_opt("member.session_key_arn", member.session_key_arn.as_ref())?;
        if session_key.is_multi_region() {
            let shared = matches!(session_key, SessionKey::Shared { .. });
            let known = [
                ("member.session_key_arn", session_key_arn.as_ref()),
                (
                    "member.bucket_key_arn",
                    bucket_key_arn.as_ref().filter(|_| shared),
                ),
            ];
            for (field, arn) in known {
                if let Some(arn) = arn.filter(|arn| arn.multi_region_id().is_none()) {
                    return Err(Error::field(
                        field,
                        format!(
                            "\"{arn}\" is a single-Region key, but rollout.regions goes beyond home_region {home_region}: agents use the session key in their own Region, so it is a multi-Region key (key/mrk-…); give the primary's ARN"
                        ),
                    ));
                }
            }
        }
        let central_account_id = match (&bucket_key_arn, &session_key_arn) {
            (Some(bucket), Some(session)) if bucket.account() != session.account() => {
                return Err(Error::field(
                    "member.session_key_arn",
                    format!(
                        "\"{session}\" is in account {}, but member.bucket_key_arn is in {}: both come from the central stack",
                        session.account(),
                        bucket.account()
                    ),
                ))
            }
            (Some(key), _) | (None, Some(key)) => {
                Some(key.account())
            }
            (None, None) => None,
        };
        let excluded_accounts: Vec<AccountId> = parse_list(
            "rollout.exclude_accounts",
            rollout.exclude_accounts.as_deref().unwrap_or_default(),
        )?;
        let only_accounts = scope.organization.is_none() && scope.paths.is_none();
        if only_accounts && scope.accounts.iter().all(|a| excluded_accounts.contains(a)) {
            return Err(Error::field(
                "rollout.exclude_accounts",
                "excludes every account the configuration admits (accounts): nothing would log",
            ));
        }
        let operators = self.operators.as_ref();
        Ok(Settings {
            scope,
            bucket,
            session_key,
            member: MemberSettings {
                attach: member.attach.clone().unwrap_or_default().resolve()?,
                iam_region,
                preferences: member.preferences.unwrap_or_default(),
                bucket_key_arn,
                session_key_arn,
                central_account_id,
            },
            session: SessionSettings {
                idle_timeout,
                max_duration,
                run_as_user: parse_opt("session.run_as_user", session.run_as_user.as_ref())?,
                linux_shell_profile: shell_profile(
                    "session.linux_shell_profile",
                    &session.linux_shell_profile,
                )?,
                windows_shell_profile: shell_profile(
                    "session.windows_shell_profile",
                    &session.windows_shell_profile,
                )?,
            },
            rollout: RolloutSettings {
                stack_set_name: parse_opt(
                    "rollout.stack_set_name",
                    rollout.stack_set_name.as_ref(),
                )?
                .unwrap_or_else(|| DEFAULT_STACK_SET_NAME.parse().expect("valid default name")),
                organizational_unit_ids: parse_list(
                    "rollout.organizational_unit_ids",
                    rollout
                        .organizational_unit_ids
                        .as_deref()
                        .unwrap_or_default(),
                )?,
                regions,
                excluded_accounts,
                call_as: rollout.call_as.unwrap_or_default(),
                max_concurrent_percentage: percentage(
                    "rollout.max_concurrent_percentage",
                    rollout.max_concurrent_percentage,
                    DEFAULT_MAX_CONCURRENT_PERCENTAGE,
                )?,
                failure_tolerance_percentage: percentage(
                    "rollout.failure_tolerance_percentage",
                    rollout.failure_tolerance_percentage,
                    DEFAULT_FAILURE_TOLERANCE_PERCENTAGE,
                )?,
            },
            cloudwatch: self
                .cloudwatch
                .as_ref()
                .map(RawCloudWatch::resolve)
                .transpose()?
                .flatten(),
            operators: match operators {
                Some(o) if o.enabled.unwrap_or(false) => Some(OperatorSettings {
                    role_names: parse_list(
                        "operators.role_names",
                        o.role_names.as_deref().unwrap_or_default(),
                    )?,
                }),
                Some(o) => {
                    // Checked even when off, so a later `enabled: true` holds no surprise.
                    parse_list::<crate::ids::RoleName>(
                        "operators.role_names",
                        o.role_names.as_deref().unwrap_or_default(),
                    )?;
                    None
                }
                None => None,
            },
            guardrail: self
                .guardrail
                .as_ref()
                .and_then(|g| g.enabled)
                .unwrap_or(false),
            endpoints: self.endpoints(&home_region)?,
            replica: self.replica(&home_region)?,
            home_region,
        })
    }

    /// Whether to write the endpoints template; its service names are those
    /// of the aws and aws-us-gov partitions.
    fn endpoints(&self, home_region: &Region) -> Result<bool> {
        let enabled = self
            .endpoints
            .as_ref()
            .and_then(|e| e.enabled)
            .unwrap_or(false);
        if enabled && home_region.partition() == crate::ids::Partition::China {
            return Err(Error::field(
                "endpoints.enabled",
                "the endpoints template names services as in the aws and aws-us-gov partitions; in aws-cn create the endpoints by the China Regions' service names",
            ));
        }
        Ok(enabled)
    }

    /// The replica: in another Region of the same partition, of a bucket smlog creates.
    fn replica(&self, home_region: &Region) -> Result<Option<Replica>> {
        let Some(replica) = &self.replica else {
            return Ok(None);
        };
        if self.existing_bucket.is_some() {
            return Err(Error::field(
                "replica",
                "replicates a bucket smlog creates; an existing bucket's replication is its owner's",
            ));
        }
        let region: Region = replica.region.parse().map_err(at("replica.region"))?;
        if region == *home_region {
            return Err(Error::field(
                "replica.region",
                format!("{region} is the home Region: a replica belongs in another Region"),
            ));
        }
        if region.partition() != home_region.partition() {
            return Err(Error::field(
                "replica.region",
                format!("{region} is in another partition than home_region {home_region}"),
            ));
        }
        Ok(Some(Replica {
            region,
            bucket_name: parse_opt("replica.bucket_name", replica.bucket_name.as_ref())?,
        }))
    }

    /// The bucket smlog creates, or the existing one it serves.
    fn log_bucket(&self, home_region: &Region) -> Result<LogBucket> {
        let Some(existing) = &self.existing_bucket else {
            return Ok(LogBucket::Created {
                name: parse_opt("bucket_name", self.bucket_name.as_ref())?,
                retention: self
                    .retention
                    .as_ref()
                    .map(RawRetention::resolve)
                    .transpose()?
                    .unwrap_or_default(),
            });
        };
        if self.bucket_name.is_some() {
            return Err(Error::field(
                "bucket_name",
                "goes with a bucket smlog creates; with existing_bucket, its name is existing_bucket.name",
            ));
        }
        if self.retention.is_some() {
            return Err(Error::field(
                "retention",
                "shapes a bucket smlog creates; an existing bucket keeps its own lifecycle and Object Lock",
            ));
        }
        let name: BucketName = existing.name.parse().map_err(at("existing_bucket.name"))?;
        let key: KmsKeyArn = existing
            .key_arn
            .parse()
            .map_err(at("existing_bucket.key_arn"))?;
        if key.region() != *home_region {
            return Err(Error::field(
                "existing_bucket.key_arn",
                format!(
                    "is in {}, but home_region is {home_region}: a bucket key lives in its bucket's Region, which is the home Region; set home_region: {}",
                    key.region(),
                    key.region()
                ),
            ));
        }
        Ok(LogBucket::Existing { name, key })
    }

    /// The organisation (configured or as a parameter), its paths and listed
    /// accounts; with none of them configured, the organisation by parameter.
    fn scope(&self) -> Result<Scope> {
        let organization_id: Option<OrgId> =
            parse_opt("organization_id", self.organization_id.as_ref())?;
        let paths: Vec<OrgPath> = parse_list(
            "organization_paths",
            self.organization_paths.as_deref().unwrap_or_default(),
        )?;
        // Every path lies in one organisation: the configured one, else the first path's.
        let path_organization: Option<OrgId> = match (&organization_id, paths.first()) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(first)) => Some(first.organization()),
            (None, None) => None,
        };
        if let Some(id) = &path_organization {
            if let Some((i, path)) = paths
                .iter()
                .enumerate()
                .find(|(_, p)| p.organization() != *id)
            {
                let whose = if organization_id.is_some() {
                    "organization_id"
                } else {
                    "organization_paths[0]"
                };
                return Err(Error::field(
                    format!("organization_paths[{i}]"),
                    format!(
                        "{:?} is not inside {whose} {id}: paths must all lie in one organisation",
                        path.as_str()
                    ),
                ));
            }
        }
        let accounts: Vec<AccountId> =
            parse_list("accounts", self.accounts.as_deref().unwrap_or_default())?;
        let organization = (organization_id.is_some() || (paths.is_empty() && accounts.is_empty()))
            .then_some(Organization {
                id: organization_id,
            });
        Ok(Scope {
            organization,
            paths: path_organization
                .filter(|_| !paths.is_empty())
                .map(|organization| OrganizationPaths {
                    organization,
                    paths,
                }),
            accounts,
        })
    }
}
