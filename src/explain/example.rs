//! The example deployment the matrix is computed for: its accounts, the
//! principals that act in them, the requests the columns stand for, and the
//! values the templates' references resolve to there.

use super::eval::Resolver;
use crate::cfn::{PolicyDocument, Statement};
use crate::config::{LogBucket, SessionKey, Settings};
use crate::names::logical::*;
use crate::names::{resource, wiring};
use crate::stacks::central;

/// The example deployment the matrix is computed for.
pub const CENTRAL_ACCOUNT: &str = "111111111111";
pub const OUTSIDE_ACCOUNT: &str = "999999999999";
pub const EXAMPLE_ORG: &str = "o-exampleorg0";
/// The example's multi-Region session key id.
const EXAMPLE_MRK: &str = "mrk-00000000000000000000000000000000";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Identity {
    /// The member template's agent policy.
    Agent,
    /// The member template's operator policy.
    Operator,
    /// Not in the templates: assumed to allow everything in its own account.
    Administrator,
    Anonymous,
}

pub(super) struct Principal {
    pub(super) name: &'static str,
    pub(super) account: Option<String>,
    /// The role it acts through, when it has one.
    pub(super) role: Option<&'static str>,
    pub(super) in_org: bool,
    pub(super) tls: bool,
    pub(super) identity: Identity,
}

/// A column: its heading and the request it stands for, per principal.
pub(super) type Column<'a> = (&'static str, Box<dyn Fn(&Principal) -> Target + 'a>);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    S3,
    Kms,
    /// A resource of the member account without a resource policy.
    MemberAccount,
}

pub(super) struct Target {
    pub(super) action: &'static str,
    pub(super) resource: String,
    pub(super) owner: String,
    pub(super) kind: Kind,
    pub(super) via_s3: bool,
}

/// The accounts of the example: the central account, the member whose agent
/// logs, and another member; the home Region and its partition.
pub(super) struct Example {
    pub(super) central: String,
    pub(super) region: String,
    pub(super) partition: &'static str,
    pub(super) member: String,
    pub(super) other_member: String,
    pub(super) org_path: Option<String>,
    pub(super) bucket: String,
    pub(super) bucket_key: String,
    pub(super) session_key: String,
}

impl Example {
    pub(super) fn new(settings: &Settings) -> Self {
        let listed = &settings.scope.accounts;
        let admitted_by_org =
            settings.scope.organization.is_some() || settings.scope.paths.is_some();
        let (member, other_member) = if admitted_by_org || listed.is_empty() {
            ("222222222222".to_owned(), "333333333333".to_owned())
        } else {
            (
                listed[0].to_string(),
                listed
                    .get(1)
                    .map_or("333333333333".to_owned(), |a| a.to_string()),
            )
        };
        // An existing bucket's key fixes the central account, Region and partition.
        let existing_key = match &settings.bucket {
            LogBucket::Existing { key, .. } => Some(key),
            LogBucket::Created { .. } => None,
        };
        let central = existing_key.map_or(CENTRAL_ACCOUNT.to_owned(), |k| k.account().to_string());
        let region = existing_key.map_or(settings.home_region.clone(), |k| k.region());
        let partition = region.partition().name();
        let region = region.to_string();
        let bucket = settings
            .bucket
            .name()
            .map_or(format!("session-manager-logs-{central}-{region}"), |b| {
                b.to_string()
            });
        let key = |name: &str| format!("arn:{partition}:kms:{region}:{central}:key/{name}");
        let (bucket_key, session_key) = match settings.session_key {
            SessionKey::Central { multi_region: true } => (key("bucket-key"), key(EXAMPLE_MRK)),
            SessionKey::Central {
                multi_region: false,
            } => (key("bucket-key"), key("session-key")),
            // The member's own key, in the member account.
            SessionKey::PerAccount => (
                key("bucket-key"),
                format!("arn:{partition}:kms:{region}:{member}:key/member-session-key"),
            ),
            SessionKey::Shared { multi_region: true } => (key(EXAMPLE_MRK), key(EXAMPLE_MRK)),
            SessionKey::Shared {
                multi_region: false,
            } => (key("logging-key"), key("logging-key")),
        };
        let (bucket_key, session_key) = match (existing_key, settings.session_key) {
            (Some(key), SessionKey::Shared { .. }) => (key.to_string(), key.to_string()),
            (Some(key), _) => (key.to_string(), session_key),
            (None, _) => (bucket_key, session_key),
        };
        Example {
            central,
            region,
            partition,
            member,
            other_member,
            org_path: settings
                .scope
                .paths
                .as_ref()
                .and_then(|p| p.paths.first())
                .map(|p| p.as_str().trim_end_matches('*').to_owned() + "ou-member/"),
            bucket,
            bucket_key,
            session_key,
        }
    }

