//! cfn-lint over every committed template, in the Regions it is meant for:
//! no errors, no warnings. And no partition or endpoint written literally.

use super::golden::examples;
use super::support::{example_settings, repo_path};
use smlog::config::Settings;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The YAML templates under a directory (its `templates/` and `stacksets/`).
fn templates_under(root: &Path) -> Vec<PathBuf> {
    let mut templates: Vec<PathBuf> = ["templates", "stacksets"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "yaml"))
        .collect();
    templates.sort();
    templates
}

/// Every committed template set with the Regions its configuration deploys to.
fn template_sets() -> Vec<(PathBuf, Settings)> {
    let mut sets = vec![(repo_path(""), Settings::default())];
    for (config, out) in examples() {
        let name = config.file_stem().unwrap().to_str().unwrap().to_owned();
        sets.push((out, example_settings(&name)));
    }
    sets
}

fn regions(settings: &Settings) -> Vec<String> {
    let mut regions: Vec<String> = std::iter::once(&settings.home_region)
        .chain(&settings.rollout.regions)
        .chain(settings.replica.as_ref().map(|r| &r.region))
        .map(|r| r.to_string())
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

#[test]
fn cfn_lint_reports_nothing_on_committed_templates() {
    let sets = template_sets();
    assert!(sets.len() > 3, "found only {} template sets", sets.len());
    for (root, settings) in sets {
        let templates = templates_under(&root);
        assert!(templates.len() >= 3, "found only {templates:?}");
        let output = Command::new("cfn-lint")
            .arg("--regions")
            .args(regions(&settings))
            .arg("--")
            .args(&templates)
            .output()
            .expect("cfn-lint must be installed (pip install cfn-lint); tests/run installs it");
        let report = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && report.trim().is_empty(),
            "cfn-lint found problems in {templates:?}:\n{report}"
        );
    }
}

/// Partition-independent service principals, the one literal `amazonaws.com`.
const GLOBAL_SERVICE_PRINCIPALS: [&str; 5] = [
    smlog::names::principal::LAMBDA,
    smlog::names::principal::EVENTS,
    smlog::names::principal::S3,
    smlog::names::principal::GUI_CONNECT,
    smlog::names::principal::IAM_EVENT_SOURCE,
];

#[test]
fn no_template_writes_a_partition_or_endpoint_literally() {
    for (root, _) in template_sets() {
        for path in templates_under(&root) {
            let mut text = std::fs::read_to_string(&path).unwrap();
            for principal in GLOBAL_SERVICE_PRINCIPALS {
                text = text.replace(principal, "");
            }
            for (number, line) in text.lines().enumerate() {
                let line_start = line.trim_start();
                if line_start.starts_with("Default:") {
                    continue; // a value from the user's configuration
                }
                if line_start.starts_with("TemplateBody:")
                    || line_start.starts_with("\"TemplateBody\":")
                {
                    continue; // a carried template, checked here as the file it is rendered from
                }
                // Patterns (arn:aws[a-z-]*) accept every partition; an ARN must not fix one.
                let fixed_arn = line.contains("arn:aws:") || line.contains("arn:aws-");
                assert!(
                    !fixed_arn && !line.contains("amazonaws.com"),
                    "{}:{}: {line}",
                    path.display(),
                    number + 1
                );
            }
        }
    }
}
