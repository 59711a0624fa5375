//! The command line: subcommands, flags and their help, wired to the library.

use crate::config::{self, KeyMode, RawConfig, Settings};
use crate::emit::{self, Format};
use crate::error::{exit, Error, Result};
use crate::guard;
use crate::stacks::Target;
use crate::synth;
use crate::validate::{self, ReportFormat};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  policy violations (the templates break the cfn-guard rules), or verify checks failed
  2  usage error (bad command line)
  3  configuration error (bad value, unknown key, AWS limit exceeded)
  4  a file could not be read or written
  5  internal error";

#[derive(Debug, Parser)]
#[command(
    name = "smlog",
    version,
    about = "Organisation-wide AWS Session Manager logging, synthesized as CloudFormation",
    long_about = "smlog turns one small configuration (smlog.yaml) into the CloudFormation for \
central Session Manager logging: a central stack (KMS keys, encrypted log bucket, \
organisation-scoped bucket policy), a member template for a StackSet, and the rollout \
that deploys it across an AWS Organization. Every template is checked against the \
cfn-guard rules built into smlog before it is written.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a template (or, with `all`, every artefact) for the configuration
    #[command(after_help = "Examples:
  smlog synth > central.yaml
  smlog synth member -c smlog.yaml -o stacksets/member.yaml
  smlog synth central --format json --organization-id o-a1b2c3d4e5
  smlog synth all --out-dir .

Nothing is written when any value is invalid or any template breaks a rule.")]
    Synth(SynthArgs),
    /// Check templates against the built-in cfn-guard rules (and extra ones)
    #[command(after_help = "Examples:
  smlog validate                       # synthesize and check every template
  smlog validate templates/central.yaml stacksets/member.yaml
  smlog validate edited.yaml --rules my-rules/ --format sarif

Exit code 0 when every template passes, 1 when any rule is broken, 4 when a file cannot be read.")]
    Validate(ValidateArgs),
    /// Show who may do what (a matrix computed from the templates), or draw the setup
    #[command(after_help = "Examples:
  smlog explain                      # the access matrix, as Markdown
  smlog explain --format json
  smlog explain --diagram            # a Mermaid flowchart
  smlog explain --diagram --format dot | dot -Tpng > setup.png")]
    Explain(ExplainArgs),
    /// Check a deployment: preferences, bucket encryption and agent policy, or log coverage
    #[command(after_help = "Examples:
  smlog verify                                   # this account, this Region
  smlog verify --profile member-admin --region eu-west-1
  smlog verify --accounts all --assume-role OrganizationAccountAccessRole
  smlog verify --central --stale-after 7d       # in the central account: who is logging

