//! The runbook as data: steps in order, the account and Region each runs
//! in, and commands as argument vectors whose values are literals, shell
//! variables an earlier command captured, or placeholders only the user can fill.

use crate::ids::Region;

/// Whose credentials a step needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// The organisation's management account.
    Management,
    /// The member account registered as StackSets' delegated administrator.
    DelegatedAdministrator,
    /// The central (log archive) account, which owns the bucket and keys.
    Central,
    /// Where IAM Identity Center is administered.
    IdentityCenter,
    /// Every account that has a VPC whose nodes have no route to the internet.
    VpcOwner,
}

impl Account {
    /// How the runbook names the account.
    pub fn label(self) -> &'static str {
        match self {
            Account::Management => "management account",
            Account::DelegatedAdministrator => "StackSets delegated administrator account",
            Account::Central => "central (log archive) account",
            Account::IdentityCenter => {
                "IAM Identity Center administration account (the management account or Identity Center's delegated administrator)"
            }
            Account::VpcOwner => "each account with a VPC whose nodes have no internet route",
        }
    }

    pub const ALL: [Account; 5] = [
        Account::Management,
        Account::DelegatedAdministrator,
        Account::Central,
        Account::IdentityCenter,
        Account::VpcOwner,
    ];
}

/// A value only the user knows, written `<words>` where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The words between the angle brackets.
    pub name: String,
    /// What to put there, for the runbook's list of placeholders.
    pub meaning: String,
}

impl Placeholder {
    pub fn new(name: impl Into<String>, meaning: impl Into<String>) -> Placeholder {
        Placeholder {
            name: name.into(),
            meaning: meaning.into(),
        }
    }

    /// As it stands in a command: `<OU ids>`.
    pub fn text(&self) -> String {
        format!("<{}>", self.name)
    }
}

/// The Region a step runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Region(Region),
    /// A Region the configuration does not fix (Identity Center's, a VPC's).
    Chosen(Placeholder),
    /// Each Region of the rollout in turn (smlog's own commands know them).
    Rollout(Vec<Region>),
}

impl Place {
    /// The `--region` value, for a step in one Region.
    pub fn arg(&self) -> Option<Arg> {
        match self {
            Place::Region(region) => Some(Arg::Text(region.to_string())),
            Place::Chosen(placeholder) => Some(Arg::Blank(placeholder.clone())),
            Place::Rollout(_) => None,
        }
    }
}

/// One word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Literal text.
    Text(String),
    /// A shell variable an earlier command captured (`"$BUCKET_KEY_ARN"`).
    Var(String),
    /// A value only the user knows.
    Blank(Placeholder),
    /// Parts written together as one word (`BucketKeyArn="$BUCKET_KEY_ARN"`).
    Joined(Vec<Arg>),
}

impl Arg {
    pub fn text(text: impl Into<String>) -> Arg {
        Arg::Text(text.into())
    }

    /// `key` followed by `value`, as one word.
    pub fn pair(key: impl Into<String>, value: Arg) -> Arg {
        Arg::Joined(vec![Arg::Text(key.into()), value])
    }

    /// Every placeholder in the word.
    pub fn placeholders(&self) -> Vec<&Placeholder> {
        match self {
            Arg::Blank(placeholder) => vec![placeholder],
            Arg::Joined(parts) => parts.iter().flat_map(Arg::placeholders).collect(),
            Arg::Text(_) | Arg::Var(_) => Vec::new(),
        }
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

/// A command line: the program and its words; its output goes into the
/// shell variable `capture` names, or into the file `file` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub argv: Vec<Arg>,
    pub capture: Option<String>,
    pub file: Option<String>,
}

impl Command {
    /// `aws SERVICE OPERATION`.
    pub fn aws(service: &str, operation: &str) -> Command {
        Command {
            argv: vec!["aws".into(), service.into(), operation.into()],
            capture: None,
            file: None,
        }
    }

    /// `smlog VERB`.
    pub fn smlog(verb: &str) -> Command {
        Command {
            argv: vec!["smlog".into(), verb.into()],
            capture: None,
            file: None,
        }
    }

    /// `--name value`.
    pub fn flag(mut self, name: &str, value: impl Into<Arg>) -> Command {
        self.argv.push(Arg::Text(format!("--{name}")));
        self.argv.push(value.into());
        self
    }

    /// `--name value value …`.
    pub fn flag_values(mut self, name: &str, values: Vec<Arg>) -> Command {
        self.argv.push(Arg::Text(format!("--{name}")));
        self.argv.extend(values);
        self
    }

    /// `--region`, for a step in one Region.
    pub fn region(self, place: &Place) -> Command {
        match place.arg() {
            Some(region) => self.flag("region", region),
            None => self,
        }
    }

    /// `--name` alone.
    pub fn switch(mut self, name: &str) -> Command {
        self.argv.push(Arg::Text(format!("--{name}")));
        self
    }

    /// Its output (text) goes into the shell variable `name`.
    pub fn into_var(mut self, name: &str) -> Command {
        self.capture = Some(name.to_owned());
        self
    }

    /// Its output goes into the file `path`.
    pub fn into_file(mut self, path: &str) -> Command {
        self.file = Some(path.to_owned());
        self
    }
}

/// One step: who runs it, where, why, and the commands in order. A step
/// done by hand has no commands, only what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    pub account: Account,
    pub place: Place,
    pub notes: Vec<String>,
    pub commands: Vec<Command>,
    /// For a step no command can do: what the user does.
    pub by_hand: Option<String>,
}

impl Step {
    pub fn new(title: impl Into<String>, account: Account, place: Place) -> Step {
        Step {
            title: title.into(),
            account,
            place,
            notes: Vec::new(),
            commands: Vec::new(),
            by_hand: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Step {
        self.notes.push(note.into());
        self
    }

    pub fn command(mut self, command: Command) -> Step {
        self.commands.push(command);
        self
    }
}

/// The deployment of one configuration, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    pub steps: Vec<Step>,
}

impl Runbook {
    /// Every distinct placeholder, in order of first use.
    pub fn placeholders(&self) -> Vec<&Placeholder> {
        let mut seen: Vec<&Placeholder> = Vec::new();
        for step in &self.steps {
            let place = match &step.place {
                Place::Chosen(placeholder) => Some(placeholder),
                Place::Region(_) | Place::Rollout(_) => None,
            };
            let words = step
                .commands
                .iter()
                .flat_map(|c| &c.argv)
                .flat_map(Arg::placeholders);
            for placeholder in place.into_iter().chain(words) {
                if !seen.iter().any(|p| p.name == placeholder.name) {
                    seen.push(placeholder);
                }
            }
        }
        seen
    }
}
