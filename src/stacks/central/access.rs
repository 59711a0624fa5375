//! Who may deliver logs and use the keys, as policy statements: the bucket
//! policy and the key policies. One builder serves the central stack and the
//! statements an existing bucket's and key's policies must contain; only how
//! they name the bucket, the organisation and S3 differs ([`Names`]).

use super::{bucket_name, ORGANIZATION_ID};
use crate::cfn::{Expr, Intrinsic, Principal, Statement, Value};
use crate::config::{OrganizationPaths, Scope};
use crate::ids::{AccountId, BucketName, OrgId, Region};
use crate::names::logical::LOG_BUCKET;
use crate::names::principal;
use crate::plan::KeyUse;
use crate::stacks::root_administration;

/// How statements name things: intrinsics inside the central stack, literal
/// values in the statements for an existing bucket.
pub struct Names {
    organization_id: Expr,
    bucket_arn: Value<String>,
    /// A literal bucket ARN, or none inside the stack.
    literal_bucket_arn: Option<String>,
    /// The bucket's ARN and its objects' where the key policy meets them (as
    /// the encryption context S3 sends); the key exists before the bucket, so
    /// no `GetAtt`.
    bucket_arn_for_keys: Expr,
    objects_for_keys: Expr,
    /// `kms:ViaService` of S3 in the bucket's Region.
    s3_service: Expr,
    /// `kms:ViaService` of GUI Connect in any Region (the session key's
    /// replicas serve every Region under one policy).
    gui_connect_service: Expr,
}

impl Names {
    /// Inside the central stack.
    pub fn in_stack() -> Self {
        Names {
            organization_id: Intrinsic::reference(ORGANIZATION_ID).into(),
            bucket_arn: Value::get_att(LOG_BUCKET, "Arn"),
            literal_bucket_arn: None,
            bucket_arn_for_keys: named_bucket("arn:${AWS::Partition}:s3:::${Bucket}"),
            objects_for_keys: named_bucket("arn:${AWS::Partition}:s3:::${Bucket}/*"),
            s3_service: Intrinsic::sub("s3.${AWS::Region}.${AWS::URLSuffix}").into(),
            gui_connect_service: Intrinsic::sub("ssm-guiconnect.*.${AWS::URLSuffix}").into(),
        }
    }

    /// For a bucket that exists: every value written out.
    pub fn literal(bucket: &BucketName, region: &Region, organization: Option<&OrgId>) -> Self {
        let partition = region.partition();
        let arn = format!("arn:{}:s3:::{bucket}", partition.name());
        Names {
            organization_id: organization.map(|o| o.as_str()).unwrap_or_default().into(),
            bucket_arn: arn.clone().into(),
            literal_bucket_arn: Some(arn.clone()),
            objects_for_keys: format!("{arn}/*").into(),
            bucket_arn_for_keys: arn.into(),
            s3_service: format!("s3.{region}.{}", partition.url_suffix()).into(),
            gui_connect_service: format!("ssm-guiconnect.*.{}", partition.url_suffix()).into(),
        }
    }

    /// The bucket's objects: its ARN, `/`, and a suffix written as inside
    /// `Fn::Sub` (a policy variable escaped as `${!name}`).
    fn objects(&self, suffix: &str) -> Value<String> {
        match &self.literal_bucket_arn {
            None => Value::sub(format!("${{{LOG_BUCKET}.Arn}}/{suffix}")),
            Some(arn) => format!("{arn}/{}", suffix.replace("${!", "${")).into(),
        }
    }
}

/// An ARN of (or in) the stack's bucket, by its name as the stack decides it.
fn named_bucket(template: &str) -> Expr {
    Intrinsic::SubWith {
        template: template.to_owned(),
        variables: [("Bucket".to_owned(), bucket_name().into())]
            .into_iter()
            .collect(),
    }
    .into()
}