Talks to AWS through your aws CLI (profiles, SSO, AWS_ENDPOINT_URL). Exit code 0
when every check passes, 1 when any fails or an account is silent.")]
    Verify(VerifyArgs),
    /// Write a commented starter smlog.yaml that synthesizes as written
    #[command(after_help = "Examples:
  smlog init
  smlog init -o configs/prod.yaml --force")]
    Init(InitArgs),
    /// Print a JSON Schema of smlog.yaml for editors
    #[command(after_help = "Example:
  smlog schema -o smlog.schema.json   # then point your editor's YAML support at it")]
    Schema(SchemaArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// The matrix as a Markdown table with reasons
    Markdown,
    /// The matrix as JSON
    Json,
    /// The diagram as a Mermaid flowchart
    Mermaid,
    /// The diagram as a Graphviz graph
    Dot,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Draw the setup instead of the access matrix
    #[arg(long)]
    pub diagram: bool,
    /// markdown or json for the matrix; mermaid or dot for the diagram
    #[arg(long, value_enum)]
    pub format: Option<ExplainFormat>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// In the central account: report, per account and Region, the newest session log
    #[arg(long)]
    pub central: bool,
    /// `all` (the organisation's active accounts) or a comma-separated list of account ids
    #[arg(long, value_name = "all|ID,…")]
    pub accounts: Option<String>,
    /// With --accounts: the role to assume in each account for the member checks
    #[arg(long, value_name = "NAME")]
    pub assume_role: Option<String>,
    /// With --central: an account whose newest log is older than this is reported (7d, 12h, 30m)
    #[arg(long, value_name = "AGE", default_value = "7d")]
    pub stale_after: String,
    /// aws CLI profile
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to check [default: the CLI's; with --accounts, rollout.regions]
    #[arg(long)]
    pub region: Option<String>,
    /// Expected bucket key ARN [default: member.bucket_key_arn]
    #[arg(long, value_name = "ARN")]
    pub bucket_key_arn: Option<String>,
    /// Expected session key ARN [default: member.session_key_arn]
    #[arg(long, value_name = "ARN")]
    pub session_key_arn: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: VerifyFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter file
    #[arg(short = 'o', long = "output", value_name = "FILE", default_value = config::DEFAULT_FILE)]
    pub output: PathBuf,
    /// Replace the file if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write to FILE (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthTarget {
    /// The central-account stack (bucket, keys, bucket policy)
    Central,
    /// The member template a StackSet deploys to every account and Region
    Member,
    /// A stack holding the service-managed StackSet
    Rollout,
    /// Every artefact, written under --out-dir in the repository layout
    All,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file [default: smlog.yaml in the working directory, when present]
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override organization_id (o-…)
    #[arg(long, value_name = "ID")]
    pub organization_id: Option<String>,
    /// Override bucket_name
    #[arg(long, value_name = "NAME")]
    pub bucket_name: Option<String>,
    /// Override keys: one key for bucket and sessions, or two
    #[arg(long, value_enum, value_name = "MODE")]
    pub keys: Option<KeysArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeysArg {
    One,
    Two,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// What to synthesize
    #[arg(value_enum, default_value = "central")]
    pub target: SynthTarget,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format of a single template
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
    /// Write to FILE (atomically) instead of standard output
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// With `all`: the directory that receives templates/ and stacksets/
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Templates to check (YAML or JSON); none: synthesize and check every template
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A directory of extra *.guard rule files, applied with the built-in ones
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl ConfigArgs {
    /// Loads the file, applies the flags, and checks everything once.
    pub fn settings(&self) -> Result<Settings> {
        let (mut raw, source): (RawConfig, _) = config::load(self.config.as_deref())?;
        if let Some(id) = &self.organization_id {
            raw.organization_id = Some(id.clone());
        }
        if let Some(name) = &self.bucket_name {
            raw.bucket_name = Some(name.clone());
        }
        if let Some(keys) = self.keys {
            raw.keys = Some(match keys {
                KeysArg::One => KeyMode::One,
                KeysArg::Two => KeyMode::Two,
            });
        }
        // A value from a flag has no place in the file: only file values get a location.
        let from_flags = |field: &str| {
            (field == "organization_id" && self.organization_id.is_some())
                || (field == "bucket_name" && self.bucket_name.is_some())
        };
        raw.resolve().map_err(|error| match (&source, &error) {
            (Some(source), Error::Field { field, .. }) if !from_flags(field) => {
                source.annotate(error)
            }
            _ => error,
        })
    }
}

/// Runs a parsed command; returns the exit code for success paths.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Synth(args) => synth_command(&args),
        Command::Validate(args) => validate_command(&args),
        Command::Init(args) => init_command(&args),
        Command::Explain(args) => explain_command(&args),
        Command::Verify(args) => verify_command(&args),
        Command::Schema(args) => {
            let text = emit::to_json(&config::schema::schema())?;
            write_or_print(args.output.as_ref(), text)?;
            Ok(exit::OK)
        }
    }
}

fn write_or_print(output: Option<&PathBuf>, text: String) -> Result<()> {
    match output {
        Some(path) => emit::write_all(&[(path.clone(), text)]),
        None => print(&text),
    }
}

fn explain_command(args: &ExplainArgs) -> Result<u8> {
    use crate::explain::{self, diagram::DiagramFormat};
    let settings = args.config.settings()?;
    let text = match (args.diagram, args.format) {
        (false, None | Some(ExplainFormat::Markdown)) => {
            explain::for_settings(&settings).to_markdown()
        }
        (false, Some(ExplainFormat::Json)) => emit::to_json(&explain::for_settings(&settings))?,
        (true, None | Some(ExplainFormat::Mermaid)) => {
            explain::diagram(&settings, DiagramFormat::Mermaid)?
        }
        (true, Some(ExplainFormat::Dot)) => explain::diagram(&settings, DiagramFormat::Dot)?,
        (diagram, Some(format)) => {
            return Err(Error::Usage(format!(
                "--format {} does not go with {}",
                format
                    .to_possible_value()
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default(),
                if diagram {
                    "--diagram (use mermaid or dot)"
                } else {
                    "the matrix (use markdown or json, or add --diagram)"
                }
            )))
        }
    };
    print(&text)?;
    Ok(exit::OK)
}

fn verify_command(args: &VerifyArgs) -> Result<u8> {
    use crate::ids::{AccountId, KmsKeyArn, Region};
    use crate::verify::{self, aws::Aws, checks, coverage, Accounts};
    let settings = args.config.settings()?;
    let flag = |name: &str, err: crate::ids::InvalidId| Error::field(name, err.to_string());
    let bucket = settings.bucket_name.as_ref().map(|b| b.to_string()).ok_or_else(|| {
        Error::Usage("verify needs the bucket's name: set bucket_name in smlog.yaml or pass --bucket-name".to_owned())
    })?;
    let key = |given: &Option<String>,
               configured: &Option<KmsKeyArn>,
               name: &str|
     -> Result<Option<String>> {
        match given {
            Some(arn) => Ok(Some(
                arn.parse::<KmsKeyArn>()
                    .map_err(|e| flag(name, e))?
                    .to_string(),
            )),
            None => Ok(configured.as_ref().map(|k| k.to_string())),
        }
    };
    if let Some(region) = &args.region {
        region.parse::<Region>().map_err(|e| flag("--region", e))?;
    }
    let stale_after = coverage::parse_duration(&args.stale_after).ok_or_else(|| {
        Error::field(
            "--stale-after",
            format!(
                "{:?} is not a duration such as 7d, 12h or 30m",
                args.stale_after
            ),
        )
    })?;
    let base = Aws {
        profile: args.profile.clone(),
        region: args.region.clone(),
        credentials: Vec::new(),
    };
    let aws_error = |e: verify::aws::AwsError| {
        Error::Internal(format!("aws CLI: {e}")).context("while listing accounts")
    };
    let listed: Option<Vec<String>> = match args.accounts.as_deref() {
        None => None,
        Some("all") => Some(coverage::organization_accounts(&base).map_err(aws_error)?),
        Some(list) => Some(
            list.split(',')
                .map(|id| {
                    id.trim()
                        .parse::<AccountId>()
                        .map(|a| a.to_string())
                        .map_err(|e| flag("--accounts", e))
                })
                .collect::<Result<_>>()?,
        ),
    };

    if args.central {
        let expected = listed.unwrap_or_else(|| {
            settings
                .principals
                .accounts
                .iter()
                .map(|a| a.to_string())
                .collect()
        });
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let report =
            coverage::report(&base, &bucket, &expected, stale_after, now).map_err(|e| {
                Error::Internal(format!("aws CLI: {e}")).context(format!("while listing {bucket}"))
            })?;
        print(&match args.format {
            VerifyFormat::Text => verify::coverage_text(&report),
            VerifyFormat::Json => emit::to_json(&report)?,
        })?;
        let complete = report.silent.is_empty() && report.stale.is_empty();
        return Ok(if complete { exit::OK } else { exit::VIOLATIONS });
    }

    let expected = checks::Expected {
        bucket,
        bucket_key_arn: key(
            &args.bucket_key_arn,
            &settings.member.bucket_key_arn,
            "--bucket-key-arn",
        )?,
        session_key_arn: key(
            &args.session_key_arn,
            &settings.member.session_key_arn,
            "--session-key-arn",
        )?,
        roles: checks::roles(&settings),
    };
    let (accounts, regions) = match listed {
        Some(ids) => {
            let role = args.assume_role.clone().ok_or_else(|| {
                Error::Usage("--accounts needs --assume-role NAME (for example OrganizationAccountAccessRole)".to_owned())
            })?;
            let regions = match &args.region {
                Some(region) => vec![region.clone()],
                None => settings
                    .rollout
                    .regions
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
            };
            (Accounts::Listed { ids, role }, regions)
        }
        None => {
            let region = base.effective_region().ok_or_else(|| {
                Error::Usage("no Region: pass --region or configure one for the aws CLI".to_owned())
            })?;
            (Accounts::Caller, vec![region])
        }
    };
    let found = verify::members(&base, &accounts, &regions, &expected);
    print(&match args.format {
        VerifyFormat::Text => verify::checks_text(&found),
        VerifyFormat::Json => emit::to_json(&found)?,
    })?;
    Ok(if verify::passed(&found) {
        exit::OK
    } else {
        exit::VIOLATIONS
    })
}

fn init_command(args: &InitArgs) -> Result<u8> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; use --force to replace it",
            args.output.display()
        )));
    }
    emit::write_all(&[(args.output.clone(), config::STARTER.to_owned())])?;
    Ok(exit::OK)
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io("<stdout>", e))
}

