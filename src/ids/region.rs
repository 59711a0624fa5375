//! Regions and the partitions they belong to. A Region code must be one AWS
//! has: a well-formed but unknown code (`eu-wset-1`) would only fail at
//! deploy time, in whichever stack first used it.

use super::{invalid, nearest, InvalidId};
use std::str::FromStr;

string_id!(
    /// An AWS Region code such as `eu-west-1`, of a partition smlog serves.
    Region,
    pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$",
    constraint: "a Region code such as us-east-1"
);

/// The partitions smlog writes templates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

/// The Regions of each partition, as botocore 1.43.11's `partitions.json`
/// lists them (read 2026-12-06). A Region AWS opens later is refused until
/// this list learns it; the message says so.
const REGIONS: [(Partition, &[&str]); 3] = [
    (
        Partition::Aws,
        &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    ),
    (Partition::China, &["cn-north-1", "cn-northwest-1"]),
    (Partition::GovCloud, &["us-gov-east-1", "us-gov-west-1"]),
];

impl Partition {
    /// What `AWS::Partition` resolves to.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    /// The domain the partition's endpoints end in (what `AWS::URLSuffix` resolves to).
    pub fn url_suffix(self) -> &'static str {
        match self {
            Partition::China => "amazonaws.com.cn",
            Partition::Aws | Partition::GovCloud => "amazonaws.com",
        }
    }

    /// The Region where IAM's API calls reach EventBridge (through
    /// CloudTrail): IAM is a global service homed there.
    pub fn iam_events_region(self) -> Region {
        let code = match self {
            Partition::Aws => "us-east-1",
            Partition::China => "cn-north-1",
            Partition::GovCloud => "us-gov-west-1",
        };
        Region(code.to_owned())
    }

    pub fn by_name(name: &str) -> Option<Partition> {
        REGIONS
            .iter()
            .map(|(partition, _)| *partition)
            .find(|partition| partition.name() == name)
    }

    /// The partition's Regions, in code order.
    pub fn regions(self) -> &'static [&'static str] {
        REGIONS
            .iter()
            .find(|(partition, _)| *partition == self)
            .map(|(_, regions)| *regions)
            .unwrap_or_default()
    }
}

/// The Regions where Systems Manager records Fleet Manager's RDP connections:
/// those whose CloudFormation registry has `AWS::SSMGuiConnect::Preferences`,
/// per cfn-lint 1.51.0's provider schemas (read 2026-12-06). Elsewhere no
/// recording can be configured.
const RDP_RECORDING_REGIONS: [&str; 18] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

impl Region {
    /// Whether Systems Manager can record RDP connections here.
    pub fn records_rdp(&self) -> bool {
        RDP_RECORDING_REGIONS.contains(&self.0.as_str())
    }

    pub fn partition(&self) -> Partition {
        REGIONS
            .iter()
            .find(|(_, regions)| regions.contains(&self.0.as_str()))
            .map(|(partition, _)| *partition)
            .expect("a checked Region is in one partition's list")
    }
}

fn well_formed(s: &str) -> bool {
    // geography-[partition-]direction-number, e.g. us-east-1, us-gov-west-1, ap-southeast-4
    let parts: Vec<&str> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].len() <= 2
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

impl FromStr for Region {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        if !well_formed(s) {
            return invalid(
                "Region",
                s,
                "must be a Region code such as us-east-1 or eu-central-2 (lowercase, dash-separated, ending in a number)",
            );
        }
        let known = REGIONS
            .iter()
            .flat_map(|(_, regions)| regions.iter().copied());
        if known.clone().any(|region| region == s) {
            return Ok(Region(s.to_owned()));
        }
        let hint = nearest(s, known)
            .map(|near| format!("did you mean {near}? "))
            .unwrap_or_default();
        invalid(
            "Region",
            s,
            format!("is not a Region of the aws, aws-cn or aws-us-gov partitions; {hint}(smlog knows the Regions botocore 1.43.11 lists)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
            "cn-northwest-1",
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
            "us-est-1",
            "mars-north-1",
        ] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        let typo = "eu-wset-1".parse::<Region>().unwrap_err().to_string();
        assert!(typo.contains("did you mean eu-west-1?"), "{typo}");
    }

    #[test]
    fn every_region_has_one_partition_and_each_partition_its_events_region() {
        let region: Region = "cn-north-1".parse().unwrap();
        assert_eq!(region.partition(), Partition::China);
        assert_eq!(region.partition().url_suffix(), "amazonaws.com.cn");
        for (partition, regions) in REGIONS {
            assert!(regions.contains(&partition.iam_events_region().as_str()));
            assert_eq!(Partition::by_name(partition.name()), Some(partition));
        }
    }

    #[test]
    fn rdp_recording_regions_are_known_regions() {
        for region in RDP_RECORDING_REGIONS {
            let parsed: Region = region.parse().unwrap();
            assert!(parsed.records_rdp());
        }
        assert!(!"af-south-1".parse::<Region>().unwrap().records_rdp());
    }
}