/// One part of the configured scope; each gets statements of its own, since
/// conditions inside one statement all must hold.
pub enum Admission<'a> {
    /// The organisation, by its id.
    Organization,
    /// Parts of one organisation, paired with its fixed id.
    Paths(&'a OrganizationPaths),
    /// Listed accounts.
    Accounts(&'a [AccountId]),
}

impl Admission<'_> {
    /// The part of the statement ids it writes: `Allow{name}LogDelivery`.
    fn name(&self) -> &'static str {
        match self {
            Admission::Organization => "Organization",
            Admission::Paths(_) => "OrganizationPaths",
            Admission::Accounts(_) => "Accounts",
        }
    }

    /// Names the admitted principals in a key policy: everyone, narrowed
    /// by a condition (KMS checks that named principals exist).
    fn in_key_policy(&self, names: &Names, statement: Statement) -> Statement {
        let statement = statement.principal(Principal::Anyone);
        match self {
            Admission::Organization | Admission::Paths(_) => self.in_organization(names, statement),
            Admission::Accounts(accounts) => {
                statement.condition("StringEquals", "aws:PrincipalAccount", list(accounts))
            }
        }
    }

    /// Names the admitted principals in the bucket policy. S3 Block Public
    /// Access treats an Allow to everyone as public unless a fixed value of
    /// one of its listed keys limits it; aws:PrincipalOrgID is one,
    /// aws:PrincipalOrgPaths and aws:PrincipalAccount are not. So paths come
    /// with their organisation's id, and accounts are named as principals.
    fn in_bucket_policy(&self, names: &Names, statement: Statement) -> Statement {
        match self {
            Admission::Organization | Admission::Paths(_) => {
                self.in_organization(names, statement.principal(Principal::Anyone))
            }
            Admission::Accounts(accounts) => statement.principal(Principal::Aws(
                accounts.iter().map(|a| Value::from(a.as_str())).collect(),
            )),
        }
    }

    /// Names the admitted accounts as the source of a service's request
    /// (`aws:SourceOrgID`, `aws:SourceOrgPaths`, `aws:SourceAccount`): a
    /// service acting for them, never for anyone else.
    fn as_source(&self, names: &Names, statement: Statement) -> Statement {
        self.bounded(names, statement, "Source", Some("aws:SourceAccount"))
    }

    /// Bounds a statement to principals of the organisation (or its admitted
    /// paths); explicit accounts are named as principals instead.
    fn in_organization(&self, names: &Names, statement: Statement) -> Statement {
        self.bounded(names, statement, "Principal", None)
    }

    /// The admission as conditions on `aws:{role}OrgID`, `aws:{role}OrgPaths`
    /// and, for explicit accounts, `account_key` when there is one.
    fn bounded(
        &self,
        names: &Names,
        statement: Statement,
        role: &str,
        account_key: Option<&str>,
    ) -> Statement {
        let org_id = format!("aws:{role}OrgID");
        match self {
            Admission::Organization => {
                statement.condition("StringEquals", &org_id, names.organization_id.clone())
            }
            Admission::Paths(paths) => statement
                .condition("StringEquals", &org_id, paths.organization.as_str())
                .condition(
                    "ForAnyValue:StringLike",
                    &format!("aws:{role}OrgPaths"),
                    list(&paths.paths),
                ),
            Admission::Accounts(accounts) => match account_key {
                Some(key) => statement.condition("StringEquals", key, list(accounts)),
                None => statement,
            },
        }
    }
}

fn list<T: AsRef<str>>(items: &[T]) -> Expr {
    Expr::List(items.iter().map(|i| Expr::from(i.as_ref())).collect())
}

/// The organisation, parts of it, and listed accounts, as configured.
pub fn admissions(scope: &Scope) -> Vec<Admission<'_>> {
    let mut admissions = Vec::new();
    if scope.organization.is_some() {
        admissions.push(Admission::Organization);
    }
    if let Some(paths) = &scope.paths {
        admissions.push(Admission::Paths(paths));
    }
    if !scope.accounts.is_empty() {
        admissions.push(Admission::Accounts(&scope.accounts));
    }
    admissions
}

