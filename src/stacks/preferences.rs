//! The Session Manager preferences document (`SSM-SessionManagerRunShell`)
//! content, typed so booleans stay booleans and timeouts stay strings.

use crate::cfn::{Intrinsic, Value};
use crate::config::Settings;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDocument {
    pub schema_version: &'static str,
    pub description: &'static str,
    pub session_type: &'static str,
    pub inputs: Inputs,
}

/// The `inputs` of a `Standard_Stream` session document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inputs {
    pub s3_bucket_name: Value<String>,
    pub s3_key_prefix: Value<String>,
    pub s3_encryption_enabled: bool,
    pub cloud_watch_log_group_name: Value<String>,
    pub cloud_watch_encryption_enabled: bool,
    pub cloud_watch_streaming_enabled: bool,
    pub kms_key_id: Value<String>,
    pub run_as_enabled: bool,
    pub run_as_default_user: String,
    /// Minutes, as a string (the document schema says so).
    pub idle_session_timeout: String,
    /// Minutes as a string; empty for no limit.
    pub max_session_duration: String,
    pub shell_profile: ShellProfile,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShellProfile {
    pub windows: String,
    pub linux: String,
}

/// Stands for each Region in the document the controller writes there.
pub const REGION_PLACEHOLDER: &str = "${Region}";

/// The document the controller writes in each Region of a member account
/// (`${Region}` standing for the Region): logs go under
/// `<account id>/<Region>/`, the prefix the bucket policy lets this account write.
pub fn document(
    settings: &Settings,
    bucket_name: Value<String>,
    session_key_arn: Value<String>,
    log_group: Option<Value<String>>,
) -> SessionDocument {
    let session = &settings.session;
    SessionDocument {
        schema_version: "1.0",
        description: "Session Manager preferences managed by smlog",
        session_type: "Standard_Stream",
        inputs: Inputs {
            s3_bucket_name: bucket_name,
            // ${!Region} is Fn::Sub's escape: the text ${Region} reaches the controller.
            s3_key_prefix: Intrinsic::sub("${AWS::AccountId}/${!Region}").into(),
            s3_encryption_enabled: true,
            cloud_watch_streaming_enabled: log_group.is_some()
                && settings.cloudwatch.as_ref().is_some_and(|c| c.streaming),
            cloud_watch_log_group_name: log_group.unwrap_or_else(|| String::new().into()),
            cloud_watch_encryption_enabled: true,
            kms_key_id: session_key_arn,
            run_as_enabled: session.run_as_user.is_some(),
            run_as_default_user: session
                .run_as_user
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
            idle_session_timeout: session.idle_timeout.get().to_string(),
            max_session_duration: session
                .max_duration
                .map(|m| m.get().to_string())
                .unwrap_or_default(),
            shell_profile: ShellProfile {
                windows: session.windows_shell_profile.clone(),
                linux: session.linux_shell_profile.clone(),
            },
        },
    }
}

impl SessionDocument {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("the session document serialises to JSON")
    }
}
