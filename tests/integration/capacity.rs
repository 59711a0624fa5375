//! Explicit-account mode stays inside AWS's policy size limits: the largest
//! list that fits is accepted, one more is refused with the count that fits.

use super::support::{empty_dir, smlog_in, stderr, stdout};

fn accounts_config(count: usize) -> String {
    let ids: Vec<String> = (0..count)
        .map(|i| format!("'{:012}'", 200_000_000_000u64 + i as u64))
        .collect();
    format!("accounts: [{}]\n", ids.join(", "))
}

fn capacity_from(message: &str) -> usize {
    let after = message
        .split("at most ")
        .nth(1)
        .unwrap_or_else(|| panic!("no capacity in: {message}"));
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn the_largest_account_list_that_fits_is_accepted_and_one_more_is_refused() {
    let dir = empty_dir();
    std::fs::write(dir.path().join("smlog.yaml"), accounts_config(3000)).unwrap();
    let refused = smlog_in(dir.path(), &["synth"]);
    assert_eq!(refused.status.code(), Some(3));
    let message = stderr(&refused);
    assert!(
        message.contains("bucket policy of LogBucketPolicy") && message.contains("20480"),
        "{message}"
    );
    assert!(message.contains("it lists 3000"), "{message}");
    let capacity = capacity_from(&message);
    assert!(capacity >= 1200, "only {capacity} accounts fit");

    std::fs::write(dir.path().join("smlog.yaml"), accounts_config(capacity)).unwrap();
    let accepted = smlog_in(dir.path(), &["synth"]);
    assert!(
        accepted.status.success(),
        "{capacity} accounts: {}",
        stderr(&accepted)
    );
    let template: serde_json::Value = serde_yaml_ng::from_str(&stdout(&accepted)).unwrap();
    let statements = template["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap();
    let delivery = statements
        .iter()
        .find(|s| s["Sid"] == "AllowAccountsLogDelivery")
        .unwrap();
    let listed = delivery["Principal"]["AWS"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        capacity,
        "one principal list holds every account"
    );
    assert!(
        template["Parameters"].get("OrganizationId").is_none(),
        "accounts alone need no organisation"
    );

    std::fs::write(dir.path().join("smlog.yaml"), accounts_config(capacity + 1)).unwrap();
    let refused = smlog_in(dir.path(), &["synth"]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(capacity_from(&stderr(&refused)), capacity);
    assert!(stderr(&refused).contains(&format!("it lists {}", capacity + 1)));
}
