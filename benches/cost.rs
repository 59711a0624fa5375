//! `cargo bench --bench cost`: prints the monthly bill and the first
//! rollout's duration for several organisation sizes, with a central
//! session key and with per-account keys. Figures of the model, not
//! timings; nothing here asserts.

use smlog::config::{self, Settings};
use smlog::explain::cost::{self, usd, Estimate, Part, Usage};
use smlog::explain::rollout_time;
use smlog::plan::Plan;
use std::path::Path;

const ACCOUNTS: [u32; 3] = [10, 1_000, 5_000];
const REGIONS: [u32; 2] = [4, 17];

fn part(estimate: &Estimate, part: Part) -> f64 {
    estimate
        .subtotals
        .iter()
        .find(|s| s.part == part)
        .map_or(0.0, |s| s.first_year)
}

fn configurations() -> Vec<(&'static str, Settings)> {
    let per_account = config::from_text(
        "session:\n  key_placement: per-account\n",
        Path::new("per-account.yaml"),
    )
    .expect("a valid configuration");
    vec![
        ("central key", Settings::default()),
        ("per-account keys", per_account),
    ]
}

fn main() {
    println!("smlog explain --cost, model figures (us-east-1 list prices, no free tier)\n");
    println!(
        "{:<17} {:>8} {:>7} {:>14} {:>16} {:>12} {:>12} {:>9} {:>9}",
        "keys",
        "accounts",
        "Regions",
        "a month (yr 1)",
        "from 3rd year",
        "keys",
        "controllers",
        "rollout",
        "throttled"
    );
    for (name, settings) in configurations() {
        let plan = Plan::new(settings);
        for accounts in ACCOUNTS {
            for regions in REGIONS {
                let usage = Usage {
                    accounts: Some(accounts),
                    regions: Some(regions),
                    ..Usage::default()
                };
                let estimate = cost::estimate(&plan, &usage).expect("an estimate");
                println!(
                    "{name:<17} {accounts:>8} {regions:>7} {:>14} {:>16} {:>12} {:>12} {:>7} m {:>7} m",
                    usd(estimate.total_first_year),
                    usd(estimate.total_from_third_year),
                    usd(part(&estimate, Part::Keys)),
                    usd(part(&estimate, Part::Controller)),
                    estimate.rollout.minutes,
                    estimate.rollout.minutes_if_throttled,
                );
            }
        }
    }
    println!("\nThe issue's target, 10 accounts × 17 Regions in ≤ 5 minutes:");
    for (name, settings) in configurations() {
        let target = rollout_time::target(
            &Plan::new(settings),
            rollout_time::DEFAULT_MINUTES_PER_INSTANCE,
        );
        println!(
            "  {name:<17} {} min: {}",
            target.minutes,
            if target.met { "met" } else { "NOT met" }
        );
    }
    let plan = Plan::new(Settings::default());
    let usage = Usage {
        accounts: Some(1_000),
        regions: Some(17),
        ..Usage::default()
    };
    let estimate = cost::estimate(&plan, &usage).expect("an estimate");
    println!("\nThe controllers of 1,000 accounts in 17 Regions, line by line:");
    for line in estimate.lines.iter().filter(|l| l.part == Part::Controller) {
        println!(
            "  {:<58} {:>9}  {}",
            line.item,
            usd(line.first_year),
            line.arithmetic
        );
    }
    println!(
        "  {:<58} {:>9}",
        "subtotal",
        usd(part(&estimate, Part::Controller))
    );
}
