//! Property tests over generated configurations, a fuzz loop over the config
//! parser, and atomic output into a directory that cannot be written.
//! The generator is a small seeded PRNG, so every run checks the same cases.

use super::support::{empty_dir, smlog_in, stderr, ReadOnly};
use smlog::config::{RawConfig, STARTER};
use smlog::synth;
use std::path::Path;

/// xorshift64*: small, seeded, good enough to spread cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A string from the alphabet, its length drawn from `lengths`.
    fn chars(&mut self, alphabet: &str, lengths: std::ops::Range<usize>) -> String {
        let alphabet: Vec<char> = alphabet.chars().collect();
        let len = lengths.start + self.below(lengths.len().max(1));
        (0..len).map(|_| *self.pick(&alphabet)).collect()
    }
}

const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const REGIONS: [&str; 6] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-2",
    "ap-southeast-4",
    "us-gov-west-1",
];

fn valid_config(rng: &mut Rng) -> String {
    let mut yaml = String::new();
    let org = format!("o-{}", rng.chars(LOWER_DIGITS, 10..33));
    if rng.chance(60) {
        yaml.push_str(&format!("organization_id: {org}\n"));
    }
    if rng.chance(30) {
        yaml.push_str(&format!(
            "organization_paths: ['{org}/r-{}/']\n",
            rng.chars(LOWER_DIGITS, 4..5)
        ));
    }
    if rng.chance(30) {
        let accounts: Vec<String> = (0..1 + rng.below(40))
            .map(|i| format!("'{:012}'", 100_000_000_000u64 + i as u64))
            .collect();
        yaml.push_str(&format!("accounts: [{}]\n", accounts.join(", ")));
    }
    if rng.chance(50) {
        let middle = rng.chars(&format!("{LOWER_DIGITS}-"), 1..40);
        yaml.push_str(&format!("bucket_name: b{middle}z\n"));
    }
    yaml.push_str(&format!("keys: {}\n", rng.pick(&["one", "two"])));
    let home = *rng.pick(&REGIONS);
    yaml.push_str(&format!("home_region: {home}\n"));
    yaml.push_str(&format!(
        "member:\n  repair_interval_hours: {}\n  attach:\n    default_host_management_role: {}\n    role_names: [{}]\n",
        1 + rng.below(24),
        rng.chance(50),
        (0..rng.below(4)).map(|i| format!("'Role-{i}_{}'", rng.chars("ABCxyz019+=.@", 5..6))).collect::<Vec<_>>().join(", ")
    ));
    yaml.push_str(&format!(
        "session:\n  idle_timeout_minutes: {}\n",
        1 + rng.below(60)
    ));
    if rng.chance(50) {
        yaml.push_str(&format!(
            "  max_duration_minutes: {}\n",
            1 + rng.below(1440)
        ));
    }
    if rng.chance(30) {
        yaml.push_str(&format!("  run_as_user: u{}\n", rng.chars("abc_-1", 0..20)));
    }
    if rng.chance(30) {
        yaml.push_str(&format!(
            "  linux_shell_profile: '{}'\n",
            rng.chars("abc ;|$:#{}\"-", 0..200).replace('\'', "")
        ));
    }
    // One partition's Regions: an organisation lives in one.
    let regions: Vec<&str> = REGIONS
        .iter()
        .copied()
        .filter(|r| r.starts_with("us-gov-") == home.starts_with("us-gov-") && rng.chance(50))
        .collect();
    yaml.push_str(&format!(
        "rollout:\n  call_as: {}\n  max_concurrent_percentage: {}\n  regions: [{}]\n",
        rng.pick(&["SELF", "DELEGATED_ADMIN"]),
        rng.below(101),
        if regions.is_empty() {
            home.to_owned()
        } else {
            regions.join(", ")
        }
    ));
    if rng.chance(50) {
        yaml.push_str(&format!(
            "  organizational_unit_ids: [r-{}, ou-{}-{}]\n",
            rng.chars(LOWER_DIGITS, 4..5),
            rng.chars(LOWER_DIGITS, 4..5),
            rng.chars(LOWER_DIGITS, 8..9)
        ));
    }
    yaml
}

