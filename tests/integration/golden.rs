//! Golden files: the committed templates and CLI inputs are exactly what smlog
//! synthesizes. `SMLOG_BLESS=1 cargo test` rewrites them after a deliberate change.

use super::support::{default_artefacts, example_settings, repo_path};
use smlog::plan::Plan;
use smlog::synth::{self, Artefact};
use std::path::{Path, PathBuf};

fn blessing() -> bool {
    std::env::var_os("SMLOG_BLESS").is_some_and(|v| v == "1")
}

/// Compares (or, when blessing, rewrites) every artefact under `root`.
fn check_against(root: &Path, artefacts: &[Artefact]) {
    let mut stale = Vec::new();
    for artefact in artefacts {
        let path = root.join(&artefact.path);
        if blessing() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &artefact.text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == artefact.text => {}
            Ok(_) => stale.push(format!("{} differs", path.display())),
            Err(e) => stale.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "generated artefacts and committed files disagree (run SMLOG_BLESS=1 cargo test to accept):\n{}",
        stale.join("\n")
    );
}

#[test]
fn default_artefacts_match_the_committed_files() {
    check_against(&repo_path(""), &default_artefacts());
}

/// Example configurations: `templates/examples/NAME.yaml` → `templates/examples/NAME/…`.
pub fn examples() -> Vec<(PathBuf, PathBuf)> {
    let dir = repo_path("templates/examples");
    let mut configs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    configs.sort();
    configs
        .into_iter()
        .map(|config| {
            let out = dir.join(config.file_stem().unwrap());
            (config, out)
        })
        .collect()
}

#[test]
fn example_artefacts_match_the_committed_files() {
    let examples = examples();
    assert!(!examples.is_empty(), "no example configurations");
    for (config, out) in examples {
        let settings = example_settings(config.file_stem().unwrap().to_str().unwrap());
        check_against(&out, &synth::all(&Plan::new(settings)).unwrap());
    }
}