/// Admitted principals may use the key only through S3, for this bucket. S3
/// sends the bucket's ARN as encryption context with S3 Bucket Keys and the
/// object's ARN without them; both are admitted, so the statement serves an
/// existing bucket either way, and an upload that turns Bucket Keys off for
/// itself.
fn use_through_s3(names: &Names, admission: &Admission) -> Statement {
    let statement = admission.in_key_policy(
        names,
        Statement::allow(&format!("Allow{}UseThroughS3", admission.name()))
            .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
            .resource("*"),
    );
    for_this_bucket_through_s3(names, statement)
}

/// The bucket key's bounds: only through S3 in the bucket's Region, and
/// only with this bucket's or one of its objects' ARN as encryption context.
fn for_this_bucket_through_s3(names: &Names, statement: Statement) -> Statement {
    statement
        .condition("StringEquals", "kms:ViaService", names.s3_service.clone())
        .condition(
            "StringLike",
            "kms:EncryptionContext:aws:s3:arn",
            Expr::List(vec![
                names.bucket_arn_for_keys.clone(),
                names.objects_for_keys.clone(),
            ]),
        )
}

/// The encryption context the SSM Agent and the Session Manager plugin send
/// with every call on the session key.
pub const SESSION_CONTEXT_KEYS: [&str; 2] = ["aws:ssm:SessionId", "aws:ssm:TargetId"];

/// Admitted principals encrypt and decrypt session data with the key directly,
/// and only under Session Manager's encryption context: both of its keys
/// present (`Null` false) and no other key (`ForAllValues`). Data encrypted
/// under any other context, or none, stays out of reach of this grant, so
/// the key is no general-purpose key for the whole organisation.
fn session_encryption(names: &Names, admission: &Admission) -> Statement {
    let statement = admission
        .in_key_policy(
            names,
            Statement::allow(&format!("Allow{}SessionEncryption", admission.name()))
                .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
                .resource("*"),
        )
        .condition(
            "ForAllValues:StringEquals",
            "kms:EncryptionContextKeys",
            list(&SESSION_CONTEXT_KEYS),
        );
    SESSION_CONTEXT_KEYS
        .iter()
        .fold(statement, |statement, key| {
            statement.condition("Null", &format!("kms:EncryptionContext:{key}"), false)
        })
}

/// With RDP recording: GUI Connect encrypts a recording in progress under a
/// grant on the session key of the node's Region, which the connecting user
/// (and the controller, writing the preferences) create through the service.
fn recording_grants(names: &Names, admission: &Admission) -> Statement {
    admission
        .in_key_policy(
            names,
            Statement::allow(&format!("Allow{}RdpRecordingGrants", admission.name()))
                .actions(&["kms:CreateGrant"])
                .resource("*"),
        )
        .condition(
            "StringLike",
            "kms:ViaService",
            names.gui_connect_service.clone(),
        )
        .condition("Bool", "kms:GrantIsForAWSResource", true)
}

/// With RDP recording: GUI Connect writes finished recordings to the bucket,
/// which encrypts them with the bucket key, for the admitted accounts only.
fn recording_encryption(names: &Names, admission: &Admission) -> Statement {
    let statement = admission.as_source(
        names,
        Statement::allow(&format!("Allow{}RdpRecordingEncryption", admission.name()))
            .principal(Principal::Service(vec![principal::GUI_CONNECT.into()]))
            .actions(&["kms:GenerateDataKey"])
            .resource("*"),
    );
    for_this_bucket_through_s3(names, statement)
}

/// Who the policies admit, how they name things, and whether GUI Connect
/// records RDP connections into the bucket.
#[derive(Clone, Copy)]
pub struct Access<'a> {
    pub names: &'a Names,
    pub admissions: &'a [Admission<'a>],
    pub recording: bool,
}