fn synth_command(args: &SynthArgs) -> Result<u8> {
    let settings = args.config.settings()?;
    let target = match args.target {
        SynthTarget::Central => Target::Central,
        SynthTarget::Member => Target::Member,
        SynthTarget::Rollout => Target::Rollout,
        SynthTarget::All => {
            let Some(dir) = &args.out_dir else {
                return Err(Error::Usage(
                    "`synth all` writes several files: give --out-dir DIR".to_owned(),
                ));
            };
            let files: Vec<(PathBuf, String)> = synth::all(&settings)?
                .into_iter()
                .map(|artefact| (dir.join(&artefact.path), artefact.text))
                .collect();
            emit::write_all(&files)?;
            return Ok(exit::OK);
        }
    };
    if args.out_dir.is_some() {
        return Err(Error::Usage(
            "--out-dir goes with `synth all`; use -o FILE for one template".to_owned(),
        ));
    }
    write_or_print(
        args.output.as_ref(),
        synth::one(&settings, target, args.format)?,
    )?;
    Ok(exit::OK)
}

fn validate_command(args: &ValidateArgs) -> Result<u8> {
    let mut rules = guard::builtin_rules();
    if let Some(dir) = &args.rules {
        rules.extend(validate::read_rules_dir(dir)?);
    }
    let settings = if args.files.is_empty() {
        args.config.settings()?
    } else {
        Settings::default()
    };
    let documents = validate::documents(&args.files, &settings)?;
    let outcome = validate::run(&documents, &rules, args.format)?;
    print(&outcome.report)?;
    Ok(if outcome.passed {
        exit::OK
    } else {
        exit::VIOLATIONS
    })
}
