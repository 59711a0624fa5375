//! The command line: subcommands, flags and their help. `run` wires them
//! to the library; `choice` lists the library's enums as flag values.

mod choice;
mod run;

pub use run::run;

use crate::config::{self, KeyMode, Overrides};
use crate::emit::Format;
use crate::error::Result;
use crate::plan::{Plan, Target};
use crate::validate::ReportFormat;
use choice::choice;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  policy violations (the templates break the cfn-guard rules), verify checks failed,
     or audit found a loggable session without its transcript
  2  usage error (bad command line)
  3  configuration error (bad value, unknown key, AWS limit exceeded)
  4  a file could not be read or written
  5  internal error
  6  AWS could not be asked (verify: the aws CLI failed outside a single check;
     audit: no credentials, the account list unreadable, or an account or Region it could not audit)";

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
    /// Show who may do what (a matrix computed from the templates), draw the setup, or price it
    #[command(after_help = "Examples:
  smlog explain                      # the access matrix, as Markdown
  smlog explain --format json
  smlog explain --diagram            # a Mermaid flowchart
  smlog explain --diagram --format dot | dot -Tpng > setup.png
  smlog explain --cost               # the monthly bill and the first rollout's duration
  smlog explain --cost --accounts 5000 --regions 17 --format json")]
    Explain(ExplainArgs),
    /// Check a deployment: preferences, bucket encryption, published names, RDP recording and agent policy, or log coverage
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
    /// Check that every session in a time window left a transcript in the central bucket
    #[command(after_help = "Examples:
  smlog audit                                     # this account, the last 7 days, rollout.regions
  smlog audit --since 2026-12-01 --until 2026-12-02T12:00:00Z --regions eu-west-1
  smlog audit --accounts all --assume-role smlog-session-auditor --since 24h
  smlog audit --accounts 111111111111,222222222222 --assume-role OrganizationAccountAccessRole --format csv > sessions.csv

Each session DescribeSessions reports (ended, started in the window) is matched to
BUCKET/ACCOUNT/REGION/<session id>.log (and, with cloudwatch.enabled, its log stream):
  found         the transcript is there
  missing       a loggable session left none
  pending       none yet, but the session ended less than --grace (10m) ago
  not-loggable  SSH or port forwarding: Session Manager never logs these
The bucket is listed from the central account (the key ARNs in smlog.yaml, or
--central-account): directly when you run there, else with --assume-role there.
The least-privilege policies are `smlog synth audit-policy`. Credentials: the
AWS_* variables, else `aws configure export-credentials` (aws CLI v2; --profile);
AWS_ENDPOINT_URL is honoured. A progress line shows on stderr when it is a terminal.

Exit code 0 when every loggable session left its transcript, 1 when any is missing,
6 when an account or Region could not be audited (named in the report) or AWS cannot
be asked at all, 2 for a bad flag, 3 when the configuration names no bucket.")]
    Audit(AuditArgs),
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
    /// The matrix as a Markdown table with reasons (with --cost: the bill's tables)
    Markdown,
    /// The matrix as JSON (with --cost: the bill)
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
    /// What the configuration costs AWS a month, line by line, and how long its first rollout takes
    #[arg(long, conflicts_with = "diagram")]
    pub cost: bool,
    /// markdown or json for the matrix and the cost; mermaid or dot for the diagram
    #[arg(long, value_enum)]
    pub format: Option<ExplainFormat>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub usage: UsageArgs,
}

fn count(max: i64) -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(0..=max)
}

fn positive(max: i64) -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=max)
}

fn minutes(text: &str) -> std::result::Result<f64, String> {
    match text.parse::<f64>() {
        Ok(m) if (0.1..=60.0).contains(&m) => Ok(m),
        _ => Err(format!(
            "{text:?} is not a number of minutes from 0.1 to 60"
        )),
    }
}

/// The organisation `explain --cost` prices the configuration for.
#[derive(Debug, Args)]
#[command(next_help_heading = "With --cost")]
pub struct UsageArgs {
    /// Accounts [default: the accounts the configuration names, else 1,000]
    #[arg(long, value_name = "N", requires = "cost", value_parser = positive(1_000_000))]
    pub accounts: Option<u32>,
    /// Regions [default: rollout.regions]
    #[arg(long, value_name = "N", requires = "cost", value_parser = positive(100))]
    pub regions: Option<u32>,
    /// Sessions per account and month [default: 100]
    #[arg(long, value_name = "N", requires = "cost", value_parser = count(10_000_000))]
    pub sessions: Option<u32>,
    /// Average transcript size in KB [default: 50]
    #[arg(long, value_name = "KB", requires = "cost", value_parser = positive(5_000_000))]
    pub session_kb: Option<u32>,
    /// Months of transcripts the bucket holds [default: 12]
    #[arg(long, value_name = "N", requires = "cost", value_parser = positive(1_200))]
    pub months_kept: Option<u32>,
    /// IAM role events per account and month that run the controller [default: 20]
    #[arg(long, value_name = "N", requires = "cost", value_parser = count(1_000_000))]
    pub role_events: Option<u32>,
    /// VPCs with the endpoints stack, when endpoints are on [default: one per account]
    #[arg(long, value_name = "N", requires = "cost", value_parser = count(10_000_000))]
    pub vpcs: Option<u32>,
    /// Availability Zones per endpoint [default: 2]
    #[arg(long, value_name = "N", requires = "cost", value_parser = positive(6))]
    pub endpoint_azs: Option<u32>,
    /// Minutes one stack instance takes in a rollout [default: 1.5]
    #[arg(long, value_name = "MIN", requires = "cost", value_parser = minutes)]
    pub minutes_per_instance: Option<f64>,
}