/// The admitted principals' statements of a key policy (the account-root
/// statement comes first in a key the stack creates).
pub fn key_grants(access: Access, key_use: KeyUse) -> Vec<Statement> {
    let Access {
        names,
        admissions,
        recording,
    } = access;
    let (bucket, session) = match key_use {
        KeyUse::Bucket => (true, false),
        KeyUse::Session => (false, true),
        KeyUse::BucketAndSession => (true, true),
    };
    let mut statements = Vec::new();
    for admission in admissions {
        if bucket {
            statements.push(use_through_s3(names, admission));
        }
        if session {
            statements.push(session_encryption(names, admission));
        }
        if recording && bucket {
            statements.push(recording_encryption(names, admission));
        }
        if recording && session {
            statements.push(recording_grants(names, admission));
        }
    }
    statements
}

/// A key policy the stack writes: the account keeps administration.
pub fn key_policy(access: Access, key_use: KeyUse) -> Vec<Statement> {
    std::iter::once(root_administration())
        .chain(key_grants(access, key_use))
        .collect()
}

const SSE: &str = "s3:x-amz-server-side-encryption";
const SSE_KEY: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/// Uploads stay on the bucket key: one that names a KMS key names this one,
/// one that names an encryption names SSE-KMS, and one that names SSE-KMS
/// names a key (S3 would otherwise use the AWS managed key aws/s3). Each
/// applies only when its header is present (`Null` false): an upload that
/// names nothing gets the bucket's default encryption, as older agents rely on.
fn upload_denies(names: &Names, bucket_key_arn: Value<String>) -> [Statement; 3] {
    let deny = |sid: &str| {
        Statement::deny(sid)
            .principal(Principal::Anyone)
            .actions(&["s3:PutObject"])
            .resource(names.objects("*"))
    };
    [
        deny("DenyUploadsWithAnotherKey")
            .condition("Null", SSE_KEY, false)
            .condition("StringNotEquals", SSE_KEY, Expr::from(bucket_key_arn)),
        deny("DenyUploadsWithAnotherEncryption")
            .condition("Null", SSE, false)
            .condition("StringNotEquals", SSE, "aws:kms"),
        deny("DenyUploadsWithTheAwsManagedKey")
            .condition("Null", SSE, false)
            .condition("Null", SSE_KEY, true),
    ]
}

/// TLS only; uploads on the bucket key only; admitted principals may read the
/// bucket's encryption settings and write below their own account id. One
/// statement per scope carries both grants (object actions never match the
/// bucket ARN, nor bucket actions the object ARNs), so an account list
/// appears once and about 1,250 accounts fit.
pub fn bucket_statements(access: Access, bucket_key_arn: Value<String>) -> Vec<Statement> {
    let Access {
        names,
        admissions,
        recording,
    } = access;
    let mut statements = vec![Statement::deny("DenyInsecureTransport")
        .principal(Principal::Anyone)
        .actions(&["s3:*"])
        .resources([names.bucket_arn.clone(), names.objects("*")])
        .condition("Bool", "aws:SecureTransport", false)];
    statements.extend(upload_denies(names, bucket_key_arn));
    for admission in admissions {
        statements.push(
            admission.in_bucket_policy(
                names,
                Statement::allow(&format!("Allow{}LogDelivery", admission.name()))
                    .actions(&[
                        "s3:GetEncryptionConfiguration",
                        "s3:PutObject",
                        "s3:PutObjectAcl",
                    ])
                    .resources([
                        names.bucket_arn.clone(),
                        names.objects("${!aws:PrincipalAccount}/*"),
                    ]),
            ),
        );
        if recording {
            statements.push(recordings(names, admission));
        }
    }
    statements
}

