//! Policy as code: the cfn-guard rules shipped in `rules/`, evaluated in-process.

use crate::error::{Error, Result};
use cfn_guard::commands::validate::{OutputFormatType, ShowSummaryType};
use cfn_guard::commands::Executable;
use cfn_guard::utils::reader::{ReadBuffer, Reader};
use cfn_guard::utils::writer::{WriteBuffer, Writer};
use cfn_guard::{CommandBuilder, ValidateBuilder};
use std::fmt;

/// cfn-guard's status when a rule cannot be parsed or evaluated.
const RULE_ERROR: i32 = 5;
/// cfn-guard's status when some rule is not compliant.
const NOT_COMPLIANT: i32 = 19;

/// One rules file: a name for messages and its text.
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub name: String,
    pub text: String,
}

/// The rules embedded in the binary, in file-name order.
pub fn builtin_rules() -> Vec<RuleFile> {
    macro_rules! rule_files {
        ($($name:literal),*) => {
            vec![$(RuleFile {
                name: $name.to_owned(),
                text: include_str!(concat!("../../rules/", $name)).to_owned(),
            }),*]
        };
    }
    rule_files!(
        "agent_policy.guard",
        "bucket_policy.guard",
        "bucket_settings.guard",
        "cloudwatch.guard",
        "endpoints.guard",
        "guardrail.guard",
        "kms.guard",
        "operator_policy.guard",
        "preferences.guard",
        "stackset.guard"
    )
}

/// A template to check, named as the user knows it.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub content: String,
}

/// One rule broken by one resource (or by the template as a whole).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Violation {
    pub file: String,
    pub rule: String,
    pub resource: Option<String>,
    pub line: Option<u32>,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": rule {}", self.rule)?;
        if let Some(resource) = &self.resource {
            write!(f, " on {resource}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Runs cfn-guard; returns its status and its report (or, for status 5, its error text).
fn run(
    documents: &[Document],
    rules: &[RuleFile],
    format: OutputFormatType,
) -> Result<(i32, String)> {
    let payload = serde_json::json!({
        "rules": rules.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
        "data": documents.iter().map(|d| d.content.as_str()).collect::<Vec<_>>(),
    })
    .to_string();
    let guard_error = |e: cfn_guard::Error| Error::Internal(format!("cfn-guard: {e}"));
    let validate = ValidateBuilder::default()
        .payload(true)
        .structured(true)
        .output_format(format)
        .show_summary(vec![ShowSummaryType::None])
        .try_build()
        .map_err(guard_error)?;
    let mut reader = Reader::new(ReadBuffer::Cursor(std::io::Cursor::new(
        payload.into_bytes(),
    )));
    let mut writer =
        Writer::new_with_err(WriteBuffer::Vec(Vec::new()), WriteBuffer::Vec(Vec::new()))
            .map_err(guard_error)?;
    let status = validate
        .execute(&mut writer, &mut reader)
        .map_err(guard_error)?;
    let output = if status == RULE_ERROR {
        writer.err_to_stripped()
    } else {
        writer.stripped()
    }
    .map_err(guard_error)?;
    Ok((status, output))
}

/// Evaluates every document against the rules; the violations come back sorted.
/// Documents are split over two threads (cfn-guard's own values never cross
/// them: each thread runs its own evaluation).
pub fn check(documents: &[Document], rules: &[RuleFile]) -> Result<Vec<Violation>> {
    if documents.len() < 2 {
        return check_on_this_thread(documents, rules);
    }
    let (first, second) = documents.split_at(documents.len() / 2);
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| check_on_this_thread(second, rules));
        let here = check_on_this_thread(first, rules);
        (here, other.join().expect("the guard thread does not panic"))
    });
    let mut violations = a?;
    violations.extend(b?);
    violations.sort();
    Ok(violations)
}

fn check_on_this_thread(documents: &[Document], rules: &[RuleFile]) -> Result<Vec<Violation>> {
    if documents.is_empty() {
        return Ok(Vec::new());
    }
    let (status, output) = run(documents, rules, OutputFormatType::JSON)?;
    if status != 0 && status != NOT_COMPLIANT {
        return Err(Error::Internal(format!(
            "cfn-guard exited with status {status}: {}",
            output.trim()
        )));
    }
    let reports: serde_json::Value = serde_json::from_str(&output)
        .map_err(|e| Error::Internal(format!("unreadable cfn-guard report: {e}")))?;
    let mut violations = Vec::new();
    for (index, report) in reports.as_array().into_iter().flatten().enumerate() {
        let file = report_document(report, index, documents);
        for entry in report["not_compliant"].as_array().into_iter().flatten() {
            collect(entry, &file, &mut violations);
        }
    }
    violations.sort();
    violations.dedup();
    Ok(violations)
}

/// The SARIF report cfn-guard produces, with its own rule ids and line numbers.
pub fn sarif(documents: &[Document], rules: &[RuleFile]) -> Result<String> {
    let (_, output) = run(documents, rules, OutputFormatType::Sarif)?;
    let mut report: serde_json::Value = serde_json::from_str(&output)
        .map_err(|e| Error::Internal(format!("unreadable cfn-guard SARIF: {e}")))?;
    // cfn-guard names stdin data DATA_STDIN[n]; put the real names back.
    rename_stdin(&mut report, documents);
    place_results(&mut report);
    crate::emit::to_json(&report)
}

