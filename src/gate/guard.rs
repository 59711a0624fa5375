//! Policy as code: the cfn-guard rules shipped in `rules/`, evaluated in-process
//! through cfn-guard's own evaluator (`eval_rules_file`, what `cfn-guard
//! validate` calls). Each rules file is parsed once per process; a report is
//! built only for a (template, rules file) pair that fails. cfn-guard is
//! vendored with small patches that make this possible and fast
//! (vendor/README.md).

pub use crate::error::Violation;
use crate::error::{Error, Result};
use cfn_guard::commands::validate::{parse_rules, OutputFormatType, ShowSummaryType};
use cfn_guard::commands::Executable;
use cfn_guard::rules::eval::eval_rules_file;
use cfn_guard::rules::eval_context::{memo, root_scope, simplified_json_from_root};
use cfn_guard::rules::exprs::RulesFile;
use cfn_guard::rules::path_value::PathAwareValue;
use cfn_guard::rules::Status;
use cfn_guard::utils::reader::{ReadBuffer, Reader};
use cfn_guard::utils::writer::{WriteBuffer, Writer};
use cfn_guard::{CommandBuilder, ValidateBuilder};
use std::rc::Rc;
use std::sync::OnceLock;

/// One rules file: a name for messages and its text.
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub name: String,
    pub text: String,
}

/// The rules embedded in the binary, in file-name order.
pub fn builtin_rules() -> &'static [RuleFile] {
    macro_rules! rule_files {
        ($($name:literal),*) => {
            vec![$(RuleFile {
                name: $name.to_owned(),
                text: include_str!(concat!("../../rules/", $name)).to_owned(),
            }),*]
        };
    }
    static FILES: OnceLock<Vec<RuleFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        rule_files!(
            "access_logs.guard",
            "agent_policy.guard",
            "audit_policy.guard",
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
    })
}

/// Rules files parsed once; they borrow the texts they were parsed from.
pub struct RuleSet<'r> {
    files: Vec<(&'r str, RulesFile<'r>)>,
}

impl<'r> RuleSet<'r> {
    /// A rules file that does not parse is named in the error; one holding only
    /// comments is dropped, as cfn-guard does.
    pub fn parse(files: &'r [RuleFile]) -> Result<Self> {
        let mut parsed = Vec::with_capacity(files.len());
        for file in files {
            match parse_rules(&file.text, &file.name) {
                Ok(Some(rules)) => parsed.push((file.name.as_str(), rules)),
                Ok(None) => {}
                Err(e) => {
                    return Err(Error::Unreadable {
                        path: file.name.clone().into(),
                        reason: format!("not a cfn-guard rules file: {e}"),
                    })
                }
            }
        }
        Ok(RuleSet { files: parsed })
    }
}

/// The built-in rules, parsed on first use. (Parsing them on another thread
/// while the templates are built measured no faster: a second thread costs
/// its own malloc arena and page faults.)
pub fn builtin() -> &'static RuleSet<'static> {
    static RULES: OnceLock<RuleSet<'static>> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::parse(builtin_rules()).expect("the built-in rules parse"))
}

/// A template to check, as text (YAML or JSON, short-form tags allowed), named
/// as the user knows it.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub content: String,
}

/// One rule broken by one resource (or by the template as a whole).
fn guard_error(name: &str) -> impl Fn(cfn_guard::Error) -> Error + Copy + '_ {
    move |e| Error::Internal(format!("cfn-guard on {name}: {e}"))
}

/// Evaluates template texts against the rules; the violations come back sorted,
/// with the lines cfn-guard's reader saw.
pub fn check(documents: &[Document], rules: &RuleSet<'_>) -> Result<Vec<Violation>> {
    let mut violations = Vec::new();
    for document in documents {
        // cfn-guard's own reader: YAML or JSON, short-form tags, line numbers.
        let value = cfn_guard::rules::values::read_from(&document.content)
            .and_then(PathAwareValue::try_from)
            .map_err(guard_error(&document.name))?;
        evaluate(&document.name, value, rules, &mut violations)?;
    }
    Ok(sorted(violations))
}

/// Evaluates templates already in memory as JSON values (no text in between).
pub fn check_values(
    documents: Vec<(&str, serde_json::Value)>,
    rules: &RuleSet<'_>,
) -> Result<Vec<Violation>> {
    let mut violations = Vec::new();
    for (name, json) in documents {
        let value = PathAwareValue::try_from(json).map_err(guard_error(name))?;
        evaluate(name, value, rules, &mut violations)?;
    }
    // A value read from no text has no lines (cfn-guard says line 0 throughout).
    violations.iter_mut().for_each(|v| v.line = None);
    Ok(sorted(violations))
}

fn sorted(mut violations: Vec<Violation>) -> Vec<Violation> {
    violations.sort();
    violations.dedup();
    violations
}

/// Every rules file against one template; only a failing file builds cfn-guard's
/// report, read as its JSON output would be.
fn evaluate(
    name: &str,
    value: PathAwareValue,
    rules: &RuleSet<'_>,
    out: &mut Vec<Violation>,
) -> Result<()> {
    let root = Rc::new(value);
    for (file, rules_file) in &rules.files {
        let mut scope = root_scope(rules_file, Rc::clone(&root));
        let status =
            eval_rules_file(rules_file, &mut scope, Some(name)).map_err(guard_error(name))?;
        if status != Status::FAIL {
            continue;
        }
        let record = scope.reset_recorder().extract();
        let report = simplified_json_from_root(&record).map_err(guard_error(name))?;
        let report = serde_json::to_value(&report)
            .map_err(|e| Error::Internal(format!("cfn-guard report of {file}: {e}")))?;
        for entry in report["not_compliant"].as_array().into_iter().flatten() {
            collect(entry, name, out);
        }
    }
    // The patched evaluator shares parts of a template between queries; let them go.
    memo::clear();
    Ok(())
}

/// cfn-guard's status when a rule cannot be parsed or evaluated.
const RULE_ERROR: i32 = 5;

/// Runs cfn-guard's validate command; returns its status and its output.
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
    let guard_error = guard_error("the validate command");
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
                // cfn-guard turns a message's line breaks into ';' for some checks.
                let custom = custom.trim_matches(|c: char| c == ';' || c.is_whitespace());
                if !custom.is_empty() {
                    messages.push(custom.to_owned());
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
