//! Runs a parsed command line: each subcommand maps its flags onto the
//! library's options and prints or writes what comes back.

use super::{
    AuditArgs, Cli, Command, ExplainArgs, ExplainFormat, InitArgs, SynthArgs, SynthWhat,
    ValidateArgs, VerifyArgs, VerifyFormat,
};
use crate::error::{exit, Error, Result};
use crate::plan::Plan;
use crate::{audit, config, emit, explain, synth, validate, verify};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

/// Runs a parsed command; returns the exit code for success paths.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Synth(args) => synth_command(&args),
        Command::Validate(args) => validate_command(&args),
        Command::Init(args) => init_command(&args),
        Command::Explain(args) => explain_command(&args),
        Command::Verify(args) => verify_command(&args),
        Command::Audit(args) => audit_command(&args),
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

fn format_name(format: ExplainFormat) -> String {
    format
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

fn explain_command(args: &ExplainArgs) -> Result<u8> {
    if args.cost {
        let json = match args.format {
            None | Some(ExplainFormat::Markdown) => false,
            Some(ExplainFormat::Json) => true,
            Some(format) => {
                return Err(Error::Usage(format!(
                    "--format {} does not go with --cost (use markdown or json)",
                    format_name(format)
                )))
            }
        };
        let plan = args.config.plan()?;
        print(&explain::cost::command(&plan, &args.usage.usage(), json)?)?;
        return Ok(exit::OK);
    }
    let view = match (args.diagram, args.format) {
        (false, None | Some(ExplainFormat::Markdown)) => explain::View::Markdown,
        (false, Some(ExplainFormat::Json)) => explain::View::Json,
        (true, None | Some(ExplainFormat::Mermaid)) => explain::View::Mermaid,
        (true, Some(ExplainFormat::Dot)) => explain::View::Dot,
        (diagram, Some(format)) => {
            return Err(Error::Usage(format!(
                "--format {} does not go with {}",
                format_name(format),
                if diagram {
                    "--diagram (use mermaid or dot)"
                } else {
                    "the matrix (use markdown or json, or add --diagram)"
                }
            )))
        }
    };
    print(&explain::command(&args.config.plan()?, view)?)?;
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
    let (report, passed) = verify::command(&args.config.plan()?, &options)?;
    print(&report)?;
    Ok(if passed { exit::OK } else { exit::VIOLATIONS })
}

fn audit_command(args: &AuditArgs) -> Result<u8> {
    let options = audit::Options {
        accounts: args.accounts.clone(),
        assume_role: args.assume_role.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        grace: args.grace.clone(),
        regions: args.regions.clone(),
        central_account: args.central_account.clone(),
        profile: args.profile.clone(),
        format: args.format,
        concurrency: args.concurrency,
    };
    let outcome = audit::command(&args.config.plan()?, &options)?;
    print(&outcome.stdout)?;
    eprint!("{}", outcome.stderr);
    Ok(outcome.code)
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
    let plan = args.config.plan()?;
    let target = match args.target {
        SynthWhat::One(target) => target,
        SynthWhat::All => {
            let Some(dir) = &args.out_dir else {
                return Err(Error::Usage(
                    "`synth all` writes several files: give --out-dir DIR".to_owned(),
                ));
            };
            return synth_all(&plan, dir);
        }
    };
    if args.out_dir.is_some() {
        return Err(Error::Usage(
            "--out-dir goes with `synth all`; use -o FILE for one template".to_owned(),
        ));
    }
    write_or_print(
        args.output.as_ref(),
        synth::one(&plan, target, args.format)?,
    )?;
    Ok(exit::OK)
}

/// Writes every artefact under `dir`, and removes those an earlier run wrote
/// that this configuration no longer produces (naming each on stderr).
fn synth_all(plan: &Plan, dir: &std::path::Path) -> Result<u8> {
    let files: Vec<(PathBuf, String)> = synth::all(plan)?
        .into_iter()
        .map(|artefact| (dir.join(&artefact.path), artefact.text))
        .collect();
    let produced = plan.files();
    let stale: Vec<PathBuf> = Plan::known_files()
        .into_iter()
        .filter(|known| !produced.contains(known))
        .map(|known| dir.join(known))
        .filter(|path| path.is_file())
        .collect();
    emit::write_all_removing(&files, &stale)?;
    for path in stale {
        eprintln!(
            "smlog: removed {}: this configuration no longer produces it",
            path.display()
        );
    }
    Ok(exit::OK)
}

fn validate_command(args: &ValidateArgs) -> Result<u8> {
    let mut rules = crate::gate::guard::builtin_rules().to_vec();
    if let Some(dir) = &args.rules {
        rules.extend(validate::read_rules_dir(dir)?);
    }
    let plan = if args.files.is_empty() {
        args.config.plan()?
    } else {
        Plan::new(config::Settings::default())
    };
    let documents = validate::documents(&args.files, &plan)?;
    let outcome = validate::run(&documents, &rules, args.format)?;
    print(&outcome.report)?;
    Ok(if outcome.passed {
        exit::OK
    } else {
        exit::VIOLATIONS
    })
}
