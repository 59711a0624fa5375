//! The access matrix: for each principal of the example and each request,
//! what the templates' own policies decide, and why.

use super::eval::{matches, Policy, Request, Resolver};
use super::example::{
    administrator_access, arn_of, url_suffix, Example, Identity, Kind, Principal, Target,
    OUTSIDE_ACCOUNT,
};
use crate::cfn::{PolicyDocument, Properties, Template};
use crate::config::Settings;
use crate::names::logical::*;
use crate::names::resource;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// The templates of the configuration, as `synth all` writes them.
    pub templates: Vec<String>,
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

/// The templates the matrix reads (as synthesized, possibly edited since).
pub struct Sources<'a> {
    pub central: &'a Template,
    pub member: &'a Template,
    /// The per-account keys, when there are any.
    pub regional: Option<&'a Template>,
    pub guardrail: Option<&'a Template>,
}

/// The policies that decide, besides the principal's own.
struct ResourcePolicies<'a> {
    bucket: Vec<Policy<'a>>,
    /// By the key ARN the example gives each key.
    keys: Vec<(String, Policy<'a>)>,
    /// Binds the member accounts (the rollout's OUs), not the central account or anyone outside.
    guardrail: Vec<Policy<'a>>,
}

fn resource_policies<'a>(
    example: &Example,
    sources: &Sources<'a>,
    central_resolver: &'a Resolver,
    member_resolver: &'a Resolver,
) -> ResourcePolicies<'a> {
    let only = |list: Vec<(&str, Policy<'a>)>| list.into_iter().map(|(_, p)| p).collect();
    let keys = policies_of(sources.central, "key policy", central_resolver, key_policy)
        .into_iter()
        .filter_map(|(id, policy)| {
            Some((central_resolver.values.get(&arn_of(id))?.clone(), policy))
        })
        .chain(
            // A per-account session key lives in the regional stack.
            sources
                .regional
                .map(|t| policies_of(t, "member key policy", member_resolver, key_policy))
                .unwrap_or_default()
                .into_iter()
                .filter(|(id, _)| *id == MEMBER_SESSION_KEY)
                .map(|(_, policy)| (example.session_key.clone(), policy)),
        )
        .collect();
    ResourcePolicies {
        bucket: only(policies_of(
            sources.central,
            "bucket policy",
            central_resolver,
            bucket_policy,
        )),
        keys,
        guardrail: sources
            .guardrail
            .map(|t| only(policies_of(t, "guardrail SCP", member_resolver, scp)))
            .unwrap_or_default(),
    }
}

/// A principal's identity policies: the member template's agent or
/// operator policy, or an assumed AdministratorAccess.
fn identity_policies<'a>(
    principal: &Principal,
    member: &'a Template,
    resolver: &'a Resolver,
    admin: &'a PolicyDocument,
) -> Vec<Policy<'a>> {
    let own = |logical_id: &str, label: &'static str| -> Vec<Policy<'a>> {
        policies_of(member, label, resolver, managed_policy)
            .into_iter()
            .filter(|(id, _)| *id == logical_id)
            .map(|(_, policy)| policy)
            .collect()
    };
    match principal.identity {
        Identity::Agent => own(AGENT_POLICY, "agent policy"),
        Identity::Operator => own(OPERATOR_POLICY, "operator policy"),
        Identity::Administrator => vec![Policy {
            label: "assumed AdministratorAccess".to_owned(),
            document: admin,
            resolver,
        }],
        Identity::Anonymous => vec![],
    }
}

/// The access matrix for these templates, for the example deployment.
pub fn matrix(settings: &Settings, sources: &Sources) -> Matrix {
    let example = Example::new(settings);
    let central_resolver = example.central_resolver(settings);
    let member_resolver = example.member_resolver(&example.member);
    let policies = resource_policies(&example, sources, &central_resolver, &member_resolver);
    let admin = administrator_access();
    let columns = example.columns();
    let mut rows = Vec::new();
    for principal in example.principals(settings) {
        let resolver =
            example.member_resolver(principal.account.as_deref().unwrap_or(&example.member));
        let in_member_account = principal
            .account
            .as_ref()
            .is_some_and(|a| *a == example.member || *a == example.other_member);
        let identity: Vec<Policy> =
            identity_policies(&principal, sources.member, &resolver, &admin)
                .into_iter()
                .chain(
                    policies
                        .guardrail
                        .iter()
                        .filter(|_| in_member_account)
                        .cloned(),
                )
                .collect();
        let cells = columns
            .iter()
            .map(|(_, target)| {
                let target = target(&principal);
                let resource: Vec<Policy> = match target.kind {
                    Kind::S3 => policies.bucket.clone(),
                    Kind::Kms => policies
                        .keys
                        .iter()
                        .filter(|(arn, _)| *arn == target.resource)
                        .map(|(_, p)| p.clone())
                        .collect(),
                    Kind::MemberAccount => vec![],
                };
                decide(
                    &principal, &target, &identity, &resource, &example, settings,
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
        templates: Vec::new(),
    }
}

/// The request a principal makes for a target of the example.
fn request(
    principal: &Principal,
    target: &Target,
    example: &Example,
    settings: &Settings,
) -> Request {
    Request {
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
        encryption_context: encryption_context(target, example),
        // Uploads as older agents make them: the bucket's default encryption applies.
        sse: None,
        sse_kms_key_id: None,
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
        requested_region: example.region.clone(),
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
    let request = request(principal, target, example, settings);
    let by_identity = matches(identity, &request, false);
    let by_resource = matches(resource_policies, &request, true);
    // An explicit deny decides first; then a condition the evaluator cannot judge.
    for (verdict, found) in [
        (Verdict::Denied, [&by_identity.denies, &by_resource.denies]),
        (
            Verdict::Depends,
            [&by_identity.unknown, &by_resource.unknown],
        ),
    ] {
        let because: Vec<String> = found.into_iter().flatten().cloned().collect();
        if !because.is_empty() {
            return Cell {
                verdict,
                because,
                assumes: None,
            };
        }
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
        Kind::MemberAccount => same_account && identity_allows,
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
        (_, false, false) if target.kind == Kind::MemberAccount => {
            "another account's resource: no resource policy can admit it".to_owned()
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

/// What S3 sends to KMS for the bucket (S3 Bucket Keys: the bucket's ARN), or
/// what the agent and the plugin send with the session key.
fn encryption_context(target: &Target, example: &Example) -> BTreeMap<String, String> {
    let pairs = if target.via_s3 {
        vec![("aws:s3:arn", example.bucket_arn())]
    } else {
        vec![
            ("aws:ssm:SessionId", "operator-0123456789abcdef0".to_owned()),
            ("aws:ssm:TargetId", "i-0123456789abcdef0".to_owned()),
        ]
    };
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
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
            "Computed by `smlog explain` from the synthesized templates' own policies ({}), for an example deployment: {}.\n\n",
            self.templates.join(", "),
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
