//! `smlog explain`: who may do what to the bucket, the keys and the
//! preferences, computed from the synthesized templates' own policies for an
//! example deployment, and a diagram of the setup.

pub mod diagram;
pub mod eval;

use crate::cfn::s3::{Bucket, BucketEncryption};
use crate::cfn::{PolicyDocument, Properties, Statement, Template};
use crate::config::{LogBucket, SessionKey, Settings};
use crate::error::Result;
use crate::names::logical::*;
use crate::names::{resource, wiring};
use crate::stacks::central;
use crate::stacks::existing;
use crate::synth;
use eval::{matches, Policy, Request, Resolver};
use serde::Serialize;

/// The example deployment the matrix is computed for.
pub const CENTRAL_ACCOUNT: &str = "111111111111";
pub const OUTSIDE_ACCOUNT: &str = "999999999999";
pub const EXAMPLE_ORG: &str = "o-exampleorg0";
/// The example's multi-Region session key id.
const EXAMPLE_MRK: &str = "mrk-00000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    Allowed,
    Denied,
    /// A condition key the evaluator does not model decides.
    Depends,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub verdict: Verdict,
    /// The statements that decide (`policy:Sid`), or why nothing allows.
    pub because: Vec<String>,
    /// Set when the answer rests on something outside the templates.
    pub assumes: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub principal: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub deployment: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// The member template's agent policy.
    Agent,
    /// Not in the templates: assumed to allow everything in its own account.
    Administrator,
    Anonymous,
}

struct Principal {
    name: &'static str,
    account: Option<String>,
    /// The role it acts through, when it has one.
    role: Option<&'static str>,
    in_org: bool,
    tls: bool,
    identity: Identity,
}

/// A column: its heading and the request it stands for, per principal.
type Column<'a> = (&'static str, Box<dyn Fn(&Principal) -> Target + 'a>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    S3,
    Kms,
    Ssm,
}

struct Target {
    action: &'static str,
    resource: String,
    owner: String,
    kind: Kind,
    via_s3: bool,
}

/// The accounts of the example: the central account, the member whose agent
/// logs, and another member; the home Region and its partition.
struct Example {
    central: String,
    region: String,
    partition: &'static str,
    member: String,
    other_member: String,
    org_path: Option<String>,
    bucket: String,
    bucket_key: String,
    session_key: String,
}

impl Example {
    fn new(settings: &Settings) -> Self {
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

    fn org_id(&self, settings: &Settings) -> String {
        settings
            .scope
            .organization_id()
            .map_or(EXAMPLE_ORG.to_owned(), |o| o.to_string())
    }

    fn central_resolver(&self, settings: &Settings) -> Resolver {
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

    fn member_resolver(&self, account: &str) -> Resolver {
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
    }

    fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }

    fn principals(&self) -> Vec<Principal> {
        let role = |identity| match identity {
            Identity::Agent => Some("EC2-SSM-Core"),
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
        vec![
            member("SSM agent role in a member account", true, Identity::Agent),
            member(
                "SSM agent role, request without TLS",
                false,
                Identity::Agent,
            ),
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
        ]
    }

    fn columns(&self) -> Vec<Column<'_>> {
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
                Box::new(move |_: &Principal| Target {
                    action: "kms:Decrypt",
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
            (
                "change member preferences",
                Box::new(move |_: &Principal| Target {
                    action: "ssm:UpdateDocument",
                    resource: format!(
                        "arn:{}:ssm:{}:{}:document/{}",
                        self.partition,
                        self.region,
                        self.member,
                        resource::PREFERENCES_DOCUMENT
                    ),
                    owner: self.member.clone(),
                    kind: Kind::Ssm,
                    via_s3: false,
                }),
            ),
        ]
    }
}

fn administrator_access() -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow("AdministratorAccess")
        .actions(&["*"])
        .resource("*")])
}

/// Which policy document of a resource the matrix reads.
type Pick = fn(&Properties) -> Option<&PolicyDocument>;

fn bucket_policy(properties: &Properties) -> Option<&PolicyDocument> {
    match properties {
        Properties::S3BucketPolicy(policy) => Some(&policy.policy_document),
        _ => None,
    }
}

fn managed_policy(properties: &Properties) -> Option<&PolicyDocument> {
    match properties {
        Properties::IamManagedPolicy(policy) => Some(&policy.policy_document),
        _ => None,
    }
}

