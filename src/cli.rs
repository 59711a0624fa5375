//! The command line: subcommands, flags and their help, wired to the library.

use crate::config::{self, KeyMode, Overrides, Settings};
use crate::emit::{self, Format};
use crate::error::{exit, Error, Result};
use crate::synth::{self, Target};
use crate::validate::{self, ReportFormat};
use crate::{explain, verify};
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
  5  internal error
  6  AWS could not be asked (verify: the aws CLI failed outside a single check)";

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
when every check passes, 1 when any fails or an account is silent, 6 when AWS
cannot be asked at all (no credentials, the account list or bucket unreadable);
an AWS error inside one check fails that check only.")]
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
    /// The operators' IAM Identity Center permission set (with operators enabled)
    PermissionSet,
    /// For an existing bucket and key: the statements their policies must contain (JSON)
    CentralStatements,
    /// The guardrail service control policy (with guardrail enabled), for the management account
    Guardrail,
    /// VPC endpoints for nodes in private subnets (with endpoints enabled), a stack per VPC
    Endpoints,
    /// The log bucket's cross-Region replica (with replica.region), deployed before the central stack
    Replica,
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
        let overrides = Overrides {
            organization_id: self.organization_id.clone(),
            bucket_name: self.bucket_name.clone(),
            keys: self.keys.map(|keys| match keys {
                KeysArg::One => KeyMode::One,
                KeysArg::Two => KeyMode::Two,
            }),
        };
        config::load(self.config.as_deref(), &overrides)
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
    let view = match (args.diagram, args.format) {
        (false, None | Some(ExplainFormat::Markdown)) => explain::View::Markdown,
        (false, Some(ExplainFormat::Json)) => explain::View::Json,
        (true, None | Some(ExplainFormat::Mermaid)) => explain::View::Mermaid,
        (true, Some(ExplainFormat::Dot)) => explain::View::Dot,
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
    print(&explain::command(&args.config.settings()?, view)?)?;
    Ok(exit::OK)
}

fn verify_command(args: &VerifyArgs) -> Result<u8> {
    let options = verify::Options {
        central: args.central,
        accounts: args.accounts.clone(),
        assume_role: args.assume_role.clone(),
        stale_after: args.stale_after.clone(),
        profile: args.profile.clone(),
        region: args.region.clone(),
        bucket_key_arn: args.bucket_key_arn.clone(),
        session_key_arn: args.session_key_arn.clone(),
        json: args.format == VerifyFormat::Json,
    };
    let (report, passed) = verify::command(&args.config.settings()?, &options)?;
    print(&report)?;
    Ok(if passed { exit::OK } else { exit::VIOLATIONS })
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
        SynthTarget::PermissionSet => Target::PermissionSet,
        SynthTarget::CentralStatements => Target::CentralStatements,
        SynthTarget::Guardrail => Target::Guardrail,
        SynthTarget::Endpoints => Target::Endpoints,
        SynthTarget::Replica => Target::Replica,
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
    let mut rules = crate::gate::guard::builtin_rules().to_vec();
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