impl UsageArgs {
    pub fn usage(&self) -> crate::explain::cost::Usage {
        let defaults = crate::explain::cost::Usage::default();
        crate::explain::cost::Usage {
            accounts: self.accounts,
            regions: self.regions,
            sessions: self.sessions.unwrap_or(defaults.sessions),
            session_kb: self.session_kb.unwrap_or(defaults.session_kb),
            months_kept: self.months_kept.unwrap_or(defaults.months_kept),
            role_events: self.role_events.unwrap_or(defaults.role_events),
            vpcs: self.vpcs,
            endpoint_azs: self.endpoint_azs.unwrap_or(defaults.endpoint_azs),
            minutes_per_instance: self
                .minutes_per_instance
                .unwrap_or(defaults.minutes_per_instance),
        }
    }
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

fn audit_format() -> impl TypedValueParser<Value = crate::audit::Format> {
    choice(
        crate::audit::Format::ALL
            .into_iter()
            .map(|f| (f, f.name(), None))
            .collect(),
    )
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// `all` (the organisation's active accounts) or a comma-separated list of account ids [default: this account]
    #[arg(long, value_name = "all|ID,…")]
    pub accounts: Option<String>,
    /// With --accounts: the role to assume in each account (and in the central account for the bucket)
    #[arg(long, value_name = "NAME")]
    pub assume_role: Option<String>,
    /// Sessions that started at or after: an ISO-8601 time or an age (7d, 12h, 30m)
    #[arg(long, value_name = "WHEN", default_value = "7d")]
    pub since: String,
    /// Sessions that started before: an ISO-8601 time or an age [default: now]
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// A session that ended less than this ago without its transcript is `pending`, not `missing`
    #[arg(long, value_name = "AGE", default_value = "10m")]
    pub grace: String,
    /// Comma-separated Regions [default: rollout.regions]
    #[arg(long, value_name = "REGION,…")]
    pub regions: Option<String>,
    /// The account that holds the bucket [default: the one in member.bucket_key_arn, else this account]
    #[arg(long, value_name = "ID")]
    pub central_account: Option<String>,
    /// aws CLI profile to take credentials from
    #[arg(long)]
    pub profile: Option<String>,
    /// Accounts and Regions audited at once (1 to 256)
    #[arg(long, value_name = "N", default_value_t = crate::audit::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    #[arg(long, value_parser = audit_format(), default_value = "table")]
    pub format: crate::audit::Format,
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

/// What `synth` writes: one target, or every artefact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthWhat {
    One(Target),
    All,
}

fn synth_what() -> impl TypedValueParser<Value = SynthWhat> {
    let mut choices: Vec<(SynthWhat, &'static str, Option<&'static str>)> = Target::ALL
        .into_iter()
        .map(|t| (SynthWhat::One(t), t.cli_name(), Some(t.help())))
        .collect();
    choices.push((
        SynthWhat::All,
        "all",
        Some("Every artefact the configuration produces, written under --out-dir in the repository layout"),
    ));
    choice(choices)
}

fn format() -> impl TypedValueParser<Value = Format> {
    choice(
        Format::ALL
            .into_iter()
            .map(|f| (f, f.name(), None))
            .collect(),
    )
}

fn report_format() -> impl TypedValueParser<Value = ReportFormat> {
    choice(
        ReportFormat::ALL
            .into_iter()
            .map(|f| (f, f.name(), None))
            .collect(),
    )
}

fn key_mode() -> impl TypedValueParser<Value = KeyMode> {
    choice(vec![
        (
            KeyMode::One,
            "one",
            Some("one key for the bucket and the sessions"),
        ),
        (KeyMode::Two, "two", Some("a bucket key and a session key")),
    ])
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
    #[arg(long, value_parser = key_mode(), value_name = "MODE")]
    pub keys: Option<KeyMode>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// What to synthesize
    #[arg(value_parser = synth_what(), default_value = "central")]
    pub target: SynthWhat,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format of a single template
    #[arg(long, value_parser = format(), default_value = "yaml")]
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
    #[arg(long, value_parser = report_format(), default_value = "text")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl ConfigArgs {
    /// Loads the file, applies the flags, checks everything once and plans.
    pub fn plan(&self) -> Result<Plan> {
        let overrides = Overrides {
            organization_id: self.organization_id.clone(),
            bucket_name: self.bucket_name.clone(),
            keys: self.keys,
        };
        config::load(self.config.as_deref(), &overrides).map(Plan::new)
    }
}
