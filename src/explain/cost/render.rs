//! The estimate as Markdown: the bill, how each line is computed, the
//! assumptions and prices behind it, and the first rollout's duration.

use super::{Estimate, Line};
use crate::explain::prices;
pub use crate::explain::prices::thousands;
use crate::explain::rollout_time::{RolloutTime, TargetCheck, THROTTLED_ACCOUNTS_AT_ONCE};
use crate::plan::Plan;
use std::fmt::Write;

/// A quantity as people read it: `1,000`, `121.67`, `0.0013`.
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 || value.abs() >= 1_000.0 {
        return thousands(value.round() as u64);
    }
    let digits = if value.abs() < 0.01 { 4 } else { 2 };
    let text = format!("{value:.digits$}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Dollars and cents: `$85,001.00`; under half a cent, `<$0.01`.
pub fn usd(value: f64) -> String {
    if value > 0.0 && value < 0.005 {
        return "<$0.01".to_owned();
    }
    let cents = (value * 100.0).round() as u64;
    format!("${}.{:02}", thousands(cents / 100), cents % 100)
}

fn row(out: &mut String, cells: &[&str]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn bill(out: &mut String, estimate: &Estimate) {
    row(
        out,
        &[
            "part",
            "item",
            "quantity",
            "unit price",
            "a month, first year",
            "a month, from the third year",
        ],
    );
    row(out, &["---", "---", "---:", "---", "---:", "---:"]);
    for line in &estimate.lines {
        row(
            out,
            &[
                line.part.title(),
                &line.item,
                &format!("{} {}", number(line.quantity), plural(line)),
                &line.unit_price,
                &usd(line.first_year),
                &usd(line.from_third_year),
            ],
        );
    }
    for subtotal in &estimate.subtotals {
        row(
            out,
            &[
                "",
                &format!("subtotal: {}", subtotal.title),
                "",
                "",
                &usd(subtotal.first_year),
                &usd(subtotal.from_third_year),
            ],
        );
    }
    row(
        out,
        &[
            "",
            "**total**",
            "",
            "",
            &format!("**{}**", usd(estimate.total_first_year)),
            &format!("**{}**", usd(estimate.total_from_third_year)),
        ],
    );
}

/// `key-month per rotation` → `key-months per rotation`; GB stay GB.
fn plural(line: &Line) -> String {
    let unit = line.unit;
    if line.quantity == 1.0 || unit == "GB" || unit.starts_with("GB ") {
        return unit.to_owned();
    }
    match unit.split_once(' ') {
        Some((first, rest)) => format!("{first}s {rest}"),
        None => format!("{unit}s"),
    }
}

fn notes(out: &mut String, plan: &Plan, estimate: &Estimate) {
    for warning in &estimate.warnings {
        let _ = writeln!(out, "\n**Warning:** {warning}.");
    }
    if let Some(comparison) = &estimate.comparison {
        let _ = writeln!(
            out,
            "\n**Per-account keys:** this configuration costs {} a month ({} from the third year); with {} the same organisation costs {} ({}), {} a month less.",
            usd(estimate.total_first_year),
            usd(estimate.total_from_third_year),
            comparison.instead,
            usd(comparison.first_year),
            usd(comparison.from_third_year),
            usd(estimate.total_first_year - comparison.first_year)
        );
    }
    let _ = writeln!(out, "\nHow each line is computed:\n");
    for line in &estimate.lines {
        let _ = writeln!(
            out,
            "- {}: {} = {} {}",
            line.item,
            line.arithmetic,
            number(line.quantity),
            plural(line)
        );
    }
    let _ = writeln!(
        out,
        "\nAssumptions (change them with the flags of `smlog explain --cost --help`):\n"
    );
    for assumption in &estimate.assumptions {
        let _ = writeln!(out, "- {assumption}");
    }
    let _ = writeln!(
        out,
        "- the repair schedule every {} hours (member.repair_interval_hours)",
        plan.settings.member.repair_interval_hours
    );
    let _ = writeln!(out, "\nNo charge:\n");
    for free in &estimate.free {
        let _ = writeln!(out, "- {free}");
    }
}

fn price_table(out: &mut String, estimate: &Estimate) {
    let _ = writeln!(out, "\nPrices ({}, read {}; the source, and the copy read, since smlog's machines have no internet access):\n", prices::REGION, prices::CHECKED);
    row(
        out,
        &["price", "service", "as of", "source", "read in", "covers"],
    );
    row(out, &["---", "---", "---", "---", "---", "---"]);
    for price in &estimate.prices {
        row(
            out,
            &[
                &price.display(),
                price.service,
                price.as_of,
                price.source,
                price.read_in,
                price.note,
            ],
        );
    }
}

fn rollout(out: &mut String, time: &RolloutTime, target: &TargetCheck) {
    let _ = writeln!(
        out,
        "\n## The first rollout: {} accounts × {} Regions\n",
        thousands(time.accounts.into()),
        time.regions
    );
    row(
        out,
        &[
            "StackSet",
            "deploys",
            "instances",
            "accounts at once per Region",
            "waves",
            "Regions run",
            "minutes",
        ],
    );
    row(out, &["---", "---", "---:", "---:", "---:", "---", "---:"]);
    for s in &time.stack_sets {
        row(
            out,
            &[
                &s.stack_set,
                s.deploys,
                &thousands(s.instances),
                &format!(
                    "{} ({} % of {}, {})",
                    thousands(s.accounts_at_once),
                    s.max_concurrent_percentage,
                    thousands(s.accounts),
                    s.concurrency_mode
                ),
                &thousands(s.waves_per_region),
                s.region_concurrency,
                &number(s.minutes),
            ],
        );
    }
    let _ = writeln!(
        out,
        "\nThe StackSets run one after the other: {} minutes in all (waves × {} min per stack instance; {}). Were StackSets to throttle to {THROTTLED_ACCOUNTS_AT_ONCE} instances at once per Region: {} minutes.",
        number(time.minutes),
        time.minutes_per_instance,
        time.minutes_per_instance_source,
        number(time.minutes_if_throttled)
    );
    let _ = writeln!(
        out,
        "\nThe issue's target, {} accounts × {} Regions in ≤ {} minutes, with this configuration's operation preferences: {} minutes, {}.",
        target.accounts,
        target.regions,
        target.limit_minutes,
        number(target.minutes),
        match &target.change {
            None => "met".to_owned(),
            Some(change) => format!("NOT met; it needs {change}"),
        }
    );
    quotas(out, time);
}

fn quotas(out: &mut String, time: &RolloutTime) {
    let _ = writeln!(out, "\nStackSets' quotas ({}):\n", time.quotas_source);
    row(out, &["quota", "limit", "this organisation", "within"]);
    row(out, &["---", "---:", "---:", "---"]);
    for quota in &time.quotas {
        row(
            out,
            &[
                quota.quota,
                &thousands(quota.limit),
                &thousands(quota.this_organisation),
                if quota.within { "yes" } else { "**no**" },
            ],
        );
    }
    for s in time.stack_sets.iter().filter(|s| s.stack_sets_needed > 1) {
        let _ = writeln!(
            out,
            "\n{} needs {} StackSets of at most {} accounts each (100,000 instances per StackSet): split the organisation by OU, one smlog configuration (rollout.stack_set_name, rollout.organizational_unit_ids) per part.",
            s.stack_set,
            s.stack_sets_needed,
            thousands(s.accounts_per_stack_set)
        );
    }
}

/// The whole report.
pub fn markdown(plan: &Plan, estimate: &Estimate) -> String {
    let scale = &estimate.scale;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# What this configuration costs AWS a month\n\nFor {} accounts ({}) × {} Regions, at {} list prices read {}, without any free tier.\n",
        thousands(scale.accounts.into()),
        estimate.accounts_from,
        scale.regions,
        prices::REGION,
        prices::CHECKED
    );
    bill(&mut out, estimate);
    notes(&mut out, plan, estimate);
    price_table(&mut out, estimate);
    rollout(&mut out, &estimate.rollout, &estimate.rollout_target);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dollars_read_as_people_write_them() {
        assert_eq!(number(1_000.0), "1,000");
        assert_eq!(number(121.666_666), "121.67");
        assert_eq!(number(4.8), "4.8");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(0.001_25), "0.0013");
        assert_eq!(usd(85_001.0), "$85,001.00");
        assert_eq!(usd(2.716), "$2.72");
        assert_eq!(usd(0.004), "<$0.01");
        assert_eq!(usd(0.0), "$0.00");
    }
}
