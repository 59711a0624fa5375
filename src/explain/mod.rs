//! `smlog explain`: who may do what to the bucket, the keys and the
//! preferences, computed from the synthesized templates' own policies for an
//! example deployment; a diagram of the setup; and what it costs a month and
//! how long its first rollout takes.

pub mod cost;
pub mod diagram;
pub mod eval;
mod example;
mod matrix;
pub mod prices;
pub mod rollout_time;

pub use example::{CENTRAL_ACCOUNT, EXAMPLE_ORG, OUTSIDE_ACCOUNT};
pub use matrix::{matrix, Cell, Matrix, Row, Sources, Verdict};

use crate::cfn::s3::{Bucket, BucketEncryption};
use crate::cfn::Template;
use crate::config::LogBucket;
use crate::error::Result;
use crate::names::logical::{LOG_BUCKET, LOG_BUCKET_POLICY};
use crate::plan::{Plan, Target};
use crate::stacks::existing;
use crate::synth;
use example::Example;

/// The central account's side as deployed: the central stack, and for an
/// existing bucket and key the policies they have once smlog's statements are
/// merged in (the matrix assumes exactly those; `verify --central` checks it).
fn central_view(plan: &Plan, templates: &synth::Templates) -> Template {
    let central = templates.get(Target::Central);
    let mut view = Template::new("the central account");
    for (id, resource) in central.iter().flat_map(|t| t.resources()) {
        view.resource(id, resource.clone());
    }
    let (LogBucket::Existing { key, .. }, Some(required)) =
        (&plan.settings.bucket, templates.statements())
    else {
        return central.cloned().unwrap_or(view);
    };
    let mut statements = vec![crate::stacks::root_administration()];
    statements.extend(required.key_policy_statements.iter().cloned());
    view.resource(
        plan.bucket_key().logical_id,
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
    view.resource(LOG_BUCKET_POLICY, existing::as_template_policy(required));
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
pub fn command(plan: &Plan, view: View) -> Result<String> {
    match view {
        View::Markdown => Ok(for_plan(plan)?.to_markdown()),
        View::Json => crate::emit::to_json(&for_plan(plan)?),
        View::Mermaid => diagram(plan, diagram::DiagramFormat::Mermaid),
        View::Dot => diagram(plan, diagram::DiagramFormat::Dot),
    }
}

/// The matrix for freshly synthesized templates.
pub fn for_plan(plan: &Plan) -> Result<Matrix> {
    let templates = synth::build(plan)?;
    let central = central_view(plan, &templates);
    let mut matrix = matrix(
        &plan.settings,
        &Sources {
            central: &central,
            member: templates.get(Target::Member).expect("built"),
            regional: templates.get(Target::MemberRegional),
            guardrail: templates.get(Target::Guardrail),
        },
    );
    matrix.templates = plan
        .checked_targets()
        .iter()
        .map(|t| t.path().to_owned())
        .collect();
    Ok(matrix)
}

/// The diagram for freshly synthesized templates.
pub fn diagram(plan: &Plan, format: diagram::DiagramFormat) -> Result<String> {
    let example = Example::new(&plan.settings);
    let templates = synth::build(plan)?;
    let central = central_view(plan, &templates);
    let sources = diagram::Sources {
        central: &central,
        member: templates.get(Target::Member).expect("built"),
        regional: templates.get(Target::MemberRegional),
        rollout: templates.get(Target::Rollout).expect("built"),
        central_resolver: &example.central_resolver(&plan.settings),
        member_resolver: &example.member_resolver(&example.member),
    };
    Ok(diagram::render(&sources, format))
}
