//! Who is admitted, and the bucket: the organisation, its paths and listed
//! accounts; the bucket smlog creates (with its retention) or an existing
//! one; the replica.

use super::{at, parse_list, parse_opt};
use crate::config::raw::{RawConfig, RawRetention};
use crate::config::settings::*;
use crate::error::{Error, Result};
use crate::ids::{AccountId, BucketName, KmsKeyArn, OrgId, OrgPath, Region};

/// The organisation (configured or as a parameter), its paths and listed
/// accounts; with none of them configured, the organisation by parameter.
pub(super) fn scope(raw: &RawConfig) -> Result<Scope> {
    let organization_id: Option<OrgId> =
        parse_opt("organization_id", raw.organization_id.as_ref())?;
    let paths: Vec<OrgPath> = parse_list(
        "organization_paths",
        raw.organization_paths.as_deref().unwrap_or_default(),
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
        parse_list("accounts", raw.accounts.as_deref().unwrap_or_default())?;
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

/// The bucket smlog creates, or the existing one it serves.
pub(super) fn log_bucket(raw: &RawConfig, home_region: &Region) -> Result<LogBucket> {
    let Some(existing) = &raw.existing_bucket else {
        return Ok(LogBucket::Created {
            name: parse_opt("bucket_name", raw.bucket_name.as_ref())?,
            retention: raw
                .retention
                .as_ref()
                .map(RawRetention::resolve)
                .transpose()?
                .unwrap_or_default(),
        });
    };
    if raw.bucket_name.is_some() {
        return Err(Error::field(
            "bucket_name",
            "goes with a bucket smlog creates; with existing_bucket, its name is existing_bucket.name",
        ));
    }
    if raw.retention.is_some() {
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

/// The replica: in another Region of the same partition, of a bucket smlog creates.
pub(super) fn replica(raw: &RawConfig, home_region: &Region) -> Result<Option<Replica>> {
    let Some(replica) = &raw.replica else {
        return Ok(None);
    };
    if raw.existing_bucket.is_some() {
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
