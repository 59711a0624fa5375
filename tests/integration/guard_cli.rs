//! The `cfn-guard` command line (3.2.1 as published) and smlog's in-process
//! evaluation (the vendored, patched crate) agree: on the committed templates,
//! on the rule tests, and on every mutant, read as text and as a JSON value.

use super::mutation::{document, mutants};
use super::support::{empty_dir, repo_path};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn cfn_guard(args: &[&str], dir: &Path) -> Output {
    Command::new("cfn-guard")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the cfn-guard CLI must be installed (cargo install cfn-guard --version 3.2.1); tests/run installs it")
}

/// Rule names the CLI reports as not compliant, from its JSON report.
fn failing_rules(output: &Output) -> BTreeSet<String> {
    let text = String::from_utf8_lossy(&output.stdout);
    let mut rules = BTreeSet::new();
    // One JSON document per data file, written one after another.
    for report in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
        let report = report.unwrap_or_else(|e| panic!("unreadable cfn-guard report: {e}\n{text}"));
        for entry in report["not_compliant"].as_array().into_iter().flatten() {
            rules.insert(entry["Rule"]["name"].as_str().unwrap().to_owned());
        }
    }
    rules
}

#[test]
fn the_cli_passes_the_committed_templates() {
    // templates/ holds every example's templates too.
    let output = cfn_guard(
        &[
            "validate",
            "-r",
            "rules",
            "-d",
            "templates",
            "-d",
            "stacksets",
            "-o",
            "json",
            "-S",
            "none",
        ],
        &repo_path(""),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(failing_rules(&output).is_empty());
}

#[test]
fn the_cli_runs_the_rule_tests() {
    let output = cfn_guard(&["test", "-d", "rules"], &repo_path(""));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn the_cli_and_smlog_find_the_same_violations_in_every_mutant() {
    let dir = empty_dir();
    let rules = smlog::gate::guard::builtin();
    for mutant in mutants() {
        let doc = document(&mutant);
        std::fs::write(dir.path().join(&doc.name), &doc.content).unwrap();
        let in_process: BTreeSet<String> =
            smlog::gate::guard::check(std::slice::from_ref(&doc), rules)
                .unwrap()
                .into_iter()
                .map(|v| v.rule)
                .collect();
        // The gate `synth` runs reads the template as a JSON value instead.
        let as_json = serde_json::to_value(&mutant.template).unwrap();
        let from_json: BTreeSet<String> =
            smlog::gate::guard::check_values(vec![(doc.name.as_str(), as_json)], rules)
                .unwrap()
                .into_iter()
                .map(|v| v.rule)
                .collect();
        assert_eq!(from_json, in_process, "{}", mutant.name);
        let output = cfn_guard(
            &[
                "validate",
                "-r",
                repo_path("rules").to_str().unwrap(),
                "-d",
                &doc.name,
                "-o",
                "json",
                "-S",
                "none",
            ],
            dir.path(),
        );
        assert_eq!(
            output.status.code(),
            Some(19),
            "{}: the CLI should fail it",
            mutant.name
        );
        assert_eq!(failing_rules(&output), in_process, "{}", mutant.name);
    }
}
