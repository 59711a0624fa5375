//! Every AWS list price `smlog explain --cost` uses, in one place: the
//! price, its unit, the Region it is for, when it was published or last
//! confirmed, and where. Change a price here and nowhere else.
//!
//! smlog has no internet access beyond package registries: each price was
//! read on 2026-12-06 ([`CHECKED`]) in the newest copy of AWS's pricing page
//! (or an article quoting it) that could be found, whose date is `as_of`.

use serde::Serialize;

/// The day the prices below were read and compared with each other.
pub const CHECKED: &str = "2026-12-06";
/// Every price is the us-east-1 (N. Virginia) list price, in US dollars.
pub const REGION: &str = "us-east-1";
/// AWS bills months of 730 hours.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One list price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// A stable name, for JSON and tests.
    pub id: &'static str,
    pub service: &'static str,
    pub usd: f64,
    /// How many units `usd` buys (10,000 requests: 10,000).
    pub per_count: f64,
    /// The unit, singular (`request`, `GB`, `key-month`).
    pub unit: &'static str,
    pub region: &'static str,
    /// The date of the newest copy of the price that was read.
    pub as_of: &'static str,
    pub checked: &'static str,
    /// AWS's pricing page.
    pub source: &'static str,
    /// The copy actually read, when it was not AWS's page itself.
    pub read_in: &'static str,
    /// What the price covers and what it does not.
    pub note: &'static str,
}

impl Price {
    /// What `quantity` units cost.
    pub fn of(&self, quantity: f64) -> f64 {
        quantity / self.per_count * self.usd
    }