fn scp(properties: &Properties) -> Option<&PolicyDocument> {
    match properties {
        Properties::OrganizationsPolicy(policy) => Some(&policy.content),
        _ => None,
    }
}

fn key_policy(properties: &Properties) -> Option<&PolicyDocument> {
    match properties {
        Properties::KmsKey(key) => Some(&key.key_policy),
        _ => None,
    }
}

fn url_suffix(partition: &str) -> &'static str {
    crate::ids::Partition::by_name(partition).map_or("amazonaws.com", |p| p.url_suffix())
}

/// The resolver's name for a resource's ARN attribute.
fn arn_of(logical_id: &str) -> String {
    format!("{logical_id}.Arn")
}

/// The picked policies of a template, each with its logical id.
fn policies_of<'a>(
    template: &'a Template,
    label: &'static str,
    resolver: &'a Resolver,
    pick: Pick,
) -> Vec<(&'a str, Policy<'a>)> {
    template
        .resources()
        .filter_map(|(id, resource)| {
            let document = pick(&resource.properties)?;
            let label = format!("{label} {id}");
            Some((
                id,
                Policy {
                    label,
                    document,
                    resolver,
                },
            ))
        })
        .collect()
}

/// The access matrix for these templates (central and member, as synthesized
/// from `settings`, possibly edited since).
pub fn matrix(
    settings: &Settings,
    central_template: &Template,
    member_template: &Template,
    guardrail: Option<&Template>,
) -> Matrix {
    let example = Example::new(settings);
    let central_resolver = example.central_resolver(settings);
    let bucket_policies = policies_of(
        central_template,
        "bucket policy",
        &central_resolver,
        bucket_policy,
    );
    // Key policies by the key ARN the example gives each key.
    let member_key_resolver = example.member_resolver(&example.member);
    let key_policies: Vec<(String, Policy)> = policies_of(
        central_template,
        "key policy",
        &central_resolver,
        key_policy,
    )
    .into_iter()
    .filter_map(|(id, policy)| Some((central_resolver.values.get(&arn_of(id))?.clone(), policy)))
    .chain(
        // A per-account session key lives in the member template.
        policies_of(
            member_template,
            "member key policy",
            &member_key_resolver,
            key_policy,
        )
        .into_iter()
        .filter(|(id, _)| *id == MEMBER_SESSION_KEY)
        .map(|(_, policy)| (example.session_key.clone(), policy)),
    )
    .collect();
    let admin = administrator_access();
    // The guardrail binds the member accounts (the rollout's OUs), not the
    // central account or anyone outside.
    let guardrail_resolver = example.member_resolver(&example.member);
    let guardrail: Vec<Policy> = guardrail
        .map(|t| policies_of(t, "guardrail SCP", &guardrail_resolver, scp))
        .unwrap_or_default()
        .into_iter()
        .map(|(_, policy)| policy)
        .collect();
    let columns = example.columns();
    let mut rows = Vec::new();
    for principal in example.principals() {
        let member_resolver =
            example.member_resolver(principal.account.as_deref().unwrap_or(&example.member));
        let identity: Vec<Policy> = match principal.identity {
            Identity::Agent => policies_of(
                member_template,
                "agent policy",
                &member_resolver,
                managed_policy,
            )
            .into_iter()
            .map(|(_, policy)| policy)
            .collect(),
            Identity::Administrator => vec![Policy {
                label: "assumed AdministratorAccess".to_owned(),
                document: &admin,
                resolver: &member_resolver,
            }],
            Identity::Anonymous => vec![],
        };
        let in_member_account = principal
            .account
            .as_ref()
            .is_some_and(|a| *a == example.member || *a == example.other_member);
        let identity: Vec<Policy> = identity
            .into_iter()
            .chain(guardrail.iter().filter(|_| in_member_account).cloned())
            .collect();
        let cells = columns
            .iter()
            .map(|(_, target)| {
                let target = target(&principal);
                let resource_policies: Vec<Policy> = match target.kind {
                    Kind::S3 => bucket_policies.iter().map(|(_, p)| p.clone()).collect(),
                    Kind::Kms => key_policies
                        .iter()
                        .filter(|(arn, _)| *arn == target.resource)
                        .map(|(_, p)| p.clone())
                        .collect(),
                    Kind::Ssm => vec![],
                };
                decide(
                    &principal,
                    &target,
                    &identity,
                    &resource_policies,
                    &example,
                    settings,
                )
            })
            .collect();
        rows.push(Row {
            principal: principal.name.to_owned(),
            cells,
        });
    }
    Matrix {
        columns: columns.iter().map(|(name, _)| (*name).to_owned()).collect(),
        rows,
        deployment: format!(
            "central account {} (bucket {}), member accounts {} and {}, organisation {}, an outside account {OUTSIDE_ACCOUNT}, Region {}",
            example.central, example.bucket, example.member, example.other_member, example.org_id(settings), example.region
        ),
    }
}

