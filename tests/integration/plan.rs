//! The plan decides what a configuration produces: `synth all`, `validate`
//! without files and `explain` agree on it for every example, and `synth all`
//! keeps the output directory to exactly that set.

use super::golden::examples;
use super::support::{empty_dir, repo_path, smlog_in, stderr, stdout, ReadOnly};
use smlog::plan::{CliInput, Plan, Target};
use std::path::{Path, PathBuf};

/// The files under `dir`, relative and sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).unwrap()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    let mut list: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    list.sort();
    list
}

fn configurations() -> Vec<(String, Option<PathBuf>)> {
    let mut list = vec![("defaults".to_owned(), None)];
    list.extend(examples().into_iter().map(|(config, _)| {
        let name = config.file_stem().unwrap().to_string_lossy().into_owned();
        (name, Some(config))
    }));
    list
}

#[test]
fn synth_all_validate_and_explain_agree_on_the_artefacts_of_every_example() {
    let inputs: Vec<&str> = CliInput::ALL.iter().map(|i| i.path()).collect();
    for (name, config) in configurations() {
        let dir = empty_dir();
        let config_args: Vec<String> = config
            .iter()
            .flat_map(|c| ["-c".to_owned(), c.display().to_string()])
            .collect();
        let with = |args: &[&str]| -> Vec<String> {
            args.iter()
                .map(|a| a.to_string())
                .chain(config_args.iter().cloned())
                .collect()
        };
        let run = |args: Vec<String>| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            smlog_in(dir.path(), &args)
        };
        let written = run(with(&["synth", "all", "--out-dir", "out"]));
        assert!(written.status.success(), "{name}: {}", stderr(&written));
        let templates: Vec<String> = files_under(&dir.path().join("out"))
            .into_iter()
            .filter(|f| !inputs.contains(&f.as_str()) && f != Target::Runbook.path())
            .collect();
        let validated = json(&run(with(&["validate", "--format", "json"])));
        let explained = json(&run(with(&["explain", "--format", "json"])));
        assert_eq!(
            strings(&validated["documents"]),
            templates,
            "{name}: validate"
        );
        assert_eq!(
            strings(&explained["templates"]),
            templates,
            "{name}: explain"
        );
    }
}

#[test]
fn synth_all_removes_what_the_configuration_no_longer_produces_and_nothing_else() {
    let dir = empty_dir();
    let guarded = repo_path("templates/examples/retention-and-operators.yaml");
    let first = smlog_in(
        dir.path(),
        &[
            "synth",
            "all",
            "--out-dir",
            "out",
            "-c",
            guarded.to_str().unwrap(),
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let out = dir.path().join("out");
    assert!(out.join("templates/guardrail.yaml").is_file());
    std::fs::write(out.join("templates/notes.md"), "mine").unwrap();

    let second = smlog_in(dir.path(), &["synth", "all", "--out-dir", "out"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let mut expected: Vec<String> = Plan::new(smlog::config::Settings::default())
        .files()
        .into_iter()
        .map(str::to_owned)
        .chain(["templates/notes.md".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(files_under(&out), expected);
    for gone in [
        "templates/guardrail.yaml",
        "templates/operator-permission-set.yaml",
    ] {
        assert!(
            stderr(&second).contains(&format!("removed out/{gone}")),
            "{gone}: {}",
            stderr(&second)
        );
    }
}

#[test]
fn a_failed_synth_all_changes_no_file_at_all() {
    let dir = empty_dir();
    let first = smlog_in(dir.path(), &["synth", "all", "--out-dir", "out"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = dir.path().join("out");
    let before: Vec<(String, String)> = files_under(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read_to_string(out.join(&f)).unwrap()))
        .collect();
    // The last file written cannot be replaced (for root: it is immutable,
    // so every earlier rename must be undone).
    let last = *Plan::new(smlog::config::Settings::default())
        .files()
        .last()
        .unwrap();
    let locked = out.join(last);
    let _guard = ReadOnly::new(&locked);
    let second = smlog_in(
        dir.path(),
        &[
            "synth",
            "all",
            "--out-dir",
            "out",
            "--bucket-name",
            "other-bucket-name",
        ],
    );
    assert_eq!(second.status.code(), Some(4), "{}", stderr(&second));
    for (file, content) in &before {
        assert_eq!(
            &std::fs::read_to_string(out.join(file)).unwrap(),
            content,
            "{file} was changed by a run that failed"
        );
    }
    let leftovers: Vec<String> = files_under(&out)
        .into_iter()
        .filter(|f| f.contains(".smlog-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn written_files_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = empty_dir();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027 && exec '{}' synth all --out-dir out",
            env!("CARGO_BIN_EXE_smlog")
        ))
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(dir.path().join("out/templates/central.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}
