//! cfn-lint over every committed template: no errors, no warnings.

use super::support::repo_path;
use std::path::PathBuf;
use std::process::Command;

fn committed_templates() -> Vec<PathBuf> {
    let mut templates = Vec::new();
    let mut dirs = vec![repo_path("templates"), repo_path("stacksets")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "yaml")
                && path
                    .parent()
                    .is_some_and(|p| p.ends_with("templates") || p.ends_with("stacksets"))
            {
                templates.push(path);
            }
        }
    }
    templates.sort();
    templates
}

#[test]
fn cfn_lint_reports_nothing_on_committed_templates() {
    let templates = committed_templates();
    assert!(templates.len() >= 3, "found only {templates:?}");
    let output = Command::new("cfn-lint")
        .args(&templates)
        .output()
        .expect("cfn-lint must be installed (pip install cfn-lint); .ci/run installs it");
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && report.trim().is_empty(),
        "cfn-lint found problems in {templates:?}:\n{report}"
    );
}
