//! `cargo bench`: prints how long synthesis takes and how much memory it
//! needs, and how policy size and time grow with explicit accounts and Regions.
//! Figures only; no assertion here depends on time.

use smlog::config::{RawConfig, Settings};
use smlog::emit;
use smlog::gate::{self, limits};
use smlog::stacks::central;
use smlog::synth::{self, Target};
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
    limits::measure(&central::build(settings).unwrap().unwrap())
        .into_iter()
        .find(|m| m.what == "bucket policy")
        .map(|m| m.size)
        .unwrap_or_default()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = Settings::default();

    println!("== smlog synth all (whole process, default configuration)");
    let runs: Vec<(Duration, i64)> = (0..30)
        .map(|_| run_process(&["synth", "all", "--out-dir", "out"], dir.path()))
        .collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let peak = runs.iter().map(|r| r.1).max().unwrap();
    println!("   median wall time   {}   (target ≤ 15 ms)", ms(wall));
    println!(
        "   peak memory        {:.1} MiB   (target ≤ 15 MiB)",
        peak as f64 / 1024.0
    );

    println!("== validation cost (in-process, all three templates)");
    let build_only = time(50, || {
        let templates = synth::build(&defaults).unwrap();
        let rollout = synth::rollout(&defaults, &templates.member).unwrap();
        (
            emit::to_yaml(templates.central.as_ref().unwrap()).unwrap(),
            emit::to_yaml(&rollout.template).unwrap(),
        )
    });
    let templates = synth::build(&defaults).unwrap();
    let rollout = synth::rollout(&defaults, &templates.member).unwrap();
    let named: Vec<(&str, &smlog::cfn::Template)> = vec![
        (Target::Central.path(), templates.central.as_ref().unwrap()),
        (Target::Member.path(), &templates.member),
        (Target::Rollout.path(), &rollout.template),
    ];
    let first_check = {
        let start = Instant::now();
        gate::enforce_rules(&named).unwrap();
        start.elapsed()
    };
    let check = time(50, || gate::enforce_rules(&named).unwrap());
    println!("   build + render     {}", ms(build_only));
    println!(
        "   cfn-guard check    {} (first call in a process: {})   (target < 20 ms)",
        ms(check),
        ms(first_check)
    );

    println!("== explicit accounts: central template, built, sized and checked");
    let capacity = synth::account_capacity(&with_accounts(1));
    println!(
        "   {:>8} {:>12} {:>22} {:>14}",
        "accounts", "time", "bucket policy (bytes)", "of the limit"
    );
    for count in [10, 100, 1_000, capacity] {
        let settings = with_accounts(count);
        let elapsed = time(10, || {
            synth::one(&settings, Target::Central, emit::Format::Yaml).unwrap()
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
        let elapsed = time(20, || synth::all(&settings).unwrap());
        println!("   {count:>3} Regions   {}", ms(elapsed));
    }
}