/// One field made invalid, as a line to append or replace.
fn break_one(rng: &mut Rng, yaml: &str) -> String {
    let bad: [(&str, &str); 12] = [
        ("organization_id", "organization_id: o-12\n"),
        ("bucket_name", "bucket_name: Bad_Bucket\n"),
        ("keys", "keys: many\n"),
        ("home_region", "home_region: moon-1\n"),
        ("accounts", "accounts: ['1234']\n"),
        ("organization_paths", "organization_paths: [r-ab12/]\n"),
        ("member", "member:\n  iam_region: nowhere\n"),
        ("member", "member:\n  session_key_arn: alias/x\n"),
        ("session", "session:\n  idle_timeout_minutes: 0\n"),
        ("session", "session:\n  max_duration_minutes: 99999\n"),
        ("rollout", "rollout:\n  regions: []\n"),
        ("rollout", "rollout:\n  failure_tolerance_percentage: 101\n"),
    ];
    let (key, replacement) = *rng.pick(&bad);
    // Drop the key's own block, then add the broken one.
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in yaml.lines() {
        if !line.starts_with(' ') {
            skipping = line.starts_with(&format!("{key}:"));
        }
        if !skipping {
            kept.push(line);
        }
    }
    format!("{}\n{replacement}", kept.join("\n"))
}

fn parse(yaml: &str) -> smlog::error::Result<smlog::config::Settings> {
    RawConfig::from_yaml(yaml, Path::new("generated.yaml"))?.resolve()
}

#[test]
fn valid_configurations_always_synthesize_templates_that_pass_the_rules() {
    let mut rng = Rng(0x5eed_0001);
    for case in 0..120 {
        let yaml = valid_config(&mut rng);
        let settings =
            parse(&yaml).unwrap_or_else(|e| panic!("case {case} should be valid: {e}\n{yaml}"));
        let artefacts = synth::all(&smlog::plan::Plan::new(settings.clone()))
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{yaml}"));
        // central, member, rollout, audit policy, the two CLI inputs, DEPLOY.md
        assert_eq!(artefacts.len(), 7);
    }
}

#[test]
fn invalid_configurations_always_return_an_error() {
    let mut rng = Rng(0x5eed_0002);
    for case in 0..600 {
        let valid = valid_config(&mut rng);
        let yaml = break_one(&mut rng, &valid);
        let error = parse(&yaml).expect_err(&format!("case {case} should be refused:\n{yaml}"));
        assert_eq!(error.exit_code(), 3, "case {case}: {error}");
    }
}

/// Byte-level mutations of real configuration text: the parser answers
/// every one with settings or an error, never a panic.
#[test]
fn fuzzing_the_parser_finds_no_panic() {
    let mut rng = Rng(0x5eed_0003);
    let seeds = [
        STARTER.to_owned(),
        valid_config(&mut rng),
        valid_config(&mut rng),
    ];
    let tokens = [
        "[", "]", "{", "}", ":", "- ", "&a ", "*a", "!!str ", "\t", "\n", "'", "\"", "#", "~",
        "0x1F", "\u{0}", "é", "---\n", "? ",
    ];
    let cases = std::env::var("SMLOG_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    for _ in 0..cases {
        let mut bytes = rng.pick(&seeds).clone().into_bytes();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(4) {
                0 if !bytes.is_empty() => {
                    let end = (at + rng.below(16)).min(bytes.len());
                    bytes.drain(at.min(end)..end);
                }
                1 => bytes
                    .splice(at..at, rng.pick(&tokens).bytes())
                    .for_each(drop),
                2 if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => bytes.insert(at, rng.next() as u8),
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = parse(&text);
        }
    }
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_read_only_target_is_left_exactly_as_it_was() {
    let dir = empty_dir();
    let target = dir.path().join("out");
    std::fs::create_dir_all(target.join("templates")).unwrap();
    std::fs::write(target.join("templates/central.yaml"), "previous\n").unwrap();
    std::fs::write(target.join("central.yaml"), "previous\n").unwrap();
    let before = listing(&target);
    {
        let _guard = ReadOnly::new(&target);
        let output = smlog_in(dir.path(), &["synth", "-o", "out/central.yaml"]);
        assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
        assert!(stderr(&output).contains("out"), "{}", stderr(&output));
        let output = smlog_in(dir.path(), &["synth", "all", "--out-dir", "out"]);
        assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    }
    assert_eq!(listing(&target), before);
}

#[test]
fn a_failing_synth_all_writes_none_of_its_files() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("smlog.yaml"),
        "session:\n  idle_timeout_minutes: 99\n",
    )
    .unwrap();
    let output = smlog_in(dir.path(), &["synth", "all", "--out-dir", "out"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(!dir.path().join("out").exists());
}
