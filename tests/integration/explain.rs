//! `smlog explain`: the access matrix answers the questions reviewers ask,
//! flips when a template widens access, and its committed copies stay current.

use super::support::{edited, empty_dir, example_settings, repo_path, smlog_in, stdout};
use smlog::cfn::Properties;
use smlog::cfn::Template;
use smlog::config::Settings;
use smlog::explain::{self, diagram::DiagramFormat, Matrix, Sources, Verdict};
use smlog::plan::{Plan, Target};
use smlog::synth;

const AGENT: &str = "SSM agent role in a member account";
const NO_TLS: &str = "SSM agent role, request without TLS";
const MEMBER_ADMIN: &str = "administrator of a member account";
const OUTSIDER: &str = "principal outside the organisation";
const ANONYMOUS: &str = "anonymous";

fn sources<'a>(central: &'a Template, member: &'a Template) -> Sources<'a> {
    Sources {
        central,
        member,
        regional: None,
        guardrail: None,
    }
}

fn verdict(matrix: &Matrix, principal: &str, column: &str) -> Verdict {
    matrix
        .cell(principal, column)
        .unwrap_or_else(|| panic!("no cell {principal} / {column}"))
        .verdict
}

#[test]
fn a_member_agent_writes_only_its_own_prefix_and_nobody_outside_does_anything() {
    let matrix = explain::for_plan(&Plan::new(Settings::default())).unwrap();
    assert_eq!(
        verdict(&matrix, AGENT, "write own prefix"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&matrix, AGENT, "write another account's prefix"),
        Verdict::Denied
    );
    assert_eq!(
        verdict(&matrix, AGENT, "use bucket key (through S3)"),
        Verdict::Allowed
    );
    assert_eq!(verdict(&matrix, AGENT, "use session key"), Verdict::Allowed);
    for principal in [AGENT, MEMBER_ADMIN] {
        for column in [
            "read logs",
            "delete logs",
            "change bucket policy",
            "write another account's prefix",
        ] {
            assert_eq!(
                verdict(&matrix, principal, column),
                Verdict::Denied,
                "{principal} / {column}"
            );
        }
    }
    for principal in [OUTSIDER, ANONYMOUS] {
        let row = matrix
            .rows
            .iter()
            .find(|r| r.principal == principal)
            .unwrap();
        for (column, cell) in matrix.columns.iter().zip(&row.cells) {
            assert_eq!(cell.verdict, Verdict::Denied, "{principal} / {column}");
        }
    }
    for column in ["write own prefix", "read logs", "delete logs"] {
        let cell = matrix.cell(NO_TLS, column).unwrap();
        assert_eq!(cell.verdict, Verdict::Denied, "{column}");
        assert_eq!(
            cell.because,
            ["bucket policy LogBucketPolicy:DenyInsecureTransport"]
        );
    }
    let admin_write = matrix.cell(MEMBER_ADMIN, "write own prefix").unwrap();
    assert!(
        admin_write.assumes.is_some(),
        "the member administrator's rights come from outside the templates"
    );
}

#[test]
fn dropping_the_organisation_condition_opens_the_bucket_and_the_matrix_shows_it() {
    let settings = Settings::default();
    let templates = synth::build(&Plan::new(settings.clone())).unwrap();
    let central = templates.get(Target::Central).unwrap();
    let member = templates.get(Target::Member).unwrap();
    let central_template = edited(central, |properties| {
        if let Properties::S3BucketPolicy(policy) = properties {
            for statement in &mut policy.policy_document.statement {
                if statement.sid == "AllowOrganizationLogDelivery" {
                    statement.condition.clear();
                }
            }
        }
    });
    let matrix = explain::matrix(&settings, &sources(&central_template, member));
    // Anonymous callers have no aws:PrincipalAccount, so the prefix never matches them.
    assert_eq!(
        verdict(&matrix, ANONYMOUS, "write own prefix"),
        Verdict::Denied
    );
    assert_eq!(
        verdict(&matrix, OUTSIDER, "write own prefix"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&matrix, OUTSIDER, "read logs"),
        Verdict::Denied,
        "the grant is still write-only"
    );

    let member_template = edited(member, |properties| {
        if let Properties::IamManagedPolicy(policy) = properties {
            policy.policy_document.statement[0].action = vec!["s3:*".to_owned()];
        }
    });
    let wide_central = edited(central, |properties| {
        if let Properties::S3BucketPolicy(policy) = properties {
            if let Some(delivery) = policy
                .policy_document
                .statement
                .iter_mut()
                .find(|s| s.sid == "AllowOrganizationLogDelivery")
            {
                delivery.action.push("s3:GetObject".to_owned());
                delivery
                    .resource
                    .push(smlog::cfn::Value::sub("${LogBucket.Arn}/*"));
            }
        }
    });
    let matrix = explain::matrix(&settings, &sources(&wide_central, &member_template));
    assert_eq!(
        verdict(&matrix, AGENT, "read logs"),
        Verdict::Allowed,
        "widened on both sides"
    );
}

