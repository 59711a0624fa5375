"""The default member template as a plain stack in the management account,
where StackSets never deploy: the preferences it writes and the roles that
get the agent policy on first deploy."""
import json
import urllib.parse

from conftest import AGENT_ROLE, DHMC_ROLE, MISSING_ROLE, NAMED_ROLE, holders, preferences


def test_the_stack_completes_although_a_named_role_is_missing(member):
    status = member["aws"]("cloudformation", "describe-stacks", "--stack-name", member["stack"])
    assert status["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert member["outputs"]["AgentPolicySkippedRoles"] == f"{MISSING_ROLE} (does not exist in this account)"


def test_preferences_point_at_the_central_bucket_and_key(member, central):
    document = preferences(member["aws"])
    assert document["schemaVersion"] == "1.0"
    assert document["sessionType"] == "Standard_Stream"
    inputs = document["inputs"]
    assert inputs["s3BucketName"] == central["outputs"]["BucketName"]
    assert inputs["kmsKeyId"] == central["outputs"]["SessionKeyArn"]
    assert inputs["s3KeyPrefix"] == f"{member['account']}/us-east-1"


def test_preference_types_are_what_the_agent_expects(member):
    inputs = preferences(member["aws"])["inputs"]
    for flag in ("s3EncryptionEnabled", "cloudWatchEncryptionEnabled", "cloudWatchStreamingEnabled", "runAsEnabled"):
        assert isinstance(inputs[flag], bool), f"{flag} is {inputs[flag]!r}"
    assert inputs["s3EncryptionEnabled"] is True
    assert inputs["idleSessionTimeout"] == "20"
    assert inputs["maxSessionDuration"] == ""
    assert inputs["shellProfile"] == {"windows": "", "linux": ""}


def policy_document(aws, arn):
    policy = aws("iam", "get-policy", "--policy-arn", arn)["Policy"]
    version = aws("iam", "get-policy-version", "--policy-arn", arn,
                  "--version-id", policy["DefaultVersionId"])["PolicyVersion"]
    document = version["Document"]
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def test_agent_policy_grants_exactly_what_the_agent_needs(member, central):
    document = policy_document(member["aws"], member["outputs"]["AgentPolicyArn"])
    bucket = central["outputs"]["BucketName"]
    granted = {s["Sid"]: (sorted(s["Action"]), s["Resource"]) for s in document["Statement"]}
    assert granted == {
        "WriteSessionLogsToOwnPrefix": (["s3:PutObject", "s3:PutObjectAcl"],
                                        [f"arn:aws:s3:::{bucket}/{member['account']}/*"]),
        "ReadBucketEncryption": (["s3:GetEncryptionConfiguration"], [f"arn:aws:s3:::{bucket}"]),
        "UseBucketKey": (["kms:Decrypt", "kms:GenerateDataKey"], [central["outputs"]["BucketKeyArn"]]),
        "DecryptSessionData": (["kms:Decrypt"], [central["outputs"]["SessionKeyArn"]]),
    }
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    central_account = central["outputs"]["CentralAccountId"]
    for sid in ("WriteSessionLogsToOwnPrefix", "ReadBucketEncryption"):
        [statement] = [s for s in document["Statement"] if s["Sid"] == sid]
        assert statement["Condition"] == {"StringEquals": {"s3:ResourceAccount": central_account}}


def test_every_attach_path_reaches_its_role(member):
    # Instance-profile role, DHMC role and named role; the missing one is only reported.
    assert holders(member["aws"], member["outputs"]["AgentPolicyArn"]) == sorted([AGENT_ROLE, DHMC_ROLE, NAMED_ROLE])
    assert member["outputs"]["AgentPolicyAttachedRoles"] == ", ".join(sorted([AGENT_ROLE, DHMC_ROLE, NAMED_ROLE]))