    pub(super) fn org_id(&self, settings: &Settings) -> String {
        settings
            .scope
            .organization_id()
            .map_or(EXAMPLE_ORG.to_owned(), |o| o.to_string())
    }

    pub(super) fn central_resolver(&self, settings: &Settings) -> Resolver {
        Resolver::default()
            .with("AWS::AccountId", self.central.clone())
            .with("AWS::Region", self.region.clone())
            .with("AWS::Partition", self.partition)
            .with("AWS::URLSuffix", url_suffix(self.partition))
            .with(central::ORGANIZATION_ID, self.org_id(settings))
            .with(
                wiring::BUCKET_NAME,
                settings
                    .bucket
                    .name()
                    .map(|b| b.to_string())
                    .unwrap_or_default(),
            )
            .with(LOG_BUCKET, self.bucket.clone())
            .with(&arn_of(LOG_BUCKET), self.bucket_arn())
            .with(&arn_of(BUCKET_KEY), self.bucket_key.clone())
            .with(&arn_of(SESSION_KEY), self.session_key.clone())
            .with(&arn_of(LOGGING_KEY), self.session_key.clone())
            .condition("GenerateBucketName", settings.bucket.name().is_none())
    }

    pub(super) fn member_resolver(&self, account: &str) -> Resolver {
        Resolver::default()
            .with("AWS::AccountId", account)
            .with("AWS::Region", self.region.clone())
            .with("AWS::Partition", self.partition)
            .with("AWS::URLSuffix", url_suffix(self.partition))
            .with(wiring::BUCKET_NAME, self.bucket.clone())
            .with(wiring::BUCKET_KEY_ARN, self.bucket_key.clone())
            .with(wiring::SESSION_KEY_ARN, self.session_key.clone())
            .with(wiring::SESSION_KEY_ID, EXAMPLE_MRK)
            .with(wiring::CENTRAL_ACCOUNT_ID, self.central.clone())
            // A per-account session key: the regional stack's, in this account.
            .with(&arn_of(MEMBER_SESSION_KEY), self.session_key.clone())
    }

