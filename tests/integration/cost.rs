//! `smlog explain --cost`: each line's arithmetic against figures computed
//! here by hand from the price table; the promises (the controllers
//! of 1,000 accounts ≤ $5 a month; per-account keys at 5,000 × 17 ≈ $85k;
//! 10 accounts × 17 Regions rolled out in ≤ 5 minutes); the JSON adding up;
//! bad flags refused; and the model held to the templates and the
//! controller's source.

use super::support::{empty_dir, example_settings, repo_path, smlog_in, stderr, stdout};
use smlog::config::Settings;
use smlog::explain::cost::{self, controller, Estimate, Line, Part, Usage};
use smlog::explain::prices;
use smlog::plan::Plan;

fn estimate(settings: Settings, accounts: u32, regions: Option<u32>) -> Estimate {
    let usage = Usage {
        accounts: Some(accounts),
        regions,
        ..Usage::default()
    };
    cost::estimate(&Plan::new(settings), &usage).expect("an estimate")
}

fn line<'a>(estimate: &'a Estimate, item: &str) -> &'a Line {
    estimate
        .lines
        .iter()
        .find(|l| l.item.starts_with(item))
        .unwrap_or_else(|| panic!("no line {item:?} in {:#?}", estimate.lines))
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    let tolerance = 1e-9 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not {expected}"
    );
}

fn controller_total(estimate: &Estimate) -> f64 {
    estimate
        .lines
        .iter()
        .filter(|l| l.part == Part::Controller)
        .map(|l| l.first_year)
        .sum()
}