    /// The price as people write it: `$0.03 per 10,000 requests`.
    pub fn display(&self) -> String {
        let per = match self.per_count {
            1.0 => self.unit.to_owned(),
            1_000_000.0 => format!("million {}s", self.unit),
            count => format!("{} {}s", thousands(count as u64), self.unit),
        };
        let cents = format!("{:.2}", self.usd);
        let usd = if cents.parse::<f64>() == Ok(self.usd) {
            cents
        } else {
            self.usd.to_string()
        };
        format!("${usd} per {per}")
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const KMS_PAGE: &str = "https://aws.amazon.com/kms/pricing/";
const LAMBDA_PAGE: &str = "https://aws.amazon.com/lambda/pricing/";
const CLOUDWATCH_PAGE: &str = "https://aws.amazon.com/cloudwatch/pricing/";
const EVENTBRIDGE_PAGE: &str = "https://aws.amazon.com/eventbridge/pricing/";
const S3_PAGE: &str = "https://aws.amazon.com/s3/pricing/";
const PRIVATELINK_PAGE: &str = "https://aws.amazon.com/privatelink/pricing/";

const fn price(
    id: &'static str,
    service: &'static str,
    usd: f64,
    per_count: f64,
    unit: &'static str,
) -> Price {
    Price {
        id,
        service,
        usd,
        per_count,
        unit,
        region: REGION,
        as_of: "",
        checked: CHECKED,
        source: "",
        read_in: "",
        note: "",
    }
}

pub const KMS_KEY: Price = Price {
    as_of: "2026-03-14",
    source: KMS_PAGE,
    read_in: "AWS's page (stored copy) and cloudburn.io/blog/aws-kms-pricing, 2026-03-14",
    note: "each key, and each primary and each replica of a multi-Region key, prorated hourly; none for a key pending deletion",
    ..price("kms-key", "KMS", 1.00, 1.0, "key-month")
};

pub const KMS_ROTATION: Price = Price {
    as_of: "2026-03-14",
    source: KMS_PAGE,
    read_in: "AWS's page as quoted in public design reviews and cloudburn.io/blog/aws-kms-pricing, 2026-03-14",
    note: "the first and the second rotation of a key each add $1/month; the increase is capped at the second rotation (rule since 2024); rotation is yearly by default",
    ..price("kms-rotation", "KMS", 1.00, 1.0, "key-month per rotation")
};

pub const KMS_REQUESTS: Price = Price {
    as_of: "2026-03-14",
    source: KMS_PAGE,
    read_in: "AWS's page (stored copy) and cloudburn.io/blog/aws-kms-pricing, 2026-03-14",
    note: "symmetric-key requests (GenerateDataKey, Decrypt, DescribeKey…); the 20,000 free requests a month are not assumed",
    ..price("kms-requests", "KMS", 0.03, 10_000.0, "request")
};

pub const LAMBDA_DURATION: Price = Price {
    as_of: "2025-08-01",
    source: LAMBDA_PAGE,
    read_in: "AWS's page (stored copy), AWS Compute Blog \"AWS Lambda standardizes billing for INIT phase\" (effective 2025-08-01)",
    note: "x86, first 6 billion GB-seconds a month; since 2025-08-01 the INIT phase (cold start) of ZIP functions is billed too; the free tier is not assumed",
    ..price("lambda-duration", "Lambda", 0.000_016_666_7, 1.0, "GB-second")
};

pub const LAMBDA_REQUESTS: Price = Price {
    as_of: "2025-08-01",
    source: LAMBDA_PAGE,
    read_in: "AWS's page (stored copy), docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",
    note: "every invocation; the free tier (1 million a month) is not assumed",
    ..price("lambda-requests", "Lambda", 0.20, 1_000_000.0, "request")
};

pub const LOGS_INGESTION: Price = Price {
    as_of: "2026-06-01",
    source: CLOUDWATCH_PAGE,
    read_in: "c3x.dev CloudWatch Logs pricing (us-east-1, June 2026); duckbillgroup.com on Lambda's tiered log pricing (first tier unchanged)",
    note: "Standard log class; Lambda's own logs are tiered from this price down; the 5 GB free tier is not assumed",
    ..price("logs-ingestion", "CloudWatch Logs", 0.50, 1.0, "GB ingested")
};

pub const LOGS_STORAGE: Price = Price {
    as_of: "2026-06-01",
    source: CLOUDWATCH_PAGE,
    read_in: "c3x.dev CloudWatch Logs pricing (us-east-1, June 2026)",
    note: "billed on compressed bytes; smlog counts uncompressed bytes, an upper bound",
    ..price("logs-storage", "CloudWatch Logs", 0.03, 1.0, "GB-month")
};

pub const EVENTS_CUSTOM: Price = Price {
    as_of: "2026-06-13",
    source: EVENTBRIDGE_PAGE,
    read_in: "factualminds.com and cloudburn.io EventBridge pricing guides (us-east-1, 2026-03-13 and 2026-06-13)",
    note: "custom events put on a bus, per 64 KB chunk; AWS service events (CloudTrail's IAM calls, CloudFormation's stack status) and scheduled rules on the default bus are free",
    ..price("events-custom", "EventBridge", 1.00, 1_000_000.0, "event")
};

pub const EVENTS_CROSS_ACCOUNT: Price = Price {
    as_of: "2026-03-13",
    source: EVENTBRIDGE_PAGE,
    read_in: "cloudburn.io/blog/amazon-eventbridge-pricing, 2026-03-13",
    note: "events delivered to a bus in another account; same-account delivery is free",
    ..price(
        "events-cross-account",
        "EventBridge",
        1.00,
        1_000_000.0,
        "event",
    )
};

pub const S3_STORAGE: Price = Price {
    as_of: "2024-04-29",
    source: S3_PAGE,
    read_in: "cloudforecast.io S3 pricing guide (2024-04-29); unchanged in every later copy seen",
    note: "S3 Standard, first 50 TB a month; Glacier classes after a lifecycle transition cost less (not modelled: an upper bound)",
    ..price("s3-storage", "S3", 0.023, 1.0, "GB-month")
};

pub const S3_PUT: Price = Price {
    as_of: "2024-04-29",
    source: S3_PAGE,
    read_in: "cloudforecast.io S3 pricing guide (2024-04-29)",
    note: "PUT, COPY, POST, LIST requests to S3 Standard (replication's PUTs too)",
    ..price("s3-put", "S3", 0.005, 1_000.0, "request")
};

pub const S3_GET: Price = Price {
    as_of: "2024-04-29",
    source: S3_PAGE,
    read_in: "cloudforecast.io S3 pricing guide (2024-04-29)",
    note: "GET and other requests (GetBucketEncryption before each session)",
    ..price("s3-get", "S3", 0.0004, 1_000.0, "request")
};

pub const S3_INTER_REGION: Price = Price {
    as_of: "2024-04-29",
    source: S3_PAGE,
    read_in: "cloudforecast.io S3 pricing guide (2024-04-29)",
    note: "data transferred from us-east-1 to another AWS Region (replication)",
    ..price("s3-inter-region", "S3", 0.02, 1.0, "GB")
};

pub const ENDPOINT_HOUR: Price = Price {
    as_of: "2026-05-01",
    source: PRIVATELINK_PAGE,
    read_in: "AWS's page (stored copy) and awsnegotiations.com PrivateLink cost analysis (May 2026)",
    note: "each interface endpoint in each Availability Zone, every hour it exists; the S3 gateway endpoint is free",
    ..price("endpoint-hour", "PrivateLink", 0.01, 1.0, "endpoint-AZ-hour")
};

pub const ENDPOINT_DATA: Price = Price {
    as_of: "2026-05-01",
    source: PRIVATELINK_PAGE,
    read_in: "AWS's page (stored copy), first PB a month",
    note: "data processed by interface endpoints",
    ..price("endpoint-data", "PrivateLink", 0.01, 1.0, "GB")
};

/// Every price, in the order the report lists them.
pub const ALL: [Price; 15] = [
    KMS_KEY,
    KMS_ROTATION,
    KMS_REQUESTS,
    LAMBDA_DURATION,
    LAMBDA_REQUESTS,
    LOGS_INGESTION,
    LOGS_STORAGE,
    EVENTS_CUSTOM,
    EVENTS_CROSS_ACCOUNT,
    S3_STORAGE,
    S3_PUT,
    S3_GET,
    S3_INTER_REGION,
    ENDPOINT_HOUR,
    ENDPOINT_DATA,
];

/// How many rotations add to a key's monthly price (the cap in [`KMS_ROTATION`]).
pub const KMS_BILLED_ROTATIONS: f64 = 2.0;

/// What smlog's resources cost nothing for (so the report can say why they are absent).
pub const FREE: [&str; 6] = [
    "CloudFormation and StackSets: no charge for AWS::* and Custom::* resources",
    "IAM roles and policies, the agent policy's attachments",
    "Session Manager sessions and the SSM-SessionManagerRunShell document",
    "EventBridge rules on the default bus: the repair schedule, CloudTrail's IAM events, CloudFormation's stack events",
    "CloudTrail: IAM events need a trail; an organisation's first copy of management events is free (most have one)",
    "The S3 gateway endpoint, and same-Region transfer from nodes to S3",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_price_is_dated_sourced_and_for_one_region() {
        let mut ids: Vec<&str> = ALL.iter().map(|p| p.id).collect();
        for price in ALL {
            assert!(price.usd > 0.0 && price.per_count >= 1.0, "{}", price.id);
            assert_eq!(price.region, "us-east-1");
            assert_eq!(price.checked, CHECKED);
            assert!(
                price.as_of.len() == 10 && price.as_of <= CHECKED,
                "{}",
                price.id
            );
            assert!(
                price.source.starts_with("https://aws.amazon.com/"),
                "{}",
                price.id
            );
            assert!(
                !price.read_in.is_empty() && !price.note.is_empty(),
                "{}",
                price.id
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len(), "ids are unique");
    }

    #[test]
    fn a_price_reads_as_written_and_costs_by_its_unit() {
        assert_eq!(KMS_REQUESTS.display(), "$0.03 per 10,000 requests");
        assert_eq!(KMS_KEY.display(), "$1.00 per key-month");
        assert_eq!(LAMBDA_REQUESTS.display(), "$0.20 per million requests");
        assert_eq!(LAMBDA_DURATION.display(), "$0.0000166667 per GB-second");
        assert!((KMS_REQUESTS.of(1_000_000.0) - 3.0).abs() < 1e-12);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(100), "100");
    }
}
