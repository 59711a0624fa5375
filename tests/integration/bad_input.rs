//! Every kind of bad input, through the real binary: the exit code, a
//! fragment of the message, nothing on standard output, and no file written.

use super::support::{empty_dir, smlog_in, stderr};
use std::io::Write;

/// What a case puts in smlog.yaml.
enum Config {
    None,
    Text(&'static str),
    Owned(String),
    Bytes(&'static [u8]),
    /// A sparse file of this many bytes.
    Huge(u64),
}

struct Case {
    name: &'static str,
    config: Config,
    args: &'static [&'static str],
    exit: i32,
    fragment: &'static str,
}

const SYNTH: &[&str] = &["synth", "member", "-o", "out.yaml"];

fn case(name: &'static str, yaml: &'static str, exit: i32, fragment: &'static str) -> Case {
    Case {
        name,
        config: Config::Text(yaml),
        args: SYNTH,
        exit,
        fragment,
    }
}

/// Twelve levels of ten aliases each: 10^12 strings once expanded.
fn alias_bomb() -> String {
    let mut items = vec![String::from("&a [x, x, x, x, x, x, x, x, x, x]")];
    for level in 1..12u8 {
        let (previous, name) = ((b'a' + level - 1) as char, (b'a' + level) as char);
        items.push(format!(
            "&{name} [{}]",
            vec![format!("*{previous}"); 10].join(", ")
        ));
    }
    items.join(", ")
}

fn nested() -> String {
    format!("member: {}{}\n", "[".repeat(10_000), "]".repeat(10_000))
}

fn cases() -> Vec<Case> {
    vec![
        Case { name: "org id too short, by flag", config: Config::None, args: &["synth", "-o", "out.yaml", "--organization-id", "o-123"], exit: 3, fragment: "organization_id: \"o-123\" is not a valid organization id: must match ^o-[a-z0-9]{10,32}$" },
        case("org id in capitals", "organization_id: o-ABCDEFGHIJ\n", 3, "smlog.yaml:1:18: organization_id: \"o-ABCDEFGHIJ\""),
        case("bucket with underscores", "bucket_name: customer_session_manager_logging_bucket\n", 3, "may contain only lowercase letters, digits, '.' and '-' (found '_')"),
        case("bucket too short", "bucket_name: ab\n", 3, "must be 3 to 63 characters long"),
        case("bucket with reserved prefix", "bucket_name: xn--logs\n", 3, "reserved prefix \"xn--\""),
        case("bucket with reserved suffix", "bucket_name: logs--x-s3\n", 3, "reserved suffix \"--x-s3\""),
        case("bucket with dots", "bucket_name: logs.example.com\n", 3, "must not contain '.'"),
        case("unknown key mode", "keys: three\n", 3, "unknown variant `three`, expected `one` or `two`"),
        case("home Region not a Region", "home_region: mars\n", 3, "home_region: \"mars\" is not a valid Region"),
        case("controller Region in capitals", "member:\n  controller_region: US-EAST-1\n", 3, "smlog.yaml:2:22: member.controller_region"),
        case("role given as ARN", "member:\n  attach:\n    role_names:\n      - Good\n      - arn:aws:iam::111111111111:role/Bad\n", 3, "smlog.yaml:5:9: member.attach.role_names[1]: \"arn:aws:iam::111111111111:role/Bad\" is not a valid IAM role name: must be the role's name, not its ARN"),
        case("no role would get the agent policy", "member:\n  attach:\n    instance_profile_roles: false\n    default_host_management_role: false\n    activation_roles: false\n", 3, "smlog.yaml:2:10: member.attach: no role would get the agent policy (instance_profile_roles, default_host_management_role and activation_roles are false, role_names is empty)"),
        case("existing bucket's key by alias", "existing_bucket:\n  name: log-archive\n  key_arn: arn:aws:kms:us-east-1:111111111111:alias/logs\n", 3, "smlog.yaml:3:12: existing_bucket.key_arn: \"arn:aws:kms:us-east-1:111111111111:alias/logs\" is not a valid KMS key ARN: must name the key itself, not an alias"),
        case("existing bucket and a bucket name", "bucket_name: logs-a\nexisting_bucket:\n  name: log-archive\n  key_arn: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\n", 3, "bucket_name: goes with a bucket smlog creates"),
        case("existing bucket in another Region", "existing_bucket:\n  name: log-archive\n  key_arn: arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\n", 3, "existing_bucket.key_arn: is in eu-west-1, but home_region is us-east-1"),
        case("existing bucket without the organisation id", "existing_bucket:\n  name: log-archive\n  key_arn: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\n", 3, "existing_bucket: the statements an existing bucket's policies need name the organisation: set organization_id"),
        case("every rollout Region excluded", "rollout:\n  regions: [us-east-1]\n  exclude_regions: [us-east-1]\n", 3, "rollout.exclude_regions: leaves no Region to roll out to"),
        case("every admitted account excluded", "accounts: ['111111111111']\nrollout:\n  exclude_accounts: ['111111111111']\n", 3, "rollout.exclude_accounts: excludes every account the configuration admits"),
        case("excluded account not an account", "rollout:\n  exclude_accounts: ['12345']\n", 3, "rollout.exclude_accounts[0]: \"12345\" is not a valid account id"),
        case("replica in the home Region", "replica:\n  region: us-east-1\n", 3, "replica.region: us-east-1 is the home Region: a replica belongs in another Region"),
        case("replica in another partition", "replica:\n  region: us-gov-west-1\n", 3, "replica.region: us-gov-west-1 is in another partition than home_region us-east-1"),
        case("replica of an existing bucket", "organization_id: o-abc123def4\nexisting_bucket:\n  name: log-archive\n  key_arn: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\nreplica:\n  region: eu-west-1\n", 3, "replica: replicates a bucket smlog creates"),
        case("replica bucket name invalid", "replica:\n  region: eu-west-1\n  bucket_name: Logs_Replica\n", 3, "replica.bucket_name: \"Logs_Replica\""),
        case("single-Region session key for several Regions", "member:\n  session_key_arn: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\nrollout:\n  regions: [us-east-1, eu-west-1]\n", 3, "member.session_key_arn: \"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\" is a single-Region key"),
        case("keys from two accounts", "member:\n  bucket_key_arn: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab\n  session_key_arn: arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab\n", 3, "member.session_key_arn: \"arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab\" is in account 222222222222, but member.bucket_key_arn is in 111111111111"),
        case("endpoints in China", "home_region: cn-north-1\nendpoints:\n  enabled: true\n", 3, "endpoints.enabled: the endpoints template names services as in the aws and aws-us-gov partitions"),
        case("bucket key by alias", "member:\n  bucket_key_arn: alias/session-manager-logs\n", 3, "must name the key itself, not an alias"),
        case("session key by bare id", "member:\n  session_key_arn: 1234abcd-12ab-34cd-56ef-1234567890ab\n", 3, "must be a full key ARN"),
        case("a key smlog no longer reads", "member:\n  iam_region: eu-west-1\n", 3, "member.iam_region is gone: one account controller now writes every Region's preferences from member.controller_region"),
        case("a Region of another partition", "rollout:\n  regions: [us-east-1, cn-north-1]\n", 3, "rollout.regions[1]: cn-north-1 is in the aws-cn partition, home_region us-east-1 in aws"),
        case("a misspelt Region", "home_region: eu-wset-1\n", 3, "home_region: \"eu-wset-1\" is not a valid Region: is not a Region of the aws, aws-cn or aws-us-gov partitions; did you mean eu-west-1?"),
        case("a controller Region of another partition", "member:\n  controller_region: us-gov-west-1\n", 3, "member.controller_region: us-gov-west-1 is in the aws-us-gov partition"),
        case("repairs less than hourly", "member:\n  repair_interval_hours: 48\n", 3, "member.repair_interval_hours: 48 is not between 1 and 24 hours"),
        case("a report bus that is no bus", "member:\n  report_event_bus_arn: arn:aws:sns:us-east-1:111111111111:topic\n", 3, "member.report_event_bus_arn: \"arn:aws:sns:us-east-1:111111111111:topic\" is not an EventBridge event bus ARN"),
        case("a break-glass principal that is no ARN", "guardrail:\n  enabled: true\n  unlogged_sessions_allowed_for: [BreakGlass]\n", 3, "guardrail.unlogged_sessions_allowed_for[0]: \"BreakGlass\" is not an IAM principal ARN pattern"),
        case("a break-glass principal of another partition", "home_region: cn-north-1\nguardrail:\n  enabled: true\n  unlogged_sessions_allowed_for: ['arn:aws:iam::*:role/BreakGlass']\n", 3, "guardrail.unlogged_sessions_allowed_for[0]: \"arn:aws:iam::*:role/BreakGlass\" names the partition \"aws\", but this configuration's Regions are in \"aws-cn\""),
        case("just-in-time sessions without an end", "session:\n  just_in_time: true\n", 3, "session.just_in_time: just-in-time node access needs session.max_duration_minutes"),
        case("boolean as a string", "member:\n  attach:\n    default_host_management_role: \"yes\"\n", 3, "invalid type: string \"yes\", expected a boolean"),
        case("idle timeout zero", "session:\n  idle_timeout_minutes: 0\n", 3, "session.idle_timeout_minutes: \"0\" is not a valid idle timeout: must be between 1 and 60 minutes"),
        case("idle timeout over an hour", "session:\n  idle_timeout_minutes: 61\n", 3, "must be between 1 and 60 minutes"),
        case("negative idle timeout", "session:\n  idle_timeout_minutes: -5\n", 3, "session.idle_timeout_minutes: invalid type: integer `-5`, expected u32"),
        case("max duration over a day", "session:\n  max_duration_minutes: 1441\n", 3, "must be between 1 and 1440 minutes"),
        case("run-as user in capitals", "session:\n  run_as_user: Root\n", 3, "is not a valid run-as user name"),
        Case { name: "shell profile too long", config: Config::Owned(format!("session:\n  linux_shell_profile: '{}'\n", "x".repeat(5000))), args: SYNTH, exit: 3, fragment: "the profile is 5000 characters long; it must be at most 512" },
        case("no rollout Regions", "rollout:\n  regions: []\n", 3, "rollout.regions: the list is empty"),
        case("a Region twice", "rollout:\n  regions: [us-east-1, us-east-1]\n", 3, "rollout.regions[1]: \"us-east-1\" is listed twice"),
        case("OU id malformed", "rollout:\n  organizational_unit_ids: [ou-123]\n", 3, "is not a valid organizational unit id"),
        case("unknown call-as", "rollout:\n  call_as: ADMIN\n", 3, "unknown variant `ADMIN`, expected `SELF` or `DELEGATED_ADMIN`"),
        case("percentage over 100", "rollout:\n  max_concurrent_percentage: 150\n", 3, "150 is not a valid percentage"),
        case("StackSet name with a digit first", "rollout:\n  stack_set_name: 1logs\n", 3, "is not a valid StackSet name"),
        case("account id too short", "accounts: ['12345']\n", 3, "accounts[0]: \"12345\" is not a valid account id: must be exactly 12 digits"),
        case("OU path outside the organisation", "organization_id: o-a1b2c3d4e5\norganization_paths: [o-zzzzzzzzzz/r-ab12/]\n", 3, "is not inside organization_id o-a1b2c3d4e5"),
        case("misspelt top-level key", "bucket_nme: logs\n", 3, "unknown field `bucket_nme`"),
        case("nearest key suggested", "orgnization_id: o-a1b2c3d4e5\n", 3, "did you mean `organization_id`?"),
        case("unknown nested key", "session:\n  idle_timeout: 20\n", 3, "smlog.yaml:2:3: session: unknown field `idle_timeout`"),
        case("section of the wrong type", "member: native\n", 3, "invalid type: string \"native\", expected struct RawMember"),
        case("top level is a list", "- organization_id\n", 3, "invalid type: sequence"),
        case("YAML syntax error", "member:\n\tcontroller_region: us-east-1\n", 3, "smlog.yaml:2:1: found character that cannot start any token"),
        case("empty file", "", 3, "the file is empty"),
        case("only a comment", "# nothing here\n", 3, "the file is empty"),
        Case { name: "binary garbage", config: Config::Bytes(&[0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01]), args: SYNTH, exit: 3, fragment: "not UTF-8 text" },
        Case { name: "alias bomb in the config", config: Config::Owned(format!("accounts: [{}]\n", alias_bomb())), args: SYNTH, exit: 3, fragment: "accounts[0]: invalid type: sequence, expected a string" },
        Case { name: "alias bomb as a template", config: Config::Owned(format!("Resources: [{}]\n", alias_bomb())), args: &["validate", "smlog.yaml"], exit: 4, fragment: "repetition limit exceeded" },
        Case { name: "deeply nested config", config: Config::Owned(nested()), args: SYNTH, exit: 3, fragment: "member: invalid type: sequence" },
        Case { name: "deeply nested template", config: Config::Owned(nested()), args: &["validate", "smlog.yaml"], exit: 4, fragment: "recursion limit exceeded" },
        Case { name: "100 MB file", config: Config::Huge(100 * 1024 * 1024), args: SYNTH, exit: 3, fragment: "the file is 104857600 bytes; a configuration file may be at most 1048576 bytes" },
        Case { name: "missing config file", config: Config::None, args: &["synth", "-o", "out.yaml", "-c", "nope.yaml"], exit: 4, fragment: "nope.yaml: No such file or directory" },
        Case { name: "all without --out-dir", config: Config::None, args: &["synth", "all"], exit: 2, fragment: "give --out-dir DIR" },
        Case { name: "unknown format", config: Config::None, args: &["synth", "--format", "xml", "-o", "out.yaml"], exit: 2, fragment: "invalid value 'xml' for '--format <FORMAT>'" },
    ]
}

fn write_config(dir: &std::path::Path, config: &Config) {
    let path = dir.join("smlog.yaml");
    match config {
        Config::None => {}
        Config::Text(text) => std::fs::write(path, text).unwrap(),
        Config::Owned(text) => std::fs::write(path, text).unwrap(),
        Config::Bytes(bytes) => std::fs::File::create(path)
            .unwrap()
            .write_all(bytes)
            .unwrap(),
        Config::Huge(len) => std::fs::File::create(path).unwrap().set_len(*len).unwrap(),
    }
}

#[test]
fn every_bad_input_is_refused_with_its_code_and_message() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = empty_dir();
        write_config(dir.path(), &case.config);
        let output = smlog_in(dir.path(), case.args);
        let message = stderr(&output);
        if output.status.code() != Some(case.exit) || !message.contains(case.fragment) {
            failures.push(format!(
                "{}: exit {:?}, wanted {} with {:?}; got: {message}",
                case.name,
                output.status.code(),
                case.exit,
                case.fragment
            ));
        }
        if !output.stdout.is_empty() {
            failures.push(format!("{}: printed to stdout", case.name));
        }
        if dir.path().join("out.yaml").exists() {
            failures.push(format!("{}: wrote out.yaml", case.name));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