/// GUI Connect writes RDP recordings for the admitted accounts. It chooses
/// the objects' keys itself (no prefix can be configured), so the grant
/// covers the bucket's objects; only the service can use it.
fn recordings(names: &Names, admission: &Admission) -> Statement {
    admission.as_source(
        names,
        Statement::allow(&format!("Allow{}RdpRecordings", admission.name()))
            .principal(Principal::Service(vec![principal::GUI_CONNECT.into()]))
            .actions(&["s3:PutObject"])
            .resource(names.objects("*")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn literal_names() -> Names {
        Names::literal(
            &"log-archive".parse().unwrap(),
            &"us-east-1".parse().unwrap(),
            Some(&"o-a1b2c3d4e5".parse().unwrap()),
        )
    }

    const ORGANIZATION: [Admission; 1] = [Admission::Organization];

    fn organisation(names: &Names) -> Access<'_> {
        Access {
            names,
            admissions: &ORGANIZATION,
            recording: false,
        }
    }

    #[test]
    fn the_bucket_key_admits_the_bucket_and_its_objects_as_encryption_context() {
        let names = literal_names();
        let grants = key_grants(organisation(&names), KeyUse::Bucket);
        let condition = serde_json::to_value(&grants[0].condition).unwrap();
        assert_eq!(
            condition["StringLike"]["kms:EncryptionContext:aws:s3:arn"],
            json!(["arn:aws:s3:::log-archive", "arn:aws:s3:::log-archive/*"]),
            "with S3 Bucket Keys the context is the bucket ARN, without them the object ARN"
        );
        assert_eq!(
            condition["StringEquals"]["kms:ViaService"],
            "s3.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn the_session_key_serves_session_managers_encryption_context_only() {
        let names = literal_names();
        let grants = key_grants(organisation(&names), KeyUse::Session);
        assert_eq!(grants.len(), 1);
        assert_eq!(
            serde_json::to_value(&grants[0].condition).unwrap(),
            json!({
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["aws:ssm:SessionId", "aws:ssm:TargetId"]},
                "Null": {"kms:EncryptionContext:aws:ssm:SessionId": false, "kms:EncryptionContext:aws:ssm:TargetId": false},
            })
        );
    }

    #[test]
    fn uploads_that_name_an_encryption_must_name_the_bucket_key() {
        let key = "arn:aws:kms:us-east-1:111111111111:key/k";
        let statements = bucket_statements(organisation(&literal_names()), key.into());
        let denies: Vec<serde_json::Value> = statements
            .iter()
            .filter(|s| s.sid.starts_with("DenyUploads"))
            .map(|s| serde_json::to_value(s).unwrap())
            .collect();
        let header = "s3:x-amz-server-side-encryption";
        let key_header = "s3:x-amz-server-side-encryption-aws-kms-key-id";
        let conditions: Vec<&serde_json::Value> = denies.iter().map(|d| &d["Condition"]).collect();
        assert_eq!(
            conditions,
            [
                &json!({"Null": {key_header: false}, "StringNotEquals": {key_header: key}}),
                &json!({"Null": {header: false}, "StringNotEquals": {header: "aws:kms"}}),
                &json!({"Null": {header: false, key_header: true}}),
            ]
        );
        for deny in &denies {
            assert_eq!(deny["Action"], json!(["s3:PutObject"]));
            assert_eq!(deny["Resource"], json!(["arn:aws:s3:::log-archive/*"]));
        }
    }

    #[test]
    fn one_key_for_both_keeps_a_statement_for_each_use() {
        let names = literal_names();
        let grants = key_grants(organisation(&names), KeyUse::BucketAndSession);
        let sids: Vec<&str> = grants.iter().map(|g| g.sid.as_str()).collect();
        assert_eq!(
            sids,
            [
                "AllowOrganizationUseThroughS3",
                "AllowOrganizationSessionEncryption"
            ]
        );
        assert!(grants[0].condition["StringEquals"].contains_key("kms:ViaService"));
        assert!(!grants[1].condition.contains_key("StringLike"));
    }
}
