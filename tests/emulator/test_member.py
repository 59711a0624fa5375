"""The member template as a plain stack in the management account, where
StackSets never deploy (native preferences: the emulator cannot run the upsert
mode's Lambda function)."""
from conftest import AGENT_ROLE, DHMC_ROLE, preferences


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


def agent_policy(member):
    arn = member["resources"]["SessionLoggingAgentPolicy"]
    policy = member["aws"]("iam", "get-policy", "--policy-arn", arn)["Policy"]
    version = member["aws"]("iam", "get-policy-version", "--policy-arn", arn,
                            "--version-id", policy["DefaultVersionId"])["PolicyVersion"]
    document = version["Document"]
    if isinstance(document, str):
        import json
        import urllib.parse
        document = json.loads(urllib.parse.unquote(document))
    return policy, document


def test_agent_policy_grants_exactly_what_the_agent_needs(member, central):
    _, document = agent_policy(member)
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


def test_agent_policy_is_attached_to_the_named_role_and_the_dhmc_role(member):
    policy, _ = agent_policy(member)
    for role in (AGENT_ROLE, DHMC_ROLE):
        attached = member["aws"]("iam", "list-attached-role-policies", "--role-name", role)["AttachedPolicies"]
        assert policy["Arn"] in [p["PolicyArn"] for p in attached], role


def test_native_mode_fails_where_the_document_already_exists(member):
    # Why upsert is the default: a second AWS::SSM::Document of that name cannot be created.
    result = member["aws"].run(
        "cloudformation", "create-stack", "--stack-name", "smlog-member-again",
        "--template-body", f"file://{member['template']}", "--capabilities", "CAPABILITY_IAM",
        "--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in member["parameters"].items()],
        check=False)
    if result.returncode == 0:
        member["aws"]("cloudformation", "wait", "stack-create-complete", "--stack-name", "smlog-member-again")
        raise AssertionError("a second SSM-SessionManagerRunShell document was created")
    assert "DocumentAlreadyExists" in result.stderr, result.stderr
