//! Renders a runbook as Markdown: the list of placeholders, then each step
//! with its account and Region, its notes and its commands as shell lines
//! (quoted only where the shell needs it, long ones continued flag by flag).

use super::model::{Arg, Command, Place, Runbook, Step};

/// A command longer than this is written one flag per line, and a flag
/// whose values are longer, one value per line.
const ONE_LINE: usize = 100;
const ONE_FLAG: usize = 80;

const INTRODUCTION: &str = "\
Written by `smlog synth all` for the configuration beside it: the whole
deployment, in order. Each step names the account whose credentials it needs
and the Region it runs in. Parameter names come from the templates this run
wrote; values come from the configuration, from the outputs of earlier steps
(captured into shell variables), or, written `<like this>`, from you.

Run the steps in one shell, from the directory `synth all` wrote into (the
`smlog` commands read the `smlog.yaml` there; otherwise add `-c FILE`):
later steps read the variables earlier ones set. Switch accounts inside that
shell, for example with `export AWS_PROFILE=…`.";

pub fn render(runbook: &Runbook) -> String {
    let mut out = String::from("# Deploying this configuration\n\n");
    out.push_str(INTRODUCTION);
    out.push_str("\n\n## Values only you know\n\n");
    let placeholders = runbook.placeholders();
    if placeholders.is_empty() {
        out.push_str("None: the configuration and earlier steps supply every value.\n");
    } else {
        out.push_str("| placeholder | what to put there |\n|---|---|\n");
        for placeholder in placeholders {
            out.push_str(&format!(
                "| `{}` | {} |\n",
                placeholder.text(),
                placeholder.meaning
            ));
        }
    }
    out.push_str("\n## Steps\n");
    for (number, step) in runbook.steps.iter().enumerate() {
        out.push('\n');
        out.push_str(&render_step(number + 1, step));
    }
    out
}

fn render_step(number: usize, step: &Step) -> String {
    let place = match &step.place {
        Place::Region(region) => format!("`{region}`"),
        Place::Chosen(placeholder) => format!("`{}`", placeholder.text()),
        Place::Rollout(regions) => regions
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut out = format!(
        "### {number}. {}\n\n**Account:** {} · **Region:** {place}\n",
        step.title,
        step.account.label()
    );
    for note in &step.notes {
        out.push('\n');
        out.push_str(note);
        out.push('\n');
    }
    if let Some(what) = &step.by_hand {
        out.push_str(&format!("\n**By hand:** {what}\n"));
    }
    if !step.commands.is_empty() {
        out.push_str("\n```sh\n");
        for command in &step.commands {
            out.push_str(&render_command(command));
            out.push('\n');
        }
        out.push_str("```\n");
    }
    out
}

/// One command as shell text; a capture is `NAME=$(…)`, a file `… > FILE`.
pub fn render_command(command: &Command) -> String {
    let groups = groups(&command.argv);
    let single = groups
        .iter()
        .map(|words| words.join(" "))
        .collect::<Vec<_>>()
        .join(" ");
    let body = if single.len() <= ONE_LINE {
        single
    } else {
        groups
            .iter()
            .map(|words| {
                let line = words.join(" ");
                if line.len() <= ONE_FLAG || words.len() < 3 {
                    line
                } else {
                    words.join(" \\\n    ")
                }
            })
            .collect::<Vec<_>>()
            .join(" \\\n  ")
    };
    match (&command.capture, &command.file) {
        (Some(name), _) => format!("{name}=$({body})"),
        (None, Some(file)) => format!("{body} > {}", quote(file)),
        (None, None) => body,
    }
}

/// The words, the program and its operation first, then one group per flag
/// with its values.
fn groups(argv: &[Arg]) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for arg in argv {
        let flag = matches!(arg, Arg::Text(text) if text.starts_with("--"));
        match groups.last_mut() {
            Some(group) if !flag => group.push(word(arg)),
            _ => groups.push(vec![word(arg)]),
        }
    }
    groups
}

/// One word as the shell must see it.
pub fn word(arg: &Arg) -> String {
    match arg {
        Arg::Text(text) => quote(text),
        Arg::Var(name) => format!("\"${name}\""),
        Arg::Blank(placeholder) => placeholder.text(),
        Arg::Joined(parts) => parts.iter().map(word).collect(),
    }
}

/// Bare when every character is plain; else in double quotes when nothing
/// in it expands there; else in single quotes.
fn quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@+%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else if !text.contains(['$', '`', '"', '\\', '!']) {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::model::Placeholder;

    #[test]
    fn words_are_quoted_only_where_the_shell_needs_it() {
        assert_eq!(
            quote("file://templates/central.yaml"),
            "file://templates/central.yaml"
        );
        assert_eq!(
            quote("Stacks[0].Outputs[?OutputKey=='BucketKeyArn'].OutputValue"),
            "\"Stacks[0].Outputs[?OutputKey=='BucketKeyArn'].OutputValue\""
        );
        assert_eq!(quote("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(quote(""), "\"\"");
        let pair = Arg::pair("BucketKeyArn=", Arg::Var("BUCKET_KEY_ARN".to_owned()));
        assert_eq!(word(&pair), "BucketKeyArn=\"$BUCKET_KEY_ARN\"");
        let blank = Arg::pair(
            "OrganizationalUnitIds=",
            Arg::Blank(Placeholder::new("OU ids", "the OUs")),
        );
        assert_eq!(word(&blank), "OrganizationalUnitIds=<OU ids>");
    }

    #[test]
    fn long_commands_continue_flag_by_flag_and_captures_wrap_them() {
        let short = Command::aws("organizations", "list-roots")
            .flag("query", "Roots[0].Id")
            .flag("output", "text")
            .into_var("ROOT_ID");
        assert_eq!(
            render_command(&short),
            "ROOT_ID=$(aws organizations list-roots --query \"Roots[0].Id\" --output text)"
        );
        let long = Command::aws("cloudformation", "deploy")
            .flag("region", "eu-west-1")
            .flag("stack-name", "session-manager-logging-central")
            .flag("template-file", "templates/central.yaml")
            .flag_values("capabilities", vec!["CAPABILITY_IAM".into()]);
        assert_eq!(
            render_command(&long),
            "aws cloudformation deploy \\\n  --region eu-west-1 \\\n  --stack-name session-manager-logging-central \\\n  --template-file templates/central.yaml \\\n  --capabilities CAPABILITY_IAM"
        );
    }
}