/// The controllers' bill, by hand: runs a month (730 h / 6 h, 20 role
/// events, 2 stack events), seconds a run (0.8 cold start + 1.0 roles +
/// 1.0 per 8 Regions; +10 after a role event), 256 MB, 600 + 120 bytes a
/// Region logged each run, kept 90 days, a report for each role and stack event.
fn hand_controller(accounts: f64, regions: f64) -> [(&'static str, f64); 5] {
    let schedule = 730.0 / 6.0;
    let runs = schedule + 20.0 + 2.0;
    let seconds = 0.8 + 1.0 + (regions / 8.0).ceil() * 1.0;
    let gb_seconds = accounts * ((schedule + 2.0) * seconds + 20.0 * (seconds + 10.0)) * 0.25;
    let log_gb = accounts * runs * (600.0 + 120.0 * regions) / 1e9;
    [
        (
            "Lambda invocations",
            accounts * runs / 1e6 * prices::LAMBDA_REQUESTS.usd,
        ),
        ("Lambda duration", gb_seconds * prices::LAMBDA_DURATION.usd),
        (
            "the controller's logs, ingested",
            log_gb * prices::LOGS_INGESTION.usd,
        ),
        (
            "the controller's logs, kept",
            log_gb * 90.0 / (730.0 / 24.0) * prices::LOGS_STORAGE.usd,
        ),
        (
            "EventBridge: the controllers' reports",
            accounts * 22.0 / 1e6 * prices::EVENTS_CUSTOM.usd,
        ),
    ]
}

#[test]
fn the_controllers_of_1000_accounts_cost_under_5_dollars_a_month() {
    for regions in [1, 4, 17] {
        let estimate = estimate(Settings::default(), 1_000, Some(regions));
        let mut total = 0.0;
        for (item, expected) in hand_controller(1_000.0, f64::from(regions)) {
            assert_close(line(&estimate, item).first_year, expected, item);
            total += expected;
        }
        assert_close(controller_total(&estimate), total, "controller subtotal");
        assert!(total <= 5.0, "{regions} Regions: ${total:.2} a month");
    }
    // 17 Regions: 1,000 × (123.67 × 4.8 s + 20 × 14.8 s) × 0.25 GB = 222,400 GB-s.
    let estimate = estimate(Settings::default(), 1_000, Some(17));
    assert_close(
        line(&estimate, "Lambda duration").quantity,
        222_400.0,
        "GB-seconds",
    );
    assert_close(
        line(&estimate, "Lambda invocations").quantity,
        1_000.0 * (730.0 / 6.0 + 22.0),
        "runs",
    );
}

#[test]
fn per_account_keys_at_5000_accounts_and_17_regions_cost_85000_dollars_a_month() {
    let estimate = estimate(example_settings("per-account-keys"), 5_000, Some(17));
    let keys = line(&estimate, "keys in every account and Region");
    assert_eq!(keys.quantity, 85_000.0);
    assert_close(
        keys.first_year,
        85_000.0 * prices::KMS_KEY.usd,
        "per-account keys",
    );
    // 85,000 keys in the accounts and the bucket key, each rotated twice from the third year.
    let rotation = line(&estimate, "automatic rotation");
    assert_eq!(
        (rotation.first_year, rotation.quantity),
        (0.0, 85_001.0 * 2.0)
    );
    assert_close(
        rotation.from_third_year,
        170_002.0 * prices::KMS_ROTATION.usd,
        "rotation",
    );
    assert!(
        (85_000.0..86_000.0).contains(&estimate.total_first_year),
        "{}",
        estimate.total_first_year
    );
    assert!(estimate.total_from_third_year > 255_000.0);
    let central = estimate
        .comparison
        .as_ref()
        .expect("a comparison with central keys");
    assert!(central.first_year < 200.0, "{}", central.first_year);
    assert!(estimate
        .warnings
        .iter()
        .any(|w| w.contains("per-account session keys")));
}

#[test]
fn a_central_session_key_has_a_replica_in_every_other_region() {
    // Two central keys at home, 16 replicas; 18 keys rotated twice.
    let estimate = estimate(Settings::default(), 1_000, Some(17));
    assert_eq!(
        line(
            &estimate,
            "central keys, home Region (BucketKey, SessionKey)"
        )
        .quantity,
        2.0
    );
    assert_eq!(
        line(&estimate, "replicas of the central session key").quantity,
        16.0
    );
    assert_eq!(line(&estimate, "automatic rotation").quantity, 36.0);
    assert!(estimate
        .lines
        .iter()
        .all(|l| !l.item.starts_with("keys in every account")));
    assert!(estimate.comparison.is_none());
}

#[test]
fn session_lines_follow_the_hand_arithmetic() {
    // The CloudWatch example (endpoints on) at 1,000 accounts × 4 Regions.
    let estimate = estimate(example_settings("cloudwatch"), 1_000, Some(4));
    let sessions = 1_000.0 * 100.0;
    let gb = sessions * 50.0 / 1_048_576.0;
    let expected = [
        ("KMS: session data", sessions * 2.0 / 10_000.0 * 0.03),
        ("KMS: transcripts", sessions / 10_000.0 * 0.03),
        (
            "KMS: CloudWatch Logs encrypting",
            sessions / 10_000.0 * 0.03,
        ),
        ("S3: transcripts uploaded", sessions / 1_000.0 * 0.005),
        (
            "S3: the agent's GetBucketEncryption",
            sessions / 1_000.0 * 0.0004,
        ),
        ("S3: transcripts stored", gb * 12.0 * 0.023),
        ("CloudWatch Logs: session logs ingested", gb * 0.50),
        (
            "CloudWatch Logs: session logs kept 365 days",
            gb * 365.0 / (730.0 / 24.0) * 0.03,
        ),
        // The logs key in every account and Region: 1,000 × 4.
        ("keys in every account and Region (SessionLogsKey)", 4_000.0),
        // ssm, ssmmessages, ec2messages, kms, logs; one VPC per account, 2 AZs.
        ("interface endpoints", 1_000.0 * 5.0 * 2.0 * 730.0 * 0.01),
        ("data through the endpoints", gb * 0.01),
        // The controller finds the logs key by alias in each Region, every run.
        (
            "KMS: the controller finding",
            1_000.0 * (730.0 / 6.0 + 22.0) * 4.0 / 10_000.0 * 0.03,
        ),
    ];
    for (item, dollars) in expected {
        assert_close(line(&estimate, item).first_year, dollars, item);
    }
    assert!(estimate
        .warnings
        .iter()
        .any(|w| w.contains("session log groups' keys")));
}

#[test]
fn every_line_is_its_quantity_at_its_price_and_the_totals_add_up() {
    for name in [
        "cloudwatch",
        "retention-and-operators",
        "per-account-keys",
        "existing-bucket",
        "one-key",
    ] {
        let estimate = estimate(example_settings(name), 250, Some(5));
        for l in &estimate.lines {
            let price = prices::ALL
                .iter()
                .find(|p| p.id == l.price)
                .expect("a listed price");
            let cost = l.quantity / price.per_count * price.usd;
            if l.item.starts_with("automatic rotation") {
                assert_close(l.from_third_year, cost, &l.item);
            } else {
                assert_close(l.first_year, cost, &l.item);
                assert_close(l.from_third_year, cost, &l.item);
            }
        }
        let sum: f64 = estimate.lines.iter().map(|l| l.first_year).sum();
        assert_close(estimate.total_first_year, sum, name);
        let parts: f64 = estimate.subtotals.iter().map(|s| s.from_third_year).sum();
        assert_close(estimate.total_from_third_year, parts, name);
    }
}

#[test]
fn the_json_parses_and_its_lines_sum_to_its_totals() {
    let dir = empty_dir();
    let out = smlog_in(
        dir.path(),
        &[
            "explain",
            "--cost",
            "--format",
            "json",
            "--accounts",
            "1000",
            "--regions",
            "17",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["scale"]["accounts"], 1_000);
    assert_eq!(json["scale"]["regions"], 17);
    let lines = json["lines"].as_array().unwrap();
    for column in ["first_year", "from_third_year"] {
        let sum: f64 = lines.iter().map(|l| l[column].as_f64().unwrap()).sum();
        let total = json[format!("total_{column}")].as_f64().unwrap();
        assert!((sum - total).abs() < 1e-6, "{column}: {sum} vs {total}");
    }
    let ids: Vec<&str> = json["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(lines
        .iter()
        .all(|l| ids.contains(&l["price"].as_str().unwrap())));
    assert_eq!(json["rollout_target"]["met"], true);
    assert_eq!(json["rollout"]["stack_sets"][0]["accounts_at_once"], 1_000);
}

#[test]
fn the_table_shows_the_per_account_keys_warning_and_the_central_comparison() {
    let dir = empty_dir();
    let config = repo_path("templates/examples/per-account-keys.yaml");
    let out = smlog_in(
        dir.path(),
        &[
            "explain",
            "--cost",
            "-c",
            config.to_str().unwrap(),
            "--accounts",
            "5000",
            "--regions",
            "17",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("| 85,000 key-months | $1.00 per key-month | $85,000.00 | $85,000.00 |"),
        "{text}"
    );
    assert!(
        text.contains("**Per-account keys:** this configuration costs $85,0"),
        "{text}"
    );
    assert!(
        text.contains("with session.key_placement: central"),
        "{text}"
    );
    assert!(
        text.contains("10 accounts × 17 Regions in ≤ 5 minutes"),
        "{text}"
    );
    assert!(
        text.contains("https://aws.amazon.com/kms/pricing/"),
        "{text}"
    );
}

#[test]
fn bad_cost_flags_are_refused_with_the_flag_named() {
    let dir = empty_dir();
    let cases: [(&[&str], i32, &str); 7] = [
        (&["explain", "--cost", "--accounts", "0"], 2, "--accounts"),
        (&["explain", "--accounts", "10"], 2, "--cost"),
        (
            &["explain", "--cost", "--regions", "40"],
            2,
            "--regions 40: the aws partition has",
        ),
        (
            &["explain", "--cost", "--format", "dot"],
            2,
            "--format dot does not go with --cost",
        ),
        (&["explain", "--cost", "--diagram"], 2, "--diagram"),
        (
            &["explain", "--cost", "--minutes-per-instance", "0"],
            2,
            "not a number of minutes from 0.1 to 60",
        ),
        (
            &["explain", "--cost", "--sessions", "many"],
            2,
            "--sessions",
        ),
    ];
    for (args, code, message) in cases {
        let out = smlog_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    std::fs::write(
        dir.path().join("smlog.yaml"),
        "rollout:\n  max_concurent_percentage: 50\n",
    )
    .unwrap();
    let out = smlog_in(dir.path(), &["explain", "--cost"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("max_concurent_percentage"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ten_accounts_in_17_regions_roll_out_in_five_minutes_with_smlog_s_preferences() {
    for (name, minutes) in [
        ("default", 1.5),
        ("per-account-keys", 3.0),
        ("cloudwatch", 3.0),
    ] {
        let settings = if name == "default" {
            Settings::default()
        } else {
            example_settings(name)
        };
        let target = smlog::explain::rollout_time::target(&Plan::new(settings), 1.5);
        assert_eq!((target.accounts, target.regions), (10, 17));
        assert_eq!(target.minutes, minutes, "{name}");
        assert!(target.met && target.change.is_none(), "{name}");
    }
    // A quarter of 10 accounts at once: 2 a wave, 5 waves, 7.5 minutes.
    let slow = smlog::config::from_text(
        "rollout:\n  max_concurrent_percentage: 25\n",
        std::path::Path::new("slow.yaml"),
    )
    .unwrap();
    let target = smlog::explain::rollout_time::target(&Plan::new(slow), 1.5);
    assert_eq!(target.minutes, 7.5);
    assert!(!target.met);
    assert!(target
        .change
        .unwrap()
        .contains("MaxConcurrentPercentage 100"));
}

#[test]
fn past_100000_instances_the_regional_stack_set_is_split_by_ou() {
    let at = |accounts| estimate(example_settings("per-account-keys"), accounts, Some(17)).rollout;
    let fits = at(5_000);
    assert!(fits.quotas.iter().all(|q| q.within));
    assert_eq!(fits.stack_sets[0].instances, 85_000);
    assert_eq!(fits.minutes, 3.0);
    let split = at(6_000);
    let regional = &split.stack_sets[0];
    assert_eq!(
        (regional.stack_sets_needed, regional.accounts_per_stack_set),
        (2, 5_882)
    );
    assert!(!split.quotas[0].within);
    // Were StackSets to throttle to 100 at once: 60 waves in each StackSet.
    assert_eq!(split.minutes_if_throttled, 2.0 * 60.0 * 1.5);
}

#[test]
fn the_model_follows_the_controller_s_source_and_the_committed_templates() {
    let source = smlog::stacks::controller::SOURCE;
    assert!(source.contains(&format!("max_workers={}", controller::REGION_WORKERS)));
    assert!(source.contains(&format!(
        "IAM_SETTLE_SECONDS = {}",
        controller::IAM_SETTLE_SECONDS
    )));
    for name in [
        "accounts-and-paths",
        "china",
        "cloudwatch",
        "existing-bucket",
        "govcloud",
        "multi-region",
        "one-key",
        "per-account-keys",
        "retention-and-operators",
    ] {
        let inventory = cost::Inventory::of(&Plan::new(example_settings(name))).unwrap();
        let count = |file: &str, kind: &str| {
            std::fs::read_to_string(repo_path(&format!("templates/examples/{name}/{file}")))
                .map(|t| t.matches(&format!("Type: {kind}\n")).count())
                .unwrap_or(0)
        };
        let central = count("templates/central.yaml", "AWS::KMS::Key");
        assert_eq!(
            inventory.central_keys.len(),
            central,
            "{name}: central keys"
        );
        if count("templates/central.yaml", "AWS::KMS::ReplicaKey") > 0 {
            assert_eq!(inventory.replicated_keys, 1, "{name}: replicated key");
        }
        let regional = count("stacksets/member-regional.yaml", "AWS::KMS::Key");
        assert_eq!(
            inventory.account_region_keys.len(),
            regional,
            "{name}: keys per account and Region"
        );
        assert_eq!(
            inventory.replica_keys.len(),
            count("templates/replica.yaml", "AWS::KMS::Key"),
            "{name}"
        );
        assert_eq!(
            (
                inventory.functions_per_account,
                inventory.function_memory_mb
            ),
            (1, 256),
            "{name}"
        );
    }
}
