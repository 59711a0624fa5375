//! The runbook (`DEPLOY.md`) against the files `synth all` wrote beside it,
//! for the defaults and every example: each deploy names a written template
//! and passes every parameter of it that has no default and none it lacks;
//! each StackSet likewise; every CLI input is a written file; every written
//! template and input is used; every variable is set before it is read;
//! every placeholder is listed. The runbook is read as text, as a user
//! reads it, and the templates as YAML, as CloudFormation does.

use super::golden::examples;
use super::support::{empty_dir, smlog_in, stderr};
use smlog::cfn::Parameter;
use smlog::config::Settings;
use smlog::plan::{Plan, Target};
use smlog::runbook;
use smlog::stacks::central::PRIMARY_SESSION_KEY_ARN;
use smlog::synth;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One shell command of the runbook: its words, and the variable it sets.
#[derive(Debug)]
struct Line {
    words: Vec<String>,
    sets: Option<String>,
}

impl Line {
    fn is(&self, service: &str, operation: &str) -> bool {
        self.words.len() > 2 && self.words[1] == service && self.words[2] == operation
    }

    /// The values after `--name`, up to the next flag.
    fn values(&self, name: &str) -> Vec<&str> {
        let flag = format!("--{name}");
        let Some(at) = self.words.iter().position(|w| *w == flag) else {
            return Vec::new();
        };
        self.words[at + 1..]
            .iter()
            .take_while(|w| !w.starts_with("--"))
            .map(String::as_str)
            .collect()
    }

    fn value(&self, name: &str) -> Option<&str> {
        let values = self.values(name);
        assert!(values.len() <= 1, "--{name} has several values: {self:?}");
        values.first().copied()
    }
}

/// The runbook's shell lines, continuations joined.
fn shell_lines(markdown: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        match (in_block, line) {
            (false, "```sh") => in_block = true,
            (true, "```") => in_block = false,
            (true, _) => match line.strip_suffix(" \\") {
                Some(start) => pending.push_str(start.trim_start()),
                None => {
                    pending.push_str(line.trim_start());
                    lines.push(std::mem::take(&mut pending));
                }
            },
            _ => {}
        }
        if in_block && !pending.is_empty() && !pending.ends_with(' ') {
            pending.push(' ');
        }
    }
    assert!(!in_block && pending.is_empty(), "an unfinished code block");
    lines
}

/// Splits a line into words as the shell would, except that a placeholder
/// `<…>` is one word (the user replaces it before running the line).
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let current = word.get_or_insert_with(String::new);
        match c {
            ' ' => {
                if let Some(done) = word.take().filter(|w| !w.is_empty()) {
                    words.push(done);
                }
            }
            '\'' => current.extend(chars.by_ref().take_while(|c| *c != '\'')),
            '"' => current.extend(chars.by_ref().take_while(|c| *c != '"')),
            '<' => {
                current.push('<');
                current.extend(chars.by_ref().take_while(|c| *c != '>'));
                current.push('>');
            }
            _ => current.push(c),
        }
    }
    words.extend(word.filter(|w| !w.is_empty()));
    words
}

fn parse(line: &str) -> Line {
    let (sets, body) = match line.split_once("=$(") {
        Some((name, rest)) if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
            let body = rest.strip_suffix(')').expect("a capture ends with )");
            (Some(name.to_owned()), body)
        }
        _ => (None, line),
    };
    let body = body.split(" > ").next().unwrap();
    Line {
        words: words(body),
        sets,
    }
}

/// The configurations: the defaults and every example.
fn configurations() -> Vec<(String, Option<PathBuf>)> {
    let mut list = vec![("defaults".to_owned(), None)];
    for (config, _) in examples() {
        let name = config.file_stem().unwrap().to_string_lossy().into_owned();
        list.push((name, Some(config)));
    }
    list
}

