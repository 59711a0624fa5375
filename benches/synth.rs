//! `cargo bench`: prints how long synthesis takes and how much memory it
//! needs, and how policy size and time grow with explicit accounts and Regions.
//! Figures only; no assertion here depends on time.

use smlog::config::{RawConfig, Settings};
use smlog::emit;
use smlog::gate::{self, guard, limits};
use smlog::names::logical::LOG_BUCKET_POLICY;
use smlog::plan::{Plan, Target};
use smlog::stacks::central;
use smlog::synth;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(work());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// Runs the binary to completion; returns its wall time and peak resident memory (KiB).
// The child is reaped by wait4, which also reports its peak memory.
#[allow(clippy::zombie_processes)]
fn run_process(args: &[&str], dir: &Path) -> (Duration, i64) {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_smlog"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("smlog runs");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, by pid, exactly once.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "smlog {args:?} failed"
    );
    (elapsed, usage.ru_maxrss)
}

fn with_accounts(count: usize) -> Settings {
    let mut settings = Settings::default();
    settings.scope.accounts = (0..count)
        .map(|i| {
            format!("{:012}", 300_000_000_000u64 + i as u64)
                .parse()
                .unwrap()
        })
        .collect();
    settings.scope.organization = None;
    settings
}

fn bucket_policy_bytes(settings: &Settings) -> usize {
    limits::measure(&central::build(&Plan::new(settings.clone())).unwrap())
        .into_iter()
        .find(|m| m.what == "bucket policy" && m.resource == LOG_BUCKET_POLICY)
        .map(|m| m.size)
        .unwrap_or_default()
}

/// The CDK app that synthesizes the same stacks (`node app.js`), measured on
/// the development machine: the figure smlog is compared with (issue #15).
const CDK_SYNTH: Duration = Duration::from_millis(2_200);

fn whole_process(args: &[&str], dir: &Path, runs: usize) -> (Duration, i64) {
    let samples: Vec<(Duration, i64)> = (0..runs).map(|_| run_process(args, dir)).collect();
    let wall = median(samples.iter().map(|r| r.0).collect());
    let peak = samples.iter().map(|r| r.1).max().unwrap();
    (wall, peak)
}

fn main() {
    // First, before anything else in this process has parsed a rule or
    // compiled a regular expression: what a `smlog synth` pays once.
    let parse_cold = {
        let start = Instant::now();
        std::hint::black_box(guard::RuleSet::parse(guard::builtin_rules()).unwrap());
        start.elapsed()
    };
    let dir = tempfile::tempdir().unwrap();
    let defaults = Plan::new(Settings::default());

    println!("== smlog synth all (whole process, default configuration: 3 templates gated)");
    let (wall, peak) = whole_process(&["synth", "all", "--out-dir", "out"], dir.path(), 40);
    let (floor, _) = whole_process(&["--version"], dir.path(), 40);
    println!("   median wall time   {}   (target ≤ 8 ms)", ms(wall));
    println!(
        "   peak memory        {:.1} MiB   (target ≤ 12 MiB)",
        peak as f64 / 1024.0
    );
    println!(
        "   CDK app (node app.js, same stacks) {} ms: smlog is {:.0}× faster   (target ≥ 250×)",
        CDK_SYNTH.as_millis(),
        CDK_SYNTH.as_secs_f64() / wall.as_secs_f64()
    );

    println!("== where the time goes (in-process medians; the rest is process start)");
    let templates = synth::build(&defaults).unwrap();
    let named: Vec<(&str, &smlog::cfn::Template)> = defaults
        .checked_targets()
        .iter()
        .map(|t| (t.path(), templates.get(*t).unwrap()))
        .collect();
    let build = time(50, || synth::build(&defaults).unwrap());
    let render = time(50, || {
        named
            .iter()
            .map(|(_, t)| emit::to_yaml(*t).unwrap())
            .collect::<Vec<_>>()
    });
    let parse_warm = time(20, || {
        guard::RuleSet::parse(guard::builtin_rules()).unwrap()
    });
    let first_gate = {
        let start = Instant::now();
        gate::enforce_rules(&named).unwrap();
        start.elapsed()
    };
    let gate_each: Vec<(String, Duration)> = named
        .iter()
        .map(|(name, template)| {
            let one = [(*name, *template)];
            (
                name.to_string(),
                time(30, || gate::enforce_rules(&one).unwrap()),
            )
        })
        .collect();
    let files: Vec<(std::path::PathBuf, String)> = named
        .iter()
        .map(|(name, t)| {
            (
                dir.path().join("emit").join(name),
                emit::to_yaml(*t).unwrap(),
            )
        })
        .collect();
    let write = time(30, || emit::write_all(&files).unwrap());
    println!(
        "   process start      {}   (`smlog --version`, whole process)",
        ms(floor)
    );
    println!(
        "   rules: parse       {} cold, {} warm (10 files, once per process)",
        ms(parse_cold),
        ms(parse_warm)
    );
    println!("   build templates    {}", ms(build));
    println!("   render YAML        {}", ms(render));
    println!(
        "   gate, first call   {}   (all three, parse included)",
        ms(first_gate)
    );
    for (name, elapsed) in &gate_each {
        println!("   gate {name:<26}{}", ms(*elapsed));
    }
    println!(
        "   write files        {}   (atomic: temporary file + rename, no fsync)",
        ms(write)
    );

    println!("== explicit accounts: central template, built, sized and checked");
    let capacity = synth::account_capacity(&Plan::new(with_accounts(1)));
    println!(
        "   {:>8} {:>12} {:>22} {:>14}",
        "accounts", "time", "bucket policy (bytes)", "of the limit"
    );
    for count in [10, 100, 1_000, capacity] {
        let settings = with_accounts(count);
        let elapsed = time(10, || {
            synth::one(
                &Plan::new(settings.clone()),
                Target::Central,
                emit::Format::Yaml,
            )
            .unwrap()
        });
        let size = bucket_policy_bytes(&settings);
        println!(
            "   {count:>8} {:>12} {size:>22} {:>13.1}%",
            ms(elapsed),
            100.0 * size as f64 / limits::BUCKET_POLICY_BYTES as f64
        );
    }
    let (_, peak) = {
        let config = dir.path().join("accounts.yaml");
        let ids: Vec<String> = (0..capacity)
            .map(|i| format!("'{:012}'", 300_000_000_000u64 + i as u64))
            .collect();
        std::fs::write(&config, format!("accounts: [{}]\n", ids.join(", "))).unwrap();
        run_process(&["synth", "-c", config.to_str().unwrap()], dir.path())
    };
    println!(
        "   peak memory of `smlog synth` with {capacity} accounts: {:.1} MiB",
        peak as f64 / 1024.0
    );

    println!("== Regions in the rollout: every template, built and checked");
    let regions = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "sa-east-1",
    ];
    for count in [1, 4, 16] {
        let yaml = format!("rollout:\n  regions: [{}]\n", regions[..count].join(", "));
        let settings = RawConfig::from_yaml(&yaml, Path::new("bench.yaml"))
            .unwrap()
            .resolve()
            .unwrap();
        let plan = Plan::new(settings);
        let elapsed = time(20, || synth::all(&plan).unwrap());
        println!("   {count:>3} Regions   {}", ms(elapsed));
    }
}
