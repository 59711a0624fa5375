//! Helpers shared by the integration tests: paths, the binary, default artefacts.

use smlog::cfn::{Properties, Template};
use smlog::config::Settings;
use smlog::plan::Plan;
use smlog::synth::{self, Artefact};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_path(relative: &str) -> PathBuf {
    repo().join(relative)
}

/// Runs the smlog binary in `dir` with an empty environment for config lookup.
pub fn smlog_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smlog"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the smlog binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

pub fn default_artefacts() -> Vec<Artefact> {
    synth::all(&Plan::new(Settings::default())).expect("the default configuration synthesizes")
}

/// A fresh directory with nothing in it (so no smlog.yaml is picked up).
pub fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// The settings of an example configuration, `templates/examples/NAME.yaml`.
pub fn example_settings(name: &str) -> Settings {
    let path = repo_path(&format!("templates/examples/{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    smlog::config::RawConfig::from_yaml(&text, &path)
        .and_then(|raw| raw.resolve())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A hand-edited copy of a template: its parameters and resources, with every
/// resource's properties passed through `edit`.
pub fn edited(template: &Template, edit: impl Fn(&mut Properties)) -> Template {
    let mut copy = Template::new("edited by a test");
    for (id, parameter) in template.parameters() {
        copy.parameter(id, parameter.clone());
    }
    for (id, resource) in template.resources() {
        let mut resource = resource.clone();
        edit(&mut resource.properties);
        copy.resource(id, resource);
    }
    copy
}

/// Makes a file or directory unchangeable even for root (immutable), or
/// by permissions for everyone else (a directory: no entry added or renamed).
pub struct ReadOnly<'a>(&'a Path);

impl<'a> ReadOnly<'a> {
    pub fn new(dir: &'a Path) -> Self {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout
            == b"0\n";
        let status = if root {
            std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .expect("chattr (e2fsprogs) is installed")
        } else {
            std::process::Command::new("chmod")
                .arg("555")
                .arg(dir)
                .status()
                .unwrap()
        };
        assert!(
            status.success(),
            "could not make {} read-only",
            dir.display()
        );
        if dir.is_dir() {
            assert!(
                std::fs::write(dir.join("probe"), "x").is_err(),
                "the directory is still writable"
            );
        }
        ReadOnly(dir)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
        let _ = std::process::Command::new("chmod")
            .arg("755")
            .arg(self.0)
            .status();
    }
}
