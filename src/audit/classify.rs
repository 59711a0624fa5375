//! What each session should have left behind, and the verdict on what it did.
//!
//! Which sessions the SSM Agent logs, from its source (aws/amazon-ssm-agent
//! at 1c217c89): the shell-based session plugins, Standard_Stream
//! (`agent/session/plugins/standardstream/standardstream.go`),
//! InteractiveCommands and NonInteractiveCommands
//! (`agent/session/plugins/interactivecommands/interactivecommands.go`,
//! `.../noninteractivecommands/noninteractivecommands.go`, both through
//! `singlecommand.go` onto `agent/session/shell/shell.go`), all end in
//! `ShellPlugin.finishLogging()`, which uploads `<s3KeyPrefix>/<session id>.log`
//! when the session's document names a bucket and streams to CloudWatch Logs.
//! The Port plugin (`agent/session/plugins/port/port.go`), which serves SSH
//! (`AWS-StartSSHSession`) and every port-forwarding document, only relays
//! bytes: it has no logger and never uploads, and
//! `sessionplugin.go isEncryptionEnabled()` leaves it out of KMS encryption
//! too. So SSH and port-forwarding sessions are never logged; every other
//! session is, with the inputs of the document it was started with (the
//! preferences `SSM-SessionManagerRunShell` for a plain `start-session`).

use serde::Serialize;

/// The preferences document a plain `aws ssm start-session` uses.
pub const PREFERENCES: &str = crate::names::resource::PREFERENCES_DOCUMENT;

/// AWS's Session documents of `sessionType: Port`.
pub const PORT_DOCUMENTS: [&str; 4] = [
    "AWS-StartSSHSession",
    "AWS-StartPortForwardingSession",
    "AWS-StartPortForwardingSessionToRemoteHost",
    "AWS-StartPortForwardingSessionToSocket",
];

/// After a session ends the agent uploads its transcript; by default a
/// transcript missing this soon after the end is not yet a finding.
pub const UPLOAD_GRACE_SECONDS: i64 = 600;

/// What the audit concludes about one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A loggable session without its transcript.
    Missing,
    /// Ended too recently to judge: the upload may still be on its way.
    Pending,
    /// Its transcript is where the preferences put it.
    Found,
    /// SSH or port forwarding: Session Manager never logs it.
    NotLoggable,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Missing,
        Verdict::Pending,
        Verdict::Found,
        Verdict::NotLoggable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Missing => "missing",
            Verdict::Pending => "pending",
            Verdict::Found => "found",
            Verdict::NotLoggable => "not-loggable",
        }
    }
}

/// Whether a session started with `document` produces a transcript, and if
/// not, why.
pub fn unloggable_reason(document: &str) -> Option<&'static str> {
    match document {
        "AWS-StartSSHSession" => Some(
            "SSH session: the agent's Port plugin relays an encrypted stream and never logs it",
        ),
        d if PORT_DOCUMENTS.contains(&d) => {
            Some("port forwarding: the agent's Port plugin never logs")
        }
        _ => None,
    }
}

/// A note on a loggable session started with another document than the preferences.
pub fn document_note(document: &str) -> Option<String> {
    (!document.is_empty() && document != PREFERENCES && unloggable_reason(document).is_none())
        .then(|| format!("started with {document}: logged only as that document's own inputs say, not as the preferences do"))
}

/// What was found for one loggable session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    pub in_bucket: bool,
    /// `None` when CloudWatch Logs is not part of the configuration.
    pub in_cloudwatch: Option<bool>,
}

/// The verdict on a session started with `document` that ended at `end`
/// (or started at `start`, when no end is reported), audited at `now`.
/// `grace`: seconds after the end during which a missing transcript is pending.
pub fn verdict(
    document: &str,
    evidence: Evidence,
    end: Option<i64>,
    now: i64,
    grace: i64,
) -> Verdict {
    if unloggable_reason(document).is_some() {
        return Verdict::NotLoggable;
    }
    if evidence.in_bucket && evidence.in_cloudwatch != Some(false) {
        return Verdict::Found;
    }
    match end {
        Some(end) if now - end < grace => Verdict::Pending,
        _ => Verdict::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 10_000;
    const BOTH: Evidence = Evidence {
        in_bucket: true,
        in_cloudwatch: Some(true),
    };

    #[test]
    fn ssh_and_port_forwarding_are_never_logged() {
        let nothing = Evidence {
            in_bucket: false,
            in_cloudwatch: None,
        };
        for document in PORT_DOCUMENTS {
            assert_eq!(
                verdict(document, nothing, Some(0), NOW, UPLOAD_GRACE_SECONDS),
                Verdict::NotLoggable
            );
        }
        assert!(unloggable_reason("AWS-StartSSHSession")
            .unwrap()
            .contains("SSH"));
        assert_eq!(unloggable_reason(PREFERENCES), None);
        assert_eq!(unloggable_reason("AWS-StartInteractiveCommand"), None);
        assert_eq!(unloggable_reason("AWS-StartNonInteractiveCommand"), None);
    }

    #[test]
    fn a_loggable_session_needs_every_configured_destination() {
        assert_eq!(
            verdict(PREFERENCES, BOTH, Some(0), NOW, UPLOAD_GRACE_SECONDS),
            Verdict::Found
        );
        let s3_only = Evidence {
            in_bucket: true,
            in_cloudwatch: None,
        };
        assert_eq!(
            verdict(PREFERENCES, s3_only, Some(0), NOW, UPLOAD_GRACE_SECONDS),
            Verdict::Found
        );
        let no_stream = Evidence {
            in_cloudwatch: Some(false),
            ..BOTH
        };
        assert_eq!(
            verdict(PREFERENCES, no_stream, Some(0), NOW, UPLOAD_GRACE_SECONDS),
            Verdict::Missing
        );
        let no_object = Evidence {
            in_bucket: false,
            ..BOTH
        };
        assert_eq!(
            verdict(
                "AWS-StartInteractiveCommand",
                no_object,
                None,
                NOW,
                UPLOAD_GRACE_SECONDS
            ),
            Verdict::Missing
        );
    }

    #[test]
    fn a_recent_end_is_pending_not_missing() {
        let nothing = Evidence {
            in_bucket: false,
            in_cloudwatch: None,
        };
        assert_eq!(
            verdict(
                PREFERENCES,
                nothing,
                Some(NOW - 60),
                NOW,
                UPLOAD_GRACE_SECONDS
            ),
            Verdict::Pending
        );
        assert_eq!(
            verdict(
                PREFERENCES,
                nothing,
                Some(NOW - UPLOAD_GRACE_SECONDS),
                NOW,
                UPLOAD_GRACE_SECONDS
            ),
            Verdict::Missing
        );
    }

    #[test]
    fn other_documents_get_a_note() {
        assert!(document_note("AWS-StartInteractiveCommand")
            .unwrap()
            .contains("own inputs"));
        assert_eq!(document_note(PREFERENCES), None);
        assert_eq!(document_note("AWS-StartSSHSession"), None);
    }
}
