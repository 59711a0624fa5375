//! The setup as a Mermaid flowchart or a Graphviz graph, drawn from the
//! templates: nodes from their resources, edges from the agent policy's
//! statements, the bucket's encryption and the preferences.

use super::eval::Resolver;
use crate::cfn::s3::Bucket;
use crate::cfn::{Intrinsic, Properties, Template, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagramFormat {
    Mermaid,
    Dot,
}

struct Node {
    id: String,
    label: String,
    group: &'static str,
}

struct Edge {
    from: String,
    to: String,
    label: String,
}

struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

const GROUPS: [(&str, &str); 3] = [
    (
        "management",
        "Management or delegated-administrator account",
    ),
    ("member", "Every member account, in every Region"),
    ("central", "Central (log archive) account"),
];

/// A bucket of the central stack, with its encryption, and its edges to the
/// key it encrypts with and the bucket its server access logs go to.
fn bucket_node(id: &str, bucket: &Bucket) -> (Node, Vec<Edge>) {
    let rule = bucket
        .bucket_encryption
        .as_ref()
        .and_then(|e| e.server_side_encryption_configuration.first());
    let encryption = match rule.map(|r| r.server_side_encryption_by_default.sse_algorithm.as_str())
    {
        Some("aws:kms") => "SSE-KMS",
        Some("AES256") => "SSE-S3",
        _ => "unencrypted",
    };
    let node = Node {
        id: id.to_owned(),
        label: format!("{id} (S3, {encryption}, versioned)"),
        group: "central",
    };
    let referenced = |value: Option<&Value<String>>| match value? {
        Value::Fn(intrinsic) => match intrinsic.as_ref() {
            Intrinsic::GetAtt { logical_name, .. } | Intrinsic::Ref(logical_name) => {
                Some(logical_name.clone())
            }
            _ => None,
        },
        Value::Literal(_) => None,
    };
    let key = referenced(rule.and_then(|r| {
        r.server_side_encryption_by_default
            .kms_master_key_id
            .as_ref()
    }));
    let access_logs = referenced(
        bucket
            .logging_configuration
            .as_ref()
            .map(|l| &l.destination_bucket_name),
    );
    let edges = [
        (key, "default encryption"),
        (access_logs, "server access logs"),
    ]
    .into_iter()
    .filter_map(|(to, label)| {
        Some(Edge {
            from: id.to_owned(),
            to: to?,
            label: label.to_owned(),
        })
    })
    .collect();
    (node, edges)
}

fn graph(
    central: &Template,
    member: &Template,
    rollout: &Template,
    central_resolver: &Resolver,
    member_resolver: &Resolver,
) -> Graph {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut arn_to_node = Vec::new();
    for (id, resource) in central.resources() {
        match &resource.properties {
            Properties::S3Bucket(bucket) => {
                let (node, bucket_edges) = bucket_node(id, bucket);
                nodes.push(node);
                edges.extend(bucket_edges);
                if let Some(arn) = central_resolver.values.get(&format!("{id}.Arn")) {
                    arn_to_node.push((arn.clone(), id.to_owned()));
                }
            }
            Properties::KmsKey(_) => {
                nodes.push(Node {
                    id: id.to_owned(),
                    label: format!("{id} (KMS, rotated)"),
                    group: "central",
                });
                if let Some(arn) = central_resolver.values.get(&format!("{id}.Arn")) {
                    arn_to_node.push((arn.clone(), id.to_owned()));
                }
            }
            _ => {}
        }
    }
    for (id, resource) in rollout.resources() {
        if let Properties::StackSet(stack_set) = &resource.properties {
            nodes.push(Node {
                id: id.to_owned(),
                label: format!(
                    "StackSet {} ({})",
                    stack_set.stack_set_name, stack_set.permission_model
                ),
                group: "management",
            });
            edges.push(Edge {
                from: id.to_owned(),
                to: "MemberStack".to_owned(),
                label: "deploys, auto-deployment on".to_owned(),
            });
        }
    }
    nodes.push(Node {
        id: "MemberStack".to_owned(),
        label: "member stack".to_owned(),
        group: "member",
    });
    nodes.push(Node {
        id: "Agent".to_owned(),
        label: "SSM Agent (instance profile or DHMC role)".to_owned(),
        group: "member",
    });
    for (id, resource) in member.resources() {
        match &resource.properties {
            Properties::IamManagedPolicy(policy) => {
                nodes.push(Node {
                    id: id.to_owned(),
                    label: format!("{id} (IAM)"),
                    group: "member",
                });
                edges.push(Edge {
                    from: "MemberStack".to_owned(),
                    to: id.to_owned(),
                    label: "creates".to_owned(),
                });
                edges.push(Edge {
                    from: id.to_owned(),
                    to: "Agent".to_owned(),
                    label: "attached to".to_owned(),
                });
                for statement in &policy.policy_document.statement {
                    let targets: Vec<String> = statement
                        .resource
                        .iter()
                        .filter_map(|r| member_resolver.value(r))
                        .filter_map(|arn| {
                            arn_to_node
                                .iter()
                                .find(|(node_arn, _)| {
                                    arn == *node_arn || arn.starts_with(&format!("{node_arn}/"))
                                })
                                .map(|(_, node)| node.clone())
                        })
                        .collect();
                    for to in targets {
                        edges.push(Edge {
                            from: "Agent".to_owned(),
                            to,
                            label: statement.action.join(", "),
                        });
                    }
                }
            }
            Properties::SsmDocument(_) | Properties::Custom(_)
                if id == crate::names::logical::PREFERENCES =>
            {
                nodes.push(Node {
                    id: id.to_owned(),
                    label: format!(
                        "{} (preferences)",
                        crate::names::resource::PREFERENCES_DOCUMENT
                    ),
                    group: "member",
                });
                edges.push(Edge {
                    from: "MemberStack".to_owned(),
                    to: id.to_owned(),
                    label: "writes".to_owned(),
                });
                edges.push(Edge {
                    from: id.to_owned(),
                    to: "Agent".to_owned(),
                    label: "bucket, ACCOUNT/REGION prefix, session key".to_owned(),
                });
            }
            _ => {}
        }
    }
    Graph { nodes, edges }
}

fn escape(label: &str) -> String {
    label.replace('"', "'")
}

fn mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (group, title) in GROUPS {
        out.push_str(&format!("  subgraph {group}[\"{title}\"]\n"));
        for node in graph.nodes.iter().filter(|n| n.group == group) {
            out.push_str(&format!("    {}[\"{}\"]\n", node.id, escape(&node.label)));
        }
        out.push_str("  end\n");
    }
    for edge in &graph.edges {
        out.push_str(&format!(
            "  {} -->|\"{}\"| {}\n",
            edge.from,
            escape(&edge.label),
            edge.to
        ));
    }
    out
}

fn dot(graph: &Graph) -> String {
    let mut out = String::from("digraph smlog {\n  rankdir=LR;\n  node [shape=box];\n");
    for (group, title) in GROUPS {
        out.push_str(&format!(
            "  subgraph cluster_{group} {{\n    label=\"{title}\";\n"
        ));
        for node in graph.nodes.iter().filter(|n| n.group == group) {
            out.push_str(&format!(
                "    {} [label=\"{}\"];\n",
                node.id,
                escape(&node.label)
            ));
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        out.push_str(&format!(
            "  {} -> {} [label=\"{}\"];\n",
            edge.from,
            edge.to,
            escape(&edge.label)
        ));
    }
    out.push_str("}\n");
    out
}

pub fn render(
    central: &Template,
    member: &Template,
    rollout: &Template,
    central_resolver: &Resolver,
    member_resolver: &Resolver,
    format: DiagramFormat,
) -> String {
    let graph = graph(central, member, rollout, central_resolver, member_resolver);
    match format {
        DiagramFormat::Mermaid => mermaid(&graph),
        DiagramFormat::Dot => dot(&graph),
    }
}