fn decide(
    principal: &Principal,
    target: &Target,
    identity: &[Policy],
    resource_policies: &[Policy],
    example: &Example,
    settings: &Settings,
) -> Cell {
    let request = Request {
        action: target.action.to_owned(),
        resource: target.resource.clone(),
        account: principal.account.clone(),
        org_id: principal.in_org.then(|| example.org_id(settings)),
        org_path: if principal.in_org {
            example.org_path.clone()
        } else {
            None
        },
        secure_transport: principal.tls,
        via_service: target
            .via_s3
            .then(|| format!("s3.{}.{}", example.region, url_suffix(example.partition))),
        encryption_context_bucket: target.via_s3.then(|| example.bucket_arn()),
        resource_aliases: (target.resource == example.session_key)
            .then(|| resource::SESSION_KEY_ALIAS.to_owned())
            .into_iter()
            .collect(),
        resource_account: target.owner.clone(),
        principal_arn: principal
            .account
            .as_ref()
            .zip(principal.role)
            .map(|(account, role)| format!("arn:{}:iam::{account}:role/{role}", example.partition)),
    };
    let by_identity = matches(identity, &request, false);
    let by_resource = matches(resource_policies, &request, true);
    let denies: Vec<String> = by_identity
        .denies
        .iter()
        .chain(&by_resource.denies)
        .cloned()
        .collect();
    if !denies.is_empty() {
        return Cell {
            verdict: Verdict::Denied,
            because: denies,
            assumes: None,
        };
    }
    let unknown: Vec<String> = by_identity
        .unknown
        .iter()
        .chain(&by_resource.unknown)
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Cell {
            verdict: Verdict::Depends,
            because: unknown,
            assumes: None,
        };
    }
    let same_account = principal.account.as_deref() == Some(target.owner.as_str());
    let identity_allows = !by_identity.allows.is_empty();
    let resource_allows = !by_resource.allows.is_empty();
    let delegated = !by_resource.delegations.is_empty() && same_account && identity_allows;
    let allowed = match target.kind {
        Kind::S3 if principal.account.is_none() => resource_allows,
        Kind::S3 if same_account => identity_allows || resource_allows,
        Kind::S3 => identity_allows && resource_allows,
        Kind::Kms if same_account => resource_allows || delegated,
        Kind::Kms => resource_allows && identity_allows,
        Kind::Ssm => same_account && identity_allows,
    };
    if allowed {
        let mut because: Vec<String> = by_identity.allows.clone();
        because.extend(by_resource.allows.iter().cloned());
        if delegated {
            because.extend(by_resource.delegations.iter().cloned());
        }
        let rests_on_assumption = principal.identity == Identity::Administrator
            && identity_allows
            && (same_account || resource_allows);
        let assumes = (rests_on_assumption && by_identity.allows.iter().any(|a| a.starts_with("assumed")))
            .then(|| "an identity policy outside the templates (assumed: AdministratorAccess); an SCP could deny it".to_owned());
        return Cell {
            verdict: Verdict::Allowed,
            because,
            assumes,
        };
    }
    let reason = match (identity_allows, resource_allows, same_account) {
        (_, false, false) if target.kind == Kind::Ssm => {
            "another account's document: no resource policy can admit it".to_owned()
        }
        (_, false, false) => "no resource-policy statement admits this principal".to_owned(),
        (false, true, false) => {
            "the resource policy admits it, but no identity policy allows it".to_owned()
        }
        _ => "no statement allows it".to_owned(),
    };
    Cell {
        verdict: Verdict::Denied,
        because: vec![reason],
        assumes: None,
    }
}

fn symbol(cell: &Cell) -> &'static str {
    match (cell.verdict, cell.assumes.is_some()) {
        (Verdict::Allowed, false) => "✔",
        (Verdict::Allowed, true) => "✔*",
        (Verdict::Denied, _) => "✘",
        (Verdict::Depends, _) => "?",
    }
}

