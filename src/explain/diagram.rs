//! The setup as a Mermaid flowchart or a Graphviz graph, drawn from the
//! templates: nodes from their resources, edges from the agent policy's
//! statements, the bucket's encryption, the controller and the preferences.

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
    ("member", "Every member account"),
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

/// The templates the diagram is drawn from, and how their references resolve.
pub struct Sources<'a> {
    pub central: &'a Template,
    pub member: &'a Template,
    pub regional: Option<&'a Template>,
    pub rollout: &'a Template,
    pub central_resolver: &'a Resolver,
    pub member_resolver: &'a Resolver,
}

impl Graph {
    fn node(&mut self, id: &str, label: String, group: &'static str) {
        self.nodes.push(Node {
            id: id.to_owned(),
            label,
            group,
        });
    }

    fn edge(&mut self, from: &str, to: &str, label: impl Into<String>) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            label: label.into(),
        });
    }
}

/// The central account's bucket and keys; returns the ARN each node stands for.
fn central_nodes(graph: &mut Graph, sources: &Sources) -> Vec<(String, String)> {
    let mut arn_to_node = Vec::new();
    for (id, resource) in sources.central.resources() {
        let label = match &resource.properties {
            Properties::S3Bucket(bucket) => {
                let (node, bucket_edges) = bucket_node(id, bucket);
                graph.edges.extend(bucket_edges);
                node.label
            }
            Properties::KmsKey(_) | Properties::KmsReplicaKey(_) => format!("{id} (KMS, rotated)"),
            _ => continue,
        };
        graph.node(id, label, "central");
        if let Some(arn) = sources.central_resolver.values.get(&format!("{id}.Arn")) {
            arn_to_node.push((arn.clone(), id.to_owned()));
        }
    }
    arn_to_node
}

/// Per-account keys of the regional stack (the session key, the log group key).
fn regional_nodes(graph: &mut Graph, sources: &Sources) -> Vec<(String, String)> {
    let mut arn_to_node = Vec::new();
    for (id, resource) in sources.regional.iter().flat_map(|t| t.resources()) {
        if let Properties::KmsKey(_) = resource.properties {
            graph.node(id, format!("{id} (KMS, in every Region)"), "member");
            graph.edge("RegionalStack", id, "creates");
            if let Some(arn) = sources.member_resolver.values.get(&format!("{id}.Arn")) {
                arn_to_node.push((arn.clone(), id.to_owned()));
            }
        }
    }
    arn_to_node
}

/// The agent's edges to the bucket and keys, one per statement of the agent policy.
fn agent_edges(graph: &mut Graph, sources: &Sources, arn_to_node: &[(String, String)]) {
    let Some(Properties::IamManagedPolicy(policy)) = sources
        .member
        .resources()
        .find(|(id, _)| *id == crate::names::logical::AGENT_POLICY)
        .map(|(_, r)| &r.properties)
    else {
        return;
    };
    for statement in &policy.policy_document.statement {
        let mut targets: Vec<String> = statement
            .resource
            .iter()
            .filter_map(|r| sources.member_resolver.value(r))
            .flat_map(|pattern| {
                // A statement's resource may be a pattern (a multi-Region
                // key in every Region, a prefix of the bucket).
                arn_to_node
                    .iter()
                    .filter(move |(arn, _)| {
                        crate::cfn::policy::wildcard(&pattern, arn, false)
                            || pattern.starts_with(&format!("{arn}/"))
                    })
                    .map(|(_, node)| node.clone())
            })
            .collect();
        targets.dedup();
        for to in targets {
            graph.edge("Agent", &to, statement.action.join(", "));
        }
    }
}

fn graph(sources: &Sources) -> Graph {
    let mut graph = Graph {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let mut arn_to_node = central_nodes(&mut graph, sources);
    for (id, resource) in sources.rollout.resources() {
        if let Properties::StackSet(stack_set) = &resource.properties {
            let label = format!(
                "StackSet {} ({})",
                stack_set.stack_set_name, stack_set.permission_model
            );
            graph.node(id, label, "management");
            let target = if id == crate::names::logical::REGIONAL_STACK_SET {
                "RegionalStack"
            } else {
                "MemberStack"
            };
            graph.edge(id, target, "deploys, auto-deployment on");
        }
    }
    graph.node(
        "MemberStack",
        "member stack (controller Region)".to_owned(),
        "member",
    );
    if sources.regional.is_some() {
        graph.node(
            "RegionalStack",
            "regional stack (every Region)".to_owned(),
            "member",
        );
        arn_to_node.extend(regional_nodes(&mut graph, sources));
    }
    let controller = "Controller";
    graph.node(
        controller,
        "account controller (Lambda)".to_owned(),
        "member",
    );
    graph.edge("MemberStack", controller, "creates, drives");
    graph.node(
        "Agent",
        "SSM Agent (instance profile, DHMC or activation role)".to_owned(),
        "member",
    );
    for (id, resource) in sources.member.resources() {
        if let Properties::IamManagedPolicy(_) = resource.properties {
            graph.node(id, format!("{id} (IAM)"), "member");
            graph.edge("MemberStack", id, "creates");
            let holder = if id == crate::names::logical::AGENT_POLICY {
                "Agent"
            } else {
                "Operators"
            };
            if holder == "Operators" {
                graph.node("Operators", "operator roles".to_owned(), "member");
            }
            graph.edge(
                controller,
                id,
                format!("attaches to {}", holder.to_lowercase()),
            );
            graph.edge(id, holder, "held by");
        }
    }
    let preferences = crate::names::logical::PREFERENCES;
    graph.node(
        preferences,
        format!(
            "{} (preferences, every Region)",
            crate::names::resource::PREFERENCES_DOCUMENT
        ),
        "member",
    );
    graph.edge(
        controller,
        preferences,
        "writes, repairs, gives back on removal",
    );
    graph.edge(
        preferences,
        "Agent",
        "bucket, ACCOUNT/REGION prefix, session key",
    );
    agent_edges(&mut graph, sources, &arn_to_node);
    graph
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

pub fn render(sources: &Sources, format: DiagramFormat) -> String {
    let graph = graph(sources);
    match format {
        DiagramFormat::Mermaid => mermaid(&graph),
        DiagramFormat::Dot => dot(&graph),
    }
}
