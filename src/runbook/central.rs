//! The runbook's first steps: StackSets' trusted access in the management
//! account, then the central account's side: the replica, the central stack
//! (once per Region with a multi-Region session key), and the statements an
//! existing bucket's and key's policies must take in.

use super::model::{Account, Arg, Command, Place, Step};
use super::{values, Book, Deploy};
use crate::config::{AccessLogs, LogBucket};
use crate::error::{Error, Result};
use crate::ids::{KmsKeyArn, Partition};
use crate::names::wiring;
use crate::plan::Target;
use crate::stacks::central::PRIMARY_SESSION_KEY_ARN;

/// Where the existing bucket's and key's policies are edited.
const BUCKET_POLICY_FILE: &str = "existing-bucket-policy.json";
const KEY_POLICY_FILE: &str = "existing-key-policy.json";
const STACK_SETS_PRINCIPAL: &str = "member.org.stacksets.cloudformation.amazonaws.com";

/// SSE-KMS under `key` with S3 Bucket Keys, as `put-bucket-encryption` takes it.
fn default_encryption(key: &KmsKeyArn) -> String {
    serde_json::json!({"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key.to_string()},
        "BucketKeyEnabled": true,
    }]})
    .to_string()
}

impl Book<'_> {
    /// Service-managed StackSets need trusted access (and, to run them from
    /// another account, a registered delegated administrator).
    pub(super) fn trusted_access(&mut self) {
        let home = self.home();
        let mut step = Step::new(
            "Let StackSets deploy into the organisation (once)",
            Account::Management,
            home.clone(),
        )
        .note("Service-managed StackSets need trusted access with AWS Organizations; running this again changes nothing.")
        .command(
            Command::aws("cloudformation", "activate-organizations-access").region(&home),
        );
        if self.stack_set_administrator() == Account::DelegatedAdministrator {
            step = step
                .note("The rollout runs from a delegated administrator (`rollout.call_as: DELEGATED_ADMIN`): register it once (a second registration fails with AccountAlreadyRegisteredException).")
                .command(
                    Command::aws("organizations", "register-delegated-administrator")
                        .region(&home)
                        .flag("account-id", Arg::Blank(values::delegated_administrator()))
                        .flag("service-principal", STACK_SETS_PRINCIPAL),
                );
        }
        if self.plan.partition() == Partition::China {
            step = step.note("AWS's documentation for the China Regions has said that trusted access for StackSets is not supported in Beijing and Ningxia. If the first command fails there, deploy `stacksets/member.yaml` in each account as step \"The management account's own member stack\" shows, instead of the StackSet steps.");
        }
        self.steps.push(step);
    }

    pub(super) fn replica(&mut self) -> Result<()> {
        let Some(replica) = &self.plan.settings.replica else {
            return Ok(());
        };
        let mut step = self.deploy(Deploy {
            title: "The replica bucket and its key".to_owned(),
            account: Account::Central,
            place: Place::Region(replica.region.clone()),
            target: Target::Replica,
            stack: Arg::Text(self.stack_name("replica")),
            overrides: Vec::new(),
        })?;
        step.notes.push("First, in the replica's Region: the central stack's replication rule names this bucket and key.".to_owned());
        self.steps.push(step);
        Ok(())
    }

    /// The central stack in the home Region, and with a multi-Region session
    /// key once more in every other Region, where it makes the key's replica.
    pub(super) fn central(&mut self) -> Result<()> {
        if !self.plan.produces(Target::Central) {
            return Ok(());
        }
        let stack = self.stack_name("central");
        let mut step = self.deploy(Deploy {
            title: "The central stack".to_owned(),
            account: Account::Central,
            place: self.home(),
            target: Target::Central,
            stack: Arg::Text(stack.clone()),
            overrides: Vec::new(),
        })?;
        if let LogBucket::Created { name, retention } = &self.plan.settings.bucket {
            if name.is_none() {
                step.notes.push("The bucket is named `session-manager-logs-<account id>-<Region>` (set `bucket_name` to choose).".to_owned());
            }
            if let AccessLogs::Existing(target) = &retention.access_logs {
                step.notes.push(format!("The bucket `{target}` (`retention.access_log_bucket`) must exist before this step, in this account and Region: S3 delivers the log bucket's access logs there."));
            }
        }
        self.steps.push(step);
        if !self.plan.settings.session_key.is_multi_region() {
            return Ok(());
        }
        let Some(primary) = self.known.get(wiring::SESSION_KEY_ARN).cloned() else {
            return Err(Error::Internal(
                "the multi-Region central template has no SessionKeyArn output for its other Regions"
                    .to_owned(),
            ));
        };
        let home = self.plan.settings.home_region.clone();
        let others: Vec<_> = self
            .plan
            .settings
            .rollout
            .regions
            .iter()
            .filter(|r| **r != home)
            .cloned()
            .collect();
        for region in others {
            let mut step = self.deploy(Deploy {
                title: format!("The central stack in {region}: the session key's replica"),
                account: Account::Central,
                place: Place::Region(region),
                target: Target::Central,
                stack: Arg::Text(stack.clone()),
                overrides: vec![(
                    PRIMARY_SESSION_KEY_ARN.to_owned(),
                    Arg::Var(primary.clone()),
                )],
            })?;
            step.notes.push("The same template in another Region of the rollout: agents there use the multi-Region session key's replica (same `mrk-` id).".to_owned());
            self.steps.push(step);
        }
        Ok(())
    }

    /// An existing bucket and key keep their policies; smlog's statements are
    /// merged into them by hand, between a read and a write.
    pub(super) fn existing_bucket(&mut self) {
        let LogBucket::Existing { name, key } = &self.plan.settings.bucket else {
            return;
        };
        let place = Place::Region(key.region());
        let statements = Target::CentralStatements.path();
        self.steps.push(
            Step::new("Read the existing bucket's and key's policies", Account::Central, place.clone())
                .note("In the account that owns the existing bucket and key: smlog creates neither, and their policies must take in its statements. A bucket without a policy has none to read: start from `{\"Version\": \"2012-10-17\", \"Statement\": []}`.")
                .command(Command::aws("s3api", "get-bucket-policy").region(&place).flag("bucket", name.to_string()).flag("query", "Policy").flag("output", "text").into_file(BUCKET_POLICY_FILE))
                .command(Command::aws("kms", "get-key-policy").region(&place).flag("key-id", key.to_string()).flag("policy-name", "default").flag("query", "Policy").flag("output", "text").into_file(KEY_POLICY_FILE)),
        );
        let mut merge = Step::new(
            "Merge smlog's statements into them",
            Account::Central,
            place.clone(),
        );
        merge.by_hand = Some(format!(
            "add the statements under `BucketPolicyStatements` in `{statements}` to the `Statement` list of `{BUCKET_POLICY_FILE}`, and those under `KeyPolicyStatements` to `{KEY_POLICY_FILE}`. Keep every statement that is there; one with the same `Sid` is an earlier smlog run's: replace it."
        ));
        self.steps.push(merge);
        self.steps.push(
            Step::new(
                "Write the merged policies back",
                Account::Central,
                place.clone(),
            )
            .note("The last command makes the bucket's default encryption the key, named by its ARN (agents upload under it; an alias would resolve in the uploader's account). `smlog verify --central` (the last step) checks the policies statement by statement, and the encryption.")
            .command(
                Command::aws("s3api", "put-bucket-policy")
                    .region(&place)
                    .flag("bucket", name.to_string())
                    .flag("policy", format!("file://{BUCKET_POLICY_FILE}")),
            )
            .command(
                Command::aws("kms", "put-key-policy")
                    .region(&place)
                    .flag("key-id", key.to_string())
                    .flag("policy-name", "default")
                    .flag("policy", format!("file://{KEY_POLICY_FILE}")),
            )
            .command(
                Command::aws("s3api", "put-bucket-encryption")
                    .region(&place)
                    .flag("bucket", name.to_string())
                    .flag("server-side-encryption-configuration", default_encryption(key)),
            ),
        );
    }
}
