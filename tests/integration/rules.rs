//! The rule files' own tests (`rules/tests/*.yaml`), run through the
//! cfn-guard library exactly as `cfn-guard test -d rules` runs them, and a
//! check that every rule has a passing and a failing case.

use super::support::repo_path;
use cfn_guard::commands::Executable;
use cfn_guard::utils::reader::{ReadBuffer, Reader};
use cfn_guard::utils::writer::{WriteBuffer, Writer};
use cfn_guard::{CommandBuilder, TestBuilder};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn rule_unit_tests_pass_in_cfn_guard() {
    let test = TestBuilder::default()
        .directory(Some(repo_path("rules").display().to_string()))
        .alphabetical(true)
        .try_build()
        .expect("a valid test command");
    let mut writer =
        Writer::new_with_err(WriteBuffer::Vec(Vec::new()), WriteBuffer::Vec(Vec::new()))
            .expect("an in-memory writer");
    let mut reader = Reader::new(ReadBuffer::Cursor(std::io::Cursor::new(Vec::new())));
    let status = test
        .execute(&mut writer, &mut reader)
        .expect("cfn-guard test runs");
    let output = writer.stripped().expect("readable output");
    assert_eq!(status, 0, "cfn-guard test failed:\n{output}");
    assert!(output.contains("PASS"), "no test case ran:\n{output}");
}

fn rule_names(guard_text: &str) -> Vec<String> {
    guard_text
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("rule "))
        .filter_map(|rest| rest.split_whitespace().next())
        // `name(parameter)` is a helper other rules call, not reported by itself.
        .filter(|name| !name.contains('('))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_rule_has_a_passing_and_a_failing_case() {
    let mut outcomes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(repo_path("rules/tests")).unwrap() {
        let path = entry.unwrap().path();
        let cases: Vec<cfn_guard::commands::test::TestSpec> =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in cases {
            for (rule, outcome) in case.expectations.rules {
                outcomes.entry(rule).or_default().insert(outcome);
            }
        }
    }
    let mut rules_seen = 0;
    for guard in smlog::gate::guard::builtin_rules() {
        for rule in rule_names(&guard.text) {
            rules_seen += 1;
            let seen = outcomes.get(&rule).cloned().unwrap_or_default();
            assert!(
                seen.contains("PASS") && seen.contains("FAIL"),
                "rule {rule} ({}) needs a PASS and a FAIL case, has {seen:?}",
                guard.name
            );
        }
    }
    assert!(rules_seen >= 20, "only {rules_seen} rules found");
}

#[test]
fn embedded_rules_are_the_files_in_rules() {
    for rule in smlog::gate::guard::builtin_rules() {
        let on_disk = std::fs::read_to_string(repo_path(&format!("rules/{}", rule.name))).unwrap();
        assert_eq!(on_disk, rule.text, "{}", rule.name);
    }
    let guard_files = std::fs::read_dir(repo_path("rules"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "guard")
        })
        .count();
    assert_eq!(
        guard_files,
        smlog::gate::guard::builtin_rules().len(),
        "a rules/*.guard file is not embedded"
    );
}