/// cfn-guard 3.2.1 puts every SARIF result at line 1; the true line and
/// column stand in the message (`[L:26,C:25]`, counted from 0), so they are
/// copied over, counted from 1 as SARIF wants.
fn place_results(report: &mut serde_json::Value) {
    let Some(runs) = report["runs"].as_array_mut() else {
        return;
    };
    for result in runs
        .iter_mut()
        .flat_map(|run| run["results"].as_array_mut().into_iter().flatten())
    {
        let text = result["message"]["text"].as_str().unwrap_or_default();
        let position = text.match_indices("[L:").find_map(|(i, _)| {
            let (line, rest) = text[i + 3..].split_once(",C:")?;
            let column = rest.split(']').next()?;
            Some((
                line.parse::<u64>().ok()? + 1,
                column.parse::<u64>().ok()? + 1,
            ))
        });
        if let Some((line, column)) = position {
            for location in result["locations"].as_array_mut().into_iter().flatten() {
                location["physicalLocation"]["region"] =
                    serde_json::json!({"startLine": line, "startColumn": column});
            }
        }
    }
}

fn rename_stdin(value: &mut serde_json::Value, documents: &[Document]) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(name) = stdin_index(s).and_then(|i| documents.get(i)) {
                *s = name.name.clone();
            }
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| rename_stdin(v, documents))
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| rename_stdin(v, documents)),
        _ => {}
    }
}

/// `DATA_STDIN[n]` (1-based) → index n-1.
fn stdin_index(name: &str) -> Option<usize> {
    let n: usize = name
        .strip_prefix("DATA_STDIN[")?
        .strip_suffix(']')?
        .parse()
        .ok()?;
    n.checked_sub(1)
}

fn report_document(report: &serde_json::Value, position: usize, documents: &[Document]) -> String {
    report["name"]
        .as_str()
        .and_then(stdin_index)
        .or(Some(position))
        .and_then(|i| documents.get(i))
        .map(|d| d.name.clone())
        .unwrap_or_else(|| format!("document {}", position + 1))
}

/// Turns one non-compliant rule of a report into violations, one per resource.
fn collect(entry: &serde_json::Value, file: &str, out: &mut Vec<Violation>) {
    let Some(rule) = entry.get("Rule") else {
        return;
    };
    let name = rule["name"].as_str().unwrap_or("unnamed").to_owned();
    let mut messages = Vec::new();
    let mut locations = Vec::new();
    walk(rule, &mut messages, &mut locations);
    messages.sort();
    messages.dedup();
    let message = if messages.is_empty() {
        "the rule's checks did not hold".to_owned()
    } else {
        messages.join("; ")
    };
    if locations.is_empty() {
        locations.push((None, None));
    }
    for (resource, line) in locations {
        out.push(Violation {
            file: file.to_owned(),
            rule: name.clone(),
            resource,
            line,
            message: message.clone(),
        });
    }
}

/// Gathers custom messages and the resources (with lines) the failed checks point at.
fn walk(
    value: &serde_json::Value,
    messages: &mut Vec<String>,
    locations: &mut Vec<(Option<String>, Option<u32>)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(custom) = map.get("custom_message").and_then(|m| m.as_str()) {
                let custom = custom.split_whitespace().collect::<Vec<_>>().join(" ");
                if !custom.is_empty() {
                    messages.push(custom);
                }
            }
            if let Some(error) = map.get("error_message").and_then(|m| m.as_str()) {
                if let Some(location) = resource_location(error) {
                    if !locations.contains(&location) {
                        locations.push(location);
                    }
                }
            }
            map.values().for_each(|v| walk(v, messages, locations));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, messages, locations)),
        _ => {}
    }
}

/// Finds `Path=/Resources/<id>…[L:<line>,…` in a cfn-guard error message.
fn resource_location(error: &str) -> Option<(Option<String>, Option<u32>)> {
    let start = error.find("/Resources/")? + "/Resources/".len();
    let rest = &error[start..];
    let id_end = rest.find(['/', '[', ' ', ']']).unwrap_or(rest.len());
    let resource = rest[..id_end].to_owned();
    // cfn-guard counts lines from 0.
    let line = rest
        .find("[L:")
        .and_then(|i| rest[i + 3..].split([',', ']']).next())
        .and_then(|n| n.parse::<u32>().ok())
        .map(|line| line + 1);
    Some((Some(resource), line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_from_guard_messages() {
        let message = "Check was not compliant as property [X] is missing. Value traversed to [Path=/Resources/LogBucket/Properties[L:40,C:6] Value={}].";
        assert_eq!(
            resource_location(message),
            Some((Some("LogBucket".to_owned()), Some(41)))
        );
        assert_eq!(resource_location("no path here"), None);
    }

    #[test]
    fn stdin_names_map_to_documents() {
        assert_eq!(stdin_index("DATA_STDIN[1]"), Some(0));
        assert_eq!(stdin_index("DATA_STDIN[0]"), None);
        assert_eq!(stdin_index("central.yaml"), None);
    }
}
