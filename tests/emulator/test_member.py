"""The first deployment of the default member stack: a plain stack in the
management account (where StackSets never deploy), in the controller
Region, with a rollout to two Regions. One stack, one controller: every
role the agent runs as gets the policy, then the preferences are written in
both Regions."""
from conftest import (AGENT_ROLE, ATTACHED_TAG, CONTROLLER, DHMC_ROLE, HYBRID_ROLE, MISSING_ROLE,
                      NAMED_ROLE, REGIONS, UNRELATED_ROLE, by_region, controller_log, holders,
                      logging_as_configured, logging_to, policy_document, preferences, preferences_outcomes)


def test_the_stack_completes_in_the_controller_region_only(member):
    assert member.status == "CREATE_COMPLETE"
    resources = member.aws.stack_resources(member.stack)
    assert resources["SmlogHandler"] == CONTROLLER
    assert resources["SessionLoggingAgentPolicy"] == member.agent_policy
    # One stack does every Region's work: the other Region has no stack and no controller.
    elsewhere = member.aws.in_region(REGIONS[1])
    assert elsewhere("cloudformation", "describe-stacks")["Stacks"] == []
    assert elsewhere("lambda", "list-functions")["Functions"] == []


def test_every_role_the_agent_runs_as_gets_the_policy(member):
    # Instance profile, eu-west-1's DHMC setting (a custom role), a hybrid
    # activation and a named role; not the role on none of these paths.
    assert holders(member.aws, member.agent_policy) == sorted([AGENT_ROLE, DHMC_ROLE, HYBRID_ROLE, NAMED_ROLE])
    assert UNRELATED_ROLE not in holders(member.aws, member.agent_policy)


def test_the_roles_it_attached_carry_its_mark(member):
    # The mark is what lets it take the policy back from a role no longer selected (and only those).
    for name in (AGENT_ROLE, DHMC_ROLE, HYBRID_ROLE, NAMED_ROLE):
        tags = member.aws("iam", "list-role-tags", "--role-name", name)["Tags"]
        assert {"Key": ATTACHED_TAG, "Value": "agent"} in tags, name


def test_a_missing_named_role_is_a_note_not_a_role_needing_attention(member):
    assert member.outputs["ControllerRolesNeedingAttention"] == "none"
    [create] = [r for r in controller_log(member.aws) if r.get("trigger") == "CloudFormation Create"]
    assert create["status"] == "SUCCESS" and create["failed"] is False
    assert create["roles"][MISSING_ROLE] == ["does not exist in this account"]
    assert create["roles"][DHMC_ROLE] == ["agent policy attached (default host management role (eu-west-1))"]
    assert create["roles"][HYBRID_ROLE] == ["agent policy attached (hybrid activation (us-east-1))"]


def test_preferences_log_to_the_central_bucket_in_both_regions(member, central):
    assert logging_to(member.aws) == logging_as_configured(central["outputs"]["BucketName"], member.account)
    outcomes = preferences_outcomes(by_region(member.outputs["ControllerRegions"]))
    assert outcomes == {region: "preferences written" for region in REGIONS}


def test_each_region_names_its_own_replica_of_the_session_key(member, central, session_key):
    for region in REGIONS:
        key = preferences(member.aws.in_region(region))["inputs"]["kmsKeyId"]
        assert key == f"arn:aws:kms:{region}:{central['outputs']['CentralAccountId']}:key/{session_key['KeyId']}"


def test_preference_types_are_what_the_agent_expects(member):
    document = preferences(member.aws)
    assert (document["schemaVersion"], document["sessionType"]) == ("1.0", "Standard_Stream")
    assert "managed by smlog" in document["description"]
    inputs = document["inputs"]
    for flag in ("s3EncryptionEnabled", "cloudWatchEncryptionEnabled", "cloudWatchStreamingEnabled", "runAsEnabled"):
        assert isinstance(inputs[flag], bool), f"{flag} is {inputs[flag]!r}"
    assert inputs["idleSessionTimeout"] == "20"
    assert inputs["maxSessionDuration"] == ""
    assert inputs["shellProfile"] == {"windows": "", "linux": ""}


def test_agent_policy_grants_exactly_what_the_agent_needs(member, central, session_key):
    document = policy_document(member.aws, member.agent_policy)
    outputs = central["outputs"]
    bucket = outputs["BucketName"]
    granted = {s["Sid"]: (sorted(s["Action"]), s["Resource"]) for s in document["Statement"]}
    assert granted == {
        "WriteSessionLogsToOwnPrefix": (["s3:PutObject", "s3:PutObjectAcl"],
                                        [f"arn:aws:s3:::{bucket}/{member.account}/*"]),
        "ReadBucketEncryption": (["s3:GetEncryptionConfiguration"], [f"arn:aws:s3:::{bucket}"]),
        "UseBucketKey": (["kms:Decrypt", "kms:GenerateDataKey"], [outputs["BucketKeyArn"]]),
        # The multi-Region session key in every Region: its replicas share the id.
        "DecryptSessionData": (["kms:Decrypt"],
                               [f"arn:aws:kms:*:{outputs['CentralAccountId']}:key/{session_key['KeyId']}"]),
    }
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    for sid in ("WriteSessionLogsToOwnPrefix", "ReadBucketEncryption"):
        [found] = [s for s in document["Statement"] if s["Sid"] == sid]
        assert found["Condition"] == {"StringEquals": {"s3:ResourceAccount": outputs["CentralAccountId"]}}

