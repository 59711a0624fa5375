//! A small YAML writer for JSON-shaped data, written so YAML 1.1 readers
//! (PyYAML in cfn-lint, moto and many tools) read back exactly the same data:
//! anything that could pass for a date, number, boolean or null is quoted.
//! serde_yaml writes `2012-10-17` bare, which YAML 1.1 reads as a date.

use serde_json::Value;

const INDENT: usize = 2;

/// The document for `value`, ending in a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            write_inline(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn is_collection(value: &Value) -> bool {
    matches!(value, Value::Object(m) if !m.is_empty())
        || matches!(value, Value::Array(a) if !a.is_empty())
}

/// Indents a collection entry, except the first entry of a collection that
/// is itself a sequence item: that one follows its parent's "- " (compact form).
fn start_entry(out: &mut String, index: usize, indent: usize) {
    if index > 0 || !out.ends_with("- ") {
        pad(out, indent);
    }
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (index, (key, value)) in map.iter().enumerate() {
        start_entry(out, index, indent);
        write_string(out, key, indent, true);
        out.push(':');
        write_child(out, value, indent);
    }
}

fn write_sequence(out: &mut String, items: &[Value], indent: usize) {
    for (index, item) in items.iter().enumerate() {
        start_entry(out, index, indent);
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_mapping(out, map, indent + INDENT),
            Value::Array(inner) if !inner.is_empty() => write_sequence(out, inner, indent + INDENT),
            scalar => {
                write_inline(out, scalar, indent + INDENT);
                out.push('\n');
            }
        }
    }
}

/// A value after `key:`, inline or on the following lines.
fn write_child(out: &mut String, value: &Value, indent: usize) {
    if is_collection(value) {
        out.push('\n');
        match value {
            Value::Object(map) => write_mapping(out, map, indent + INDENT),
            Value::Array(items) => write_sequence(out, items, indent + INDENT),
            _ => unreachable!("checked by is_collection"),
        }
    } else {
        out.push(' ');
        write_inline(out, value, indent + INDENT);
        out.push('\n');
    }
}

fn write_inline(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s, indent, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_string(out: &mut String, s: &str, indent: usize, is_key: bool) {
    if !is_key && is_block_candidate(s) {
        write_block(out, s, indent);
    } else if s.chars().any(|c| c.is_control()) {
        // JSON string escapes are valid in YAML double-quoted scalars.
        out.push_str(&serde_json::to_string(s).expect("strings serialise"));
    } else if needs_quotes(s) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}

/// Multi-line text reads best as a literal block, unless its first line
/// starts with a space (that would need an indentation indicator) or it
/// holds other control characters.
fn is_block_candidate(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && !s.lines().any(|line| line.ends_with(' '))
}

fn write_block(out: &mut String, s: &str, indent: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in s.trim_end_matches('\n').split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// Words YAML 1.1 reads as booleans or null.
const RESERVED_WORDS: [&str; 11] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
];

fn needs_quotes(s: &str) -> bool {
    let first = s.chars().next();
    RESERVED_WORDS.contains(&s.to_ascii_lowercase().as_str())
        // Numbers, dates, times, .inf/.nan and sexagesimals all begin like this.
        || first.is_some_and(|c| c.is_ascii_digit() || "+-.".contains(c))
        || first.is_some_and(|c| "!&*?|>'\"%@`#,[]{}:".contains(c))
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace)
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) {
        let text = to_string(value);
        let back: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
        assert_eq!(&back, value, "\n{text}");
    }

    #[test]
    fn ambiguous_scalars_are_quoted() {
        let text = to_string(&json!({
            "Version": "2012-10-17", "Timeout": "20", "Flag": "yes", "Switch": "off", "Empty": "",
            "Star": "*", "Nothing": "null", "Float": "1.0", "Negative": "-1", "Time": "12:30", "Off": 1
        }));
        for line in [
            "Version: '2012-10-17'",
            "Timeout: '20'",
            "Flag: 'yes'",
            "Switch: 'off'",
            "'Off': 1",
            "Empty: ''",
            "Star: '*'",
            "Nothing: 'null'",
            "Float: '1.0'",
            "Negative: '-1'",
            "Time: '12:30'",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    #[test]
    fn plain_scalars_stay_plain() {
        let text = to_string(
            &json!({"Action": "s3:*", "Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/${!aws:PrincipalAccount}/*",
                                     "Text": "the bucket's key"}),
        );
        assert_eq!(
            text,
            "Action: s3:*\nFn::Sub: arn:${AWS::Partition}:s3:::${B}/${!aws:PrincipalAccount}/*\nText: the bucket's key\n"
        );
    }

    #[test]
    fn nested_collections_and_types_round_trip() {
        round_trip(&json!({
            "A": [1, true, false, null, "x", ["nested", {"k": "v"}], {"a": 1, "b": [1, 2]}, [], {}],
            "B": {"C": {"D": [{"E": "F", "G": [{"H": "I"}]}]}},
            "Quotes": "it's \"quoted\"", "Colon": "a: b", "Hash": "a #b", "Tab": "a\tb",
            "Unicode": "Zürich … ✔", "Number": 12.5, "Big": 123456789012u64
        }));
    }

    #[test]
    fn nested_sequences_use_the_compact_form() {
        let text = to_string(&json!({"Fn::If": ["C", ["a", "b"], [["x"]]]}));
        assert_eq!(text, "Fn::If:\n  - C\n  - - a\n    - b\n  - - - x\n");
        assert!(!text.lines().any(|line| line.ends_with(' ')));
    }

    #[test]
    fn multi_line_text_becomes_a_literal_block() {
        let code = "import json\n\ndef handler():\n    return 1\n";
        let text = to_string(&json!({"Code": {"ZipFile": code}}));
        assert!(
            text.contains("ZipFile: |\n    import json\n\n    def handler():\n        return 1\n"),
            "{text}"
        );
        round_trip(&json!({"Code": {"ZipFile": code}}));
        for awkward in [
            "no newline\nat end",
            "two\n\n",
            " leading space\nline",
            "trailing \nspace\n",
            "\nfirst empty",
        ] {
            round_trip(&json!({"Text": awkward, "List": [awkward]}));
        }
    }
}