impl Matrix {
    pub fn cell(&self, principal: &str, column: &str) -> Option<&Cell> {
        let row = self.rows.iter().find(|r| r.principal == principal)?;
        let index = self.columns.iter().position(|c| c == column)?;
        row.cells.get(index)
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Who may do what\n\n");
        out.push_str(&format!(
            "Computed by `smlog explain` from the synthesized templates' own policies, for an example deployment: {}.\n\n",
            self.deployment
        ));
        out.push_str(&format!("| principal | {} |\n", self.columns.join(" | ")));
        out.push_str(&format!("|---|{}\n", "---|".repeat(self.columns.len())));
        for row in &self.rows {
            let cells: Vec<&str> = row.cells.iter().map(symbol).collect();
            out.push_str(&format!("| {} | {} |\n", row.principal, cells.join(" | ")));
        }
        out.push_str("\n✔ allowed · ✘ denied · ✔* allowed by an identity policy outside the templates (assumed AdministratorAccess; an SCP could deny it) · ? decided by a condition smlog does not model\n\n## Why\n\n");
        for row in &self.rows {
            out.push_str(&format!("**{}**\n\n", row.principal));
            for (column, cell) in self.columns.iter().zip(&row.cells) {
                out.push_str(&format!(
                    "- {column}: {} {}\n",
                    symbol(cell),
                    cell.because.join(", ")
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// The central account's side as deployed: the central stack, and for an
/// existing bucket and key the policies they have once smlog's statements are
/// merged in (the matrix assumes exactly those; `verify --central` checks it).
fn central_view(settings: &Settings, templates: &synth::Templates) -> Template {
    let mut view = Template::new("the central account");
    for (id, resource) in templates.central.iter().flat_map(|t| t.resources()) {
        view.resource(id, resource.clone());
    }
    let (LogBucket::Existing { key, .. }, Some(required)) =
        (&settings.bucket, existing::statements(settings))
    else {
        return templates.central.clone().unwrap_or(view);
    };
    let key_id = match settings.session_key {
        SessionKey::Shared { .. } => LOGGING_KEY,
        SessionKey::Central { .. } | SessionKey::PerAccount => BUCKET_KEY,
    };
    let mut statements = vec![crate::stacks::root_administration()];
    statements.extend(required.key_policy_statements.iter().cloned());
    view.resource(
        key_id,
        crate::stacks::rotated_key("the existing key", statements),
    );
    view.resource(
        LOG_BUCKET,
        Bucket {
            bucket_name: Some(required.bucket.clone().into()),
            bucket_encryption: Some(BucketEncryption::kms(key.to_string().into())),
            ..Bucket::default()
        },
    );
    view.resource(LOG_BUCKET_POLICY, existing::as_template_policy(&required));
    view
}

/// What `explain` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The access matrix as Markdown, with reasons.
    Markdown,
    /// The access matrix as JSON.
    Json,
    /// The setup as a Mermaid flowchart.
    Mermaid,
    /// The setup as a Graphviz graph.
    Dot,
}

/// Runs `explain`: the matrix or the diagram for freshly synthesized templates.
pub fn command(settings: &Settings, view: View) -> Result<String> {
    match view {
        View::Markdown => Ok(for_settings(settings)?.to_markdown()),
        View::Json => crate::emit::to_json(&for_settings(settings)?),
        View::Mermaid => diagram(settings, diagram::DiagramFormat::Mermaid),
        View::Dot => diagram(settings, diagram::DiagramFormat::Dot),
    }
}

/// The matrix for freshly synthesized templates.
pub fn for_settings(settings: &Settings) -> Result<Matrix> {
    let templates = synth::build(settings)?;
    Ok(matrix(
        settings,
        &central_view(settings, &templates),
        &templates.member,
        templates.guardrail.as_ref(),
    ))
}

/// The diagram for freshly synthesized templates.
pub fn diagram(settings: &Settings, format: diagram::DiagramFormat) -> Result<String> {
    let example = Example::new(settings);
    let templates = synth::build(settings)?;
    let rollout = synth::rollout(settings, &templates.member)?;
    Ok(diagram::render(
        &central_view(settings, &templates),
        &templates.member,
        &rollout.template,
        &example.central_resolver(settings),
        &example.member_resolver(&example.member),
        format,
    ))
}
