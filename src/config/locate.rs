//! Finds where a field path (`rollout.regions[2]`) stands in block-style YAML
//! text, so a message about a value can name its line and column. serde_yaml
//! keeps no positions for values; this reads the text itself and gives up
//! (returns `None`) on shapes it does not follow.

/// One step of a field path.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(k, rest)| (k, rest));
        steps.push(Step::Key(key));
        for index in indexes.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                steps.push(Step::Index(i));
            }
        }
    }
    steps
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_content(line: &str) -> bool {
    let trimmed = line.trim_start();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// (line, column), both 1-based, of the value or entry the path names.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    // The current node: the line it starts on, the column its content starts at,
    // and the minimum indentation of its children.
    let mut line = 0;
    let mut column = 0;
    let mut child_indent = 0;
    let mut first = true;
    for step in steps(path) {
        match step {
            Step::Key(key) => {
                let start = if first { 0 } else { line + 1 };
                let found = (start..lines.len()).find(|&i| {
                    let l = lines[i];
                    is_content(l)
                        && indentation(l) >= child_indent
                        && l.trim_start()
                            .strip_prefix(key)
                            .is_some_and(|rest| rest.starts_with(':'))
                })?;
                // Stop at the end of the parent block.
                if (start..found)
                    .any(|i| is_content(lines[i]) && indentation(lines[i]) < child_indent)
                {
                    return None;
                }
                line = found;
                column = indentation(lines[found]) + key.len() + 1;
                column += lines[found][column..].len() - lines[found][column..].trim_start().len();
                child_indent = indentation(lines[found]) + 1;
            }
            Step::Index(index) => {
                let rest = &lines[line][column..];
                if let Some(flow) = rest.strip_prefix('[') {
                    // A flow sequence on the same line: find the nth item.
                    let items = flow.split_once(']').map_or(flow, |(inside, _)| inside);
                    let mut offset = column + 1;
                    let mut found = None;
                    for (i, item) in items.split(',').enumerate() {
                        if i == index {
                            found = Some(offset + item.len() - item.trim_start().len());
                            break;
                        }
                        offset += item.len() + 1;
                    }
                    column = found?;
                } else {
                    let items: Vec<usize> = (line + 1..lines.len())
                        .take_while(|&i| {
                            !is_content(lines[i]) || indentation(lines[i]) >= child_indent - 1
                        })
                        .filter(|&i| lines[i].trim_start().starts_with("- "))
                        .collect();
                    line = *items.get(index)?;
                    column = indentation(lines[line]) + 2;
                    child_indent = column + 1;
                }
            }
        }
        first = false;
    }
    Some((line + 1, column + 1))
}

#[cfg(test)]
mod tests {
    use super::locate;

    const TEXT: &str = "\
# starter
organization_id: o-123
member:
  agent_role_names:
    - Good
    - 'bad role'
  iam_region: nowhere
rollout:
  regions: [us-east-1, eu-west-1, mars]
session:
  idle_timeout_minutes: 0
";

    #[test]
    fn finds_keys_block_items_and_flow_items() {
        assert_eq!(locate(TEXT, "organization_id"), Some((2, 18)));
        assert_eq!(locate(TEXT, "member.iam_region"), Some((7, 15)));
        assert_eq!(locate(TEXT, "member.agent_role_names[1]"), Some((6, 7)));
        assert_eq!(locate(TEXT, "rollout.regions[2]"), Some((9, 35)));
        assert_eq!(locate(TEXT, "rollout.regions[0]"), Some((9, 13)));
        assert_eq!(locate(TEXT, "session.idle_timeout_minutes"), Some((11, 25)));
    }

    #[test]
    fn gives_up_rather_than_guess() {
        assert_eq!(locate(TEXT, "bucket_name"), None);
        assert_eq!(locate(TEXT, "member.regions"), None);
        assert_eq!(locate(TEXT, "rollout.regions[5]"), None);
        assert_eq!(
            locate(TEXT, "session.iam_region"),
            None,
            "iam_region belongs to member"
        );
    }
}