#[test]
fn the_committed_matrix_and_the_readme_diagram_are_current() {
    let matrix = explain::for_plan(&Plan::new(Settings::default()))
        .unwrap()
        .to_markdown();
    let diagram =
        explain::diagram(&Plan::new(Settings::default()), DiagramFormat::Mermaid).unwrap();
    if std::env::var_os("SMLOG_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(repo_path("templates/access-matrix.md"), &matrix).unwrap();
        let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
        let (before, rest) = readme
            .split_once("```mermaid\n")
            .expect("README has a mermaid block");
        let (_, after) = rest.split_once("```").unwrap();
        std::fs::write(
            repo_path("README.md"),
            format!("{before}```mermaid\n{diagram}```{after}"),
        )
        .unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(repo_path("templates/access-matrix.md")).unwrap(),
        matrix
    );
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```mermaid\n{diagram}```")),
        "README's diagram is stale (SMLOG_BLESS=1 cargo test)"
    );
}

#[test]
fn the_cli_prints_matrix_json_and_both_diagram_formats() {
    let dir = empty_dir();
    let json: serde_json::Value = serde_json::from_str(&stdout(&smlog_in(
        dir.path(),
        &["explain", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["rows"][0]["cells"][0]["verdict"], "Allowed");
    let dot = stdout(&smlog_in(
        dir.path(),
        &["explain", "--diagram", "--format", "dot"],
    ));
    assert!(
        dot.starts_with("digraph smlog {") && dot.contains("Agent -> LogBucket"),
        "{dot}"
    );
    let output = smlog_in(dir.path(), &["explain", "--format", "dot"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn per_account_session_keys_serve_their_own_account_only() {
    let matrix = explain::for_plan(&Plan::new(example_settings("per-account-keys"))).unwrap();
    let agent = matrix.cell(AGENT, "use session key").unwrap();
    assert_eq!(agent.verdict, Verdict::Allowed);
    assert!(
        agent
            .because
            .iter()
            .any(|b| b.starts_with("member key policy SessionKey")),
        "{:?}",
        agent.because
    );
    assert_eq!(
        verdict(&matrix, "central account administrator", "use session key"),
        Verdict::Denied
    );
    assert_eq!(
        verdict(&matrix, OUTSIDER, "use session key"),
        Verdict::Denied
    );
}

#[test]
fn with_the_guardrail_a_member_administrator_can_no_longer_stop_or_dodge_logging() {
    let without = explain::for_plan(&Plan::new(Settings::default())).unwrap();
    let guarded =
        explain::for_plan(&Plan::new(example_settings("retention-and-operators"))).unwrap();
    for (column, statement) in [
        ("change member preferences", "ProtectWhatTheControllerKeeps"),
        ("start an SSH session (never logged)", "NoUnloggedSessions"),
        ("invoke the controller", "ProtectWhatSmlogDeploys"),
    ] {
        assert_eq!(
            verdict(&without, MEMBER_ADMIN, column),
            Verdict::Allowed,
            "{column}"
        );
        let cell = guarded.cell(MEMBER_ADMIN, column).unwrap();
        assert_eq!(cell.verdict, Verdict::Denied, "{column}");
        assert_eq!(
            cell.because,
            [format!("guardrail SCP SessionLoggingGuardrail:{statement}")],
            "{column}"
        );
    }
    assert_eq!(
        verdict(
            &guarded,
            MEMBER_ADMIN,
            "detach the agent policy from a role"
        ),
        Verdict::Allowed,
        "teams may still detach the agent policy and delete their roles"
    );
    assert_eq!(
        verdict(&guarded, AGENT, "write own prefix"),
        Verdict::Allowed,
        "the guardrail takes nothing from the agent"
    );
}

#[test]
fn operators_get_a_row_of_their_own_and_the_agent_none_of_their_rights() {
    let matrix =
        explain::for_plan(&Plan::new(example_settings("retention-and-operators"))).unwrap();
    let operator = "operator role in a member account";
    assert_eq!(
        verdict(&matrix, operator, "start a logged session"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&matrix, operator, "use session key"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&matrix, operator, "write own prefix"),
        Verdict::Denied
    );
    assert_eq!(
        verdict(&matrix, AGENT, "start a logged session"),
        Verdict::Denied,
        "the operator policy is not the agent's"
    );
    let default = explain::for_plan(&Plan::new(Settings::default())).unwrap();
    assert!(default.rows.iter().all(|r| r.principal != operator));
}

#[test]
fn the_diagram_draws_the_agents_session_key_in_every_key_mode() {
    for example in [
        "multi-region",
        "one-key",
        "per-account-keys",
        "existing-bucket",
        "china",
    ] {
        let plan = Plan::new(example_settings(example));
        let diagram = explain::diagram(&plan, DiagramFormat::Mermaid).unwrap();
        let decrypt = diagram
            .lines()
            .find(|l| l.starts_with("  Agent -->|\"kms:Decrypt\"|"))
            .unwrap_or_else(|| panic!("{example}: no agent edge to the session key\n{diagram}"));
        assert!(
            decrypt.ends_with("SessionKey") || decrypt.ends_with("LoggingKey"),
            "{example}: {decrypt}"
        );
    }
}
