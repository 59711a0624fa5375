//! A JSON Schema (draft 2020-12) of `smlog.yaml`, for editors to complete and
//! check the file. Patterns and ranges are the ones `ids` enforces; a test
//! keeps the properties in step with the raw config structs.

use crate::ids::ORG_ID_PATTERN;
use serde_json::{json, Value};

const ACCOUNT_PATTERN: &str = "^[0-9]{12}$";
const REGION_PATTERN: &str = "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$";
const OU_PATTERN: &str = "^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$";
const KEY_ARN_PATTERN: &str =
    "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$";

fn string(description: &str, pattern: &str) -> Value {
    json!({"type": "string", "description": description, "pattern": pattern})
}

fn list(description: &str, items: Value) -> Value {
    json!({"type": "array", "description": description, "items": items, "uniqueItems": true})
}

fn minutes(description: &str, max: u32) -> Value {
    json!({"type": "integer", "description": description, "minimum": 1, "maximum": max})
}

fn object(description: &str, properties: Value) -> Value {
    json!({"type": "object", "description": description, "additionalProperties": false, "properties": properties})
}

pub fn schema() -> Value {
    let percentage =
        |d: &str| json!({"type": "integer", "description": d, "minimum": 0, "maximum": 100});
    let region = |d: &str| string(d, REGION_PATTERN);
    let mut root = object(
        "smlog configuration: organisation-wide Session Manager logging",
        json!({
            "organization_id": string("AWS Organizations id admitted to the bucket and keys", ORG_ID_PATTERN),
            "organization_paths": list(
                "Parts of the organisation admitted by aws:PrincipalOrgPaths",
                string("o-…/r-…/ then ou-…/ segments", "^o-[a-z0-9]{10,32}/r-[a-z0-9]{4,32}(/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})*/?\\*?$")),
            "accounts": list("Accounts admitted by aws:PrincipalAccount", string("A 12-digit account id", ACCOUNT_PATTERN)),
            "bucket_name": json!({"type": "string", "description": "S3 bucket name; no dots, no reserved prefix or suffix",
                                  "minLength": 3, "maxLength": 63, "pattern": "^[a-z0-9][a-z0-9-]*[a-z0-9]$"}),
            "keys": {"enum": ["one", "two"], "description": "One KMS key for bucket and sessions, or two"},
            "home_region": region("The central stack's Region"),
            "member": object("The member stack every account gets", json!({
                "agent_role_names": list("Instance-profile roles that get the agent policy",
                                         json!({"type": "string", "pattern": "^[A-Za-z0-9+=.@_-]{1,64}$"})),
                "default_host_management_role": {"type": "boolean", "description": "Also attach the policy to the DHMC role"},
                "iam_region": region("The one Region that creates the account's IAM policy"),
                "preferences": {"enum": ["upsert", "native"], "description": "How the preferences document is written"},
                "bucket_key_arn": string("Full ARN of the bucket key", KEY_ARN_PATTERN),
                "session_key_arn": string("Full ARN of the session key", KEY_ARN_PATTERN),
            })),
            "session": object("Session Manager preferences", json!({
                "key_placement": {"enum": ["central", "per-account"], "description": "One session key in the central account, or one per member account and Region"},
                "idle_timeout_minutes": minutes("Idle session timeout", 60),
                "max_duration_minutes": minutes("Maximum session duration", 1440),
                "run_as_user": string("OS user sessions run as", "^[a-z_][a-z0-9_-]{0,31}$"),
                "linux_shell_profile": {"type": "string", "maxLength": 4096},
                "windows_shell_profile": {"type": "string", "maxLength": 4096},
            })),
            "retention": object("Tamper resistance and retention of the log bucket", json!({
                "object_lock": object("S3 Object Lock default retention (days or years)", json!({
                    "mode": {"enum": ["GOVERNANCE", "COMPLIANCE"]},
                    "days": {"type": "integer", "minimum": 1, "maximum": 36500},
                    "years": {"type": "integer", "minimum": 1, "maximum": 100},
                })),
                "transition_to_glacier_days": {"type": "integer", "minimum": 1},
                "noncurrent_version_expiration_days": {"type": "integer", "minimum": 1},
                "access_log_bucket": json!({"type": "string", "minLength": 3, "maxLength": 63, "pattern": "^[a-z0-9][a-z0-9-]*[a-z0-9]$"}),
            })),
            "cloudwatch": object("Session logs in CloudWatch Logs, in every member account and Region", json!({
                "enabled": {"type": "boolean"},
                "log_group_name": {"type": "string", "pattern": "^[A-Za-z0-9_/.#-]{1,512}$"},
                "retention_days": {"enum": crate::config::LOG_RETENTION_DAYS},
                "streaming": {"type": "boolean", "description": "Stream as the session runs (true) or upload at its end"},
            })),
            "operators": object("A managed policy for the people who start sessions", json!({
                "enabled": {"type": "boolean"},
                "role_names": list("Roles that get the operator policy",
                                   json!({"type": "string", "pattern": "^[A-Za-z0-9+=.@_-]{1,64}$"})),
            })),
            "rollout": object("The service-managed StackSet", json!({
                "stack_set_name": string("StackSet name", "^[a-zA-Z][a-zA-Z0-9-]{0,127}$"),
                "organizational_unit_ids": list("Target OUs or the root", string("ou-… or r-…", OU_PATTERN)),
                "regions": list("Regions that get the member stack", region("A Region")),
                "call_as": {"enum": ["SELF", "DELEGATED_ADMIN"]},
                "max_concurrent_percentage": percentage("Accounts deployed at once, per Region"),
                "failure_tolerance_percentage": percentage("Accounts that may fail, per Region"),
            })),
        }),
    );
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] = json!("smlog.yaml");
    root
}