/// `synth all` into a fresh directory: the directory, and the runbook's text.
fn synthesize(config: Option<&Path>) -> (tempfile::TempDir, String) {
    let dir = empty_dir();
    let mut args = vec!["synth", "all", "--out-dir", "out"];
    let config = config.map(|c| c.display().to_string());
    if let Some(config) = &config {
        args.extend(["-c", config.as_str()]);
    }
    let output = smlog_in(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(dir.path().join("out").join(Target::Runbook.path()))
        .expect("synth all writes the runbook");
    (dir, text)
}

/// A template's parameters: name → whether it has a default.
fn parameters(template: &serde_yaml_ng::Value) -> BTreeMap<String, bool> {
    template
        .get("Parameters")
        .and_then(|p| p.as_mapping())
        .map(|parameters| {
            parameters
                .iter()
                .map(|(name, p)| {
                    (
                        name.as_str().unwrap().to_owned(),
                        p.get("Default").is_some(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn outputs(template: &serde_yaml_ng::Value) -> BTreeSet<String> {
    template
        .get("Outputs")
        .and_then(|o| o.as_mapping())
        .map(|o| o.keys().map(|k| k.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// What the lines before the one being checked did: the variables they set
/// (with the stack output each captured, if one) and where each template
/// was deployed.
#[derive(Default)]
struct Earlier {
    variables: BTreeMap<String, Option<String>>,
    deployed: Vec<(String, String)>,
}

impl Earlier {
    /// The stack output a `$VAR` value holds, if it holds one.
    fn output_in(&self, value: &str) -> Option<&str> {
        let variable = value.strip_prefix('$')?;
        self.variables.get(variable)?.as_deref()
    }
}

/// Checks that `passed` (name → value as the shell sees it) holds exactly
/// the template's parameters without a default; one with a default only
/// when its value is one the configuration could not know: an earlier
/// stack's output of the same name (what this deployment made), a
/// placeholder (the user's to decide), or a name in `also`. A value taken
/// from a stack output takes it from the output of its own name.
fn check_parameters(
    what: &str,
    template: &serde_yaml_ng::Value,
    passed: &BTreeMap<String, String>,
    earlier: &Earlier,
    also: &[&str],
) {
    let known = parameters(template);
    let missing: Vec<&String> = known
        .iter()
        .filter(|(name, has_default)| !**has_default && !passed.contains_key(*name))
        .map(|(name, _)| name)
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: parameters without a default not passed: {missing:?}"
    );
    for (name, value) in passed {
        let Some(has_default) = known.get(name) else {
            panic!("{what}: passes {name}, which the template lacks");
        };
        let output = earlier.output_in(value);
        let made_here = output == Some(name.as_str());
        let users = value.starts_with('<') && value.ends_with('>');
        assert!(
            !has_default || made_here || users || also.contains(&name.as_str()),
            "{what}: passes {name}={value}, which has a default, though the value is no earlier stack's output {name}"
        );
        assert!(
            output.is_none() || made_here || also.contains(&name.as_str()),
            "{what}: {name} takes the output {output:?} of another name"
        );
        assert!(!value.is_empty(), "{what}: {name} is passed empty");
    }
}

/// `Key=Value` words (after `prefix`) as name → value.
fn pairs(words: &[&str], prefix: &str, separator: &str) -> BTreeMap<String, String> {
    words
        .iter()
        .map(|word| {
            let pair = word.strip_prefix(prefix).expect("a prefixed pair");
            let (name, value) = pair.split_once(separator).expect("a name and a value");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn yaml(path: &Path) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap()
}

fn file_of(name: &str, out: &Path, url: &str) -> PathBuf {
    let relative = url
        .strip_prefix("file://")
        .unwrap_or_else(|| panic!("{name}: {url} is not file://"));
    let path = out.join(relative);
    assert!(
        path.is_file(),
        "{name}: {relative} was not written by synth all"
    );
    path
}

/// What one runbook uses: the files it names.
#[derive(Default)]
struct Used {
    files: BTreeSet<String>,
}

fn check_deploy(name: &str, out: &Path, line: &Line, used: &mut Used, earlier: &Earlier) {
    let file = line
        .value("template-file")
        .expect("deploy names --template-file");
    assert!(
        out.join(file).is_file(),
        "{name}: deploy of {file}, which synth all did not write"
    );
    used.files.insert(file.to_owned());
    let region = line.value("region").expect("every deploy names its Region");
    assert!(line.value("stack-name").is_some(), "{name}: {line:?}");
    // The central template once more in another Region: its replica of the session key.
    let first_region = earlier.deployed.iter().find(|(f, _)| f == file);
    let also = match first_region {
        Some((_, first)) if first != region => vec![PRIMARY_SESSION_KEY_ARN],
        _ => Vec::new(),
    };
    let passed = pairs(&line.values("parameter-overrides"), "", "=");
    check_parameters(
        &format!("{name}: {file} in {region}"),
        &yaml(&out.join(file)),
        &passed,
        earlier,
        &also,
    );
    assert!(line
        .words
        .iter()
        .any(|w| w == "--no-fail-on-empty-changeset"));
}

fn check_stack_set(name: &str, out: &Path, line: &Line, used: &mut Used, earlier: &Earlier) {
    let input = line
        .value("cli-input-json")
        .expect("create-stack-set takes its CLI input");
    let path = file_of(name, out, input);
    used.files
        .insert(input.trim_start_matches("file://").to_owned());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let body: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(json["TemplateBody"].as_str().unwrap()).unwrap();
    let passed = pairs(
        &line.values("parameters"),
        "ParameterKey=",
        ",ParameterValue=",
    );
    check_parameters(&format!("{name}: {input}"), &body, &passed, earlier, &[]);
    let call_as = json["CallAs"].as_str().unwrap();
    assert_eq!(
        line.value("call-as").unwrap_or("SELF"),
        call_as,
        "{name}: --call-as"
    );
}

/// Every `$VAR` is set by an earlier line, and a captured output exists.
fn check_variables(name: &str, out: &Path, lines: &[Line]) {
    let mut set = BTreeSet::new();
    for line in lines {
        for word in &line.words {
            if let Some(at) = word.find('$') {
                let variable: String = word[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                assert!(
                    set.contains(&variable),
                    "{name}: ${variable} read before it is set: {line:?}"
                );
            }
        }
        if line.is("cloudformation", "describe-stacks") {
            let query = line.value("query").unwrap();
            let output = query.split('\'').nth(1).expect("an OutputKey");
            let stack = line.value("stack-name").unwrap();
            let deployed = lines
                .iter()
                .find(|l| l.is("cloudformation", "deploy") && l.value("stack-name") == Some(stack));
            let file = deployed
                .expect("the stack is deployed first")
                .value("template-file")
                .unwrap();
            assert!(
                outputs(&yaml(&out.join(file))).contains(output),
                "{name}: {file} has no output {output}"
            );
        }
        set.extend(line.sets.clone());
    }
}

/// Every placeholder is `<words>` and listed with its meaning.
fn check_placeholders(name: &str, markdown: &str, lines: &[Line]) {
    let listed: BTreeSet<&str> = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("| `<"))
        .map(|l| l.split(">`").next().unwrap())
        .collect();
    for word in lines.iter().flat_map(|l| &l.words) {
        let mut rest = word.as_str();
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("a placeholder is closed") + start;
            let inner = &rest[start + 1..end];
            assert!(
                !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphabetic() || c == ' '),
                "{name}: placeholder <{inner}> is not in the documented form"
            );
            assert!(
                listed.contains(inner),
                "{name}: <{inner}> is not listed under \"Values only you know\""
            );
            rest = &rest[end + 1..];
        }
    }
}

#[test]
fn every_command_of_every_runbook_matches_the_files_synth_all_wrote() {
    for (name, config) in configurations() {
        let (dir, markdown) = synthesize(config.as_deref());
        let out = dir.path().join("out");
        let lines: Vec<Line> = shell_lines(&markdown).iter().map(|l| parse(l)).collect();
        let mut used = Used::default();
        let mut earlier = Earlier::default();
        for line in &lines {
            if line.is("cloudformation", "deploy") {
                check_deploy(&name, &out, line, &mut used, &earlier);
                earlier.deployed.push((
                    line.value("template-file").unwrap().to_owned(),
                    line.value("region").unwrap().to_owned(),
                ));
            } else if line.is("cloudformation", "create-stack-set") {
                check_stack_set(&name, &out, line, &mut used, &earlier);
            }
            if let Some(variable) = &line.sets {
                let output = line.is("cloudformation", "describe-stacks").then(|| {
                    line.value("query")
                        .unwrap()
                        .split('\'')
                        .nth(1)
                        .unwrap()
                        .to_owned()
                });
                earlier.variables.insert(variable.clone(), output);
            }
            if let Some(input) = line.value("cli-input-json") {
                file_of(&name, &out, input);
                used.files
                    .insert(input.trim_start_matches("file://").to_owned());
            }
        }
        check_variables(&name, &out, &lines);
        check_placeholders(&name, &markdown, &lines);
        let plan = match &config {
            Some(path) => Plan::new(super::support::example_settings(
                path.file_stem().unwrap().to_str().unwrap(),
            )),
            None => Plan::new(Settings::default()),
        };
        for file in plan.files() {
            let covered = used.files.contains(file)
                || file == Target::Runbook.path()
                || file == Target::CentralStatements.path() && markdown.contains(file);
            assert!(covered, "{name}: the runbook never uses {file}");
        }
    }
}

#[test]
fn a_parameter_the_runbook_cannot_fill_fails_the_build() {
    let plan = Plan::new(Settings::default());
    let templates = synth::build(&plan).unwrap();
    let mut member = templates.get(Target::Member).unwrap().clone();
    member.parameter(
        "SomethingNew",
        Parameter::string("a parameter nobody fills"),
    );
    let mut inputs_templates = BTreeMap::new();
    for target in plan.checked_targets() {
        inputs_templates.insert(target, templates.get(target).unwrap());
    }
    inputs_templates.insert(Target::Member, &member);
    let inputs = runbook::Inputs {
        templates: inputs_templates,
        stack_sets: Vec::new(),
    };
    let error = runbook::build(&plan, &inputs).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot fill parameter SomethingNew of stacksets/member.yaml"),
        "{error}"
    );
    // The same parameter with a default is the configuration's to give: no error.
    let mut defaulted = templates.get(Target::Member).unwrap().clone();
    defaulted.parameter(
        "SomethingNew",
        Parameter::string("given").default_value("x"),
    );
    let mut inputs = inputs;
    inputs.templates.insert(Target::Member, &defaulted);
    assert!(runbook::build(&plan, &inputs).is_ok());
}
