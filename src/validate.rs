//! `smlog validate`: checks templates from files (or freshly synthesized ones)
//! against the built-in rules plus any extra rule files.

use crate::error::{Error, Result};
use crate::gate::guard::{self, Document, RuleFile, Violation};
use crate::plan::Plan;
use crate::{emit, synth};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Sarif,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 3] =
        [ReportFormat::Text, ReportFormat::Json, ReportFormat::Sarif];

    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
        }
    }
}

/// What a validation found: the report to print and whether everything passed.
pub struct Outcome {
    pub report: String,
    pub passed: bool,
}

/// Reads a template and makes sure it is a YAML or JSON mapping with `Resources`.
pub fn read_template(path: &Path) -> Result<Document> {
    let unreadable = |reason: String| Error::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let content = String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text".to_owned()))?;
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&content)
        .map_err(|e| unreadable(format!("not YAML or JSON: {e}")))?;
    if value
        .get("Resources")
        .and_then(|r| r.as_mapping())
        .is_none()
    {
        return Err(unreadable(
            "not a CloudFormation template: no Resources mapping".to_owned(),
        ));
    }
    Ok(Document {
        name: path.display().to_string(),
        content,
    })
}

/// The `*.guard` files of a directory, in name order.
pub fn read_rules_dir(dir: &Path) -> Result<Vec<RuleFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "guard"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Error::Unreadable {
            path: dir.to_path_buf(),
            reason: "no *.guard rule files in this directory".to_owned(),
        });
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            Ok(RuleFile {
                name: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Documents to check: the named files, or every template `synth all`
/// writes for the plan (within AWS's limits, else the error says which).
pub fn documents(files: &[PathBuf], plan: &Plan) -> Result<Vec<Document>> {
    if files.is_empty() {
        return synth::documents(plan);
    }
    files.iter().map(|path| read_template(path)).collect()
}

pub fn run(documents: &[Document], rules: &[RuleFile], format: ReportFormat) -> Result<Outcome> {
    let violations = guard::check(documents, &guard::RuleSet::parse(rules)?)?;
    let passed = violations.is_empty();
    let report = match format {
        ReportFormat::Text => text_report(documents, &violations),
        ReportFormat::Json => emit::to_json(&serde_json::json!({
            "passed": passed,
            "documents": documents.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            "violations": violations,
        }))?,
        ReportFormat::Sarif => guard::sarif(documents, rules)?,
    };
    Ok(Outcome { report, passed })
}

fn text_report(documents: &[Document], violations: &[Violation]) -> String {
    let mut report = String::new();
    for document in documents {
        let failed: Vec<&Violation> = violations
            .iter()
            .filter(|v| v.file == document.name)
            .collect();
        if failed.is_empty() {
            report.push_str(&format!("PASS {}\n", document.name));
        } else {
            report.push_str(&format!("FAIL {}\n", document.name));
            for violation in failed {
                report.push_str(&format!("  {violation}\n"));
            }
        }
    }
    report
}