    pub(super) fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }

    pub(super) fn principals(&self, settings: &Settings) -> Vec<Principal> {
        let role = |identity| match identity {
            Identity::Agent => Some("EC2-SSM-Core"),
            Identity::Operator => Some("SessionOperators"),
            Identity::Administrator => Some("Administrator"),
            Identity::Anonymous => None,
        };
        let member = |name, tls, identity| Principal {
            name,
            account: Some(self.member.clone()),
            role: role(identity),
            in_org: true,
            tls,
            identity,
        };
        let mut principals = vec![
            member("SSM agent role in a member account", true, Identity::Agent),
            member(
                "SSM agent role, request without TLS",
                false,
                Identity::Agent,
            ),
        ];
        if settings.operators.is_some() {
            principals.push(member(
                "operator role in a member account",
                true,
                Identity::Operator,
            ));
        }
        principals.extend([
            member(
                "administrator of a member account",
                true,
                Identity::Administrator,
            ),
            Principal {
                name: "central account administrator",
                account: Some(self.central.clone()),
                role: role(Identity::Administrator),
                in_org: true,
                tls: true,
                identity: Identity::Administrator,
            },
            Principal {
                name: "principal outside the organisation",
                account: Some(OUTSIDE_ACCOUNT.to_owned()),
                role: role(Identity::Administrator),
                in_org: false,
                tls: true,
                identity: Identity::Administrator,
            },
            Principal {
                name: "anonymous",
                account: None,
                role: None,
                in_org: false,
                tls: true,
                identity: Identity::Anonymous,
            },
        ]);
        principals
    }

    pub(super) fn columns(&self) -> Vec<Column<'_>> {
        let mut columns = self.central_columns();
        columns.extend(self.member_columns());
        columns
    }

    /// Requests on the central bucket and keys.
    fn central_columns(&self) -> Vec<Column<'_>> {
        let object = |account: &str| {
            format!(
                "{}/{account}/{}/session-id.log",
                self.bucket_arn(),
                self.region
            )
        };
        let own = |p: &Principal| p.account.clone().unwrap_or_else(|| self.member.clone());
        let s3 = |action, resource| Target {
            action,
            resource,
            owner: self.central.clone(),
            kind: Kind::S3,
            via_s3: false,
        };
        vec![
            (
                "write own prefix",
                Box::new(move |p: &Principal| s3("s3:PutObject", object(&own(p)))),
            ),
            (
                "write another account's prefix",
                Box::new(move |p: &Principal| {
                    let other = if own(p) == self.other_member {
                        self.member.clone()
                    } else {
                        self.other_member.clone()
                    };
                    s3("s3:PutObject", object(&other))
                }),
            ),
            (
                "read logs",
                Box::new(move |_: &Principal| s3("s3:GetObject", object(&self.member))),
            ),
            (
                "delete logs",
                Box::new(move |_: &Principal| s3("s3:DeleteObject", object(&self.member))),
            ),
            (
                "change bucket policy",
                Box::new(move |_: &Principal| s3("s3:PutBucketPolicy", self.bucket_arn())),
            ),
            (
                "use bucket key (through S3)",
                Box::new(move |_: &Principal| Target {
                    action: "kms:GenerateDataKey",
                    resource: self.bucket_key.clone(),
                    owner: self.central.clone(),
                    kind: Kind::Kms,
                    via_s3: true,
                }),
            ),
            (
                "use session key",
                // The agent decrypts; the operator's client makes the data key.
                Box::new(move |p: &Principal| Target {
                    action: if p.identity == Identity::Operator {
                        "kms:GenerateDataKey"
                    } else {
                        "kms:Decrypt"
                    },
                    resource: self.session_key.clone(),
                    owner: self
                        .session_key
                        .split(':')
                        .nth(4)
                        .unwrap_or(&self.central)
                        .to_owned(),
                    kind: Kind::Kms,
                    via_s3: false,
                }),
            ),
        ]
    }

    /// Requests on what smlog keeps in a member account (guarded when the guardrail is on).
    fn member_columns(&self) -> Vec<Column<'_>> {
        let preferences = format!(
            "ssm:{}:{}:document/{}",
            self.region,
            self.member,
            resource::PREFERENCES_DOCUMENT
        );
        vec![
            self.in_member_account(
                "start a logged session",
                "ssm:StartSession",
                preferences.clone(),
            ),
            self.in_member_account(
                "change member preferences",
                "ssm:UpdateDocument",
                preferences,
            ),
            self.in_member_account(
                "start an SSH session (never logged)",
                "ssm:StartSession",
                format!("ssm:{}::document/AWS-StartSSHSession", self.region),
            ),
            self.in_member_account(
                "invoke the controller",
                "lambda:InvokeFunction",
                format!(
                    "lambda:{}:{}:function:{}",
                    self.region,
                    self.member,
                    crate::stacks::controller::FUNCTION_NAME
                ),
            ),
            self.in_member_account(
                "detach the agent policy from a role",
                "iam:DetachRolePolicy",
                format!("iam::{}:role/AppServers", self.member),
            ),
        ]
    }

    /// A request on a resource of the member account (`service:…` after the partition).
    fn in_member_account(
        &self,
        heading: &'static str,
        action: &'static str,
        resource: String,
    ) -> Column<'_> {
        let arn = format!("arn:{}:{resource}", self.partition);
        (
            heading,
            Box::new(move |_: &Principal| Target {
                action,
                resource: arn.clone(),
                owner: self.member.clone(),
                kind: Kind::MemberAccount,
                via_s3: false,
            }),
        )
    }
}

pub(super) fn administrator_access() -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow("AdministratorAccess")
        .actions(&["*"])
        .resource("*")])
}

pub(super) fn url_suffix(partition: &str) -> &'static str {
    crate::ids::Partition::by_name(partition).map_or("amazonaws.com", |p| p.url_suffix())
}

/// The resolver's name for a resource's ARN attribute.
pub(super) fn arn_of(logical_id: &str) -> String {
    format!("{logical_id}.Arn")
}
