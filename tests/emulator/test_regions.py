"""Session keys across three Regions, written by one controller per account:
per-account keys (the regional StackSet makes them first, the controller
finds each Region's by its alias), and a multi-Region central key (the
controller names its replica in each Region)."""
import pytest

from conftest import (DOCUMENT, Member, controller_log, create_account, example, instance_profile_role, new_ou,
                      preferences, preferences_outcomes, record_gap)
from harness import smlog

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
SESSION_KEY_ALIAS = "alias/session-manager-logs/session"


def own_documents(aws):
    found = aws("ssm", "list-documents", "--filters", "Key=Owner,Values=Self")["DocumentIdentifiers"]
    return [d["Name"] for d in found]


def alias_target(aws, alias):
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in aws("kms", "list-aliases")["Aliases"]}
    return aliases[alias]


@pytest.fixture(scope="module")
def per_account_keys(aws, org, values, workdir):
    """The per-account-keys example over a fresh OU of three accounts: the
    regional StackSet in every Region first, then the member StackSet."""
    ou = new_ou(aws, org, "per-account-keys")
    accounts = [create_account(aws, name, org["root"], ou) for name in ("delta", "epsilon", "zeta")]
    for account in accounts:
        instance_profile_role(aws.as_account(account), "WebServers")
    folder = workdir / "per-account-keys"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(example("per-account-keys", rollout={"organizational_unit_ids": [ou]}))
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    inputs = folder / "stacksets"
    aws("cloudformation", "create-stack-set", "--cli-input-json", f"file://{inputs / 'create-regional-stack-set.json'}")
    aws("cloudformation", "create-stack-instances", "--cli-input-json",
        f"file://{inputs / 'create-regional-stack-instances.json'}")
    parameters = [f"ParameterKey={k},ParameterValue={values[k]}" for k in ("BucketName", "BucketKeyArn", "CentralAccountId")]
    aws("cloudformation", "create-stack-set", "--cli-input-json", f"file://{inputs / 'create-stack-set.json'}",
        "--parameters", *parameters)
    aws("cloudformation", "create-stack-instances", "--cli-input-json", f"file://{inputs / 'create-stack-instances.json'}")
    record_gap("AutoDeployment.DependsOn ordering the regional StackSet before the member StackSet for new accounts",
               "rule stackset_keys_before_controllers; the initial rollout here runs the regional StackSet first, "
               "and test_a_region_whose_key_is_missing_is_not_written shows the controller waiting for a key")
    return {"accounts": accounts}


def test_the_regional_stack_set_is_in_every_region_and_the_member_stack_set_in_one(aws, per_account_keys):
    def placed(name):
        summaries = aws("cloudformation", "list-stack-instances", "--stack-set-name", name)["Summaries"]
        return sorted((i["Account"], i["Region"]) for i in summaries)

    accounts = per_account_keys["accounts"]
    assert placed("session-logging-per-account-keys-regional") == sorted((a, r) for a in accounts for r in REGIONS)
    assert placed("session-logging-per-account-keys") == sorted((a, REGIONS[0]) for a in accounts)


def test_each_document_names_the_accounts_own_key_in_its_own_region(aws, per_account_keys):
    key_arns = set()
    for account in per_account_keys["accounts"]:
        member = aws.as_account(account)
        for region in REGIONS:
            here = member.in_region(region)
            key_arn = preferences(here)["inputs"]["kmsKeyId"]
            assert key_arn == f"arn:aws:kms:{region}:{account}:key/{alias_target(here, SESSION_KEY_ALIAS)}"
            key_arns.add(key_arn)
    assert len(key_arns) == len(per_account_keys["accounts"]) * len(REGIONS), "a key of its own in every account and Region"


def test_a_region_whose_key_is_missing_is_not_written(spare_account, values, workdir):
    # The controller before its regional stacks (as an account whose regional
    # instance failed): no preferences naming a key that is not there; the
    # next run after the key exists writes them.
    aws = spare_account()
    config = example("per-account-keys", rollout={"regions": REGIONS[:2]})
    early = Member(aws, workdir / "keys-missing", values).deploy(config)
    assert early.status == "CREATE_COMPLETE"
    [create] = controller_log(aws)
    for region in REGIONS[:2]:
        assert create["regions"][region].startswith("failed: NotFoundException"), create["regions"]
        assert own_documents(aws.in_region(region)) == [], region
    assert create["failed"] is True

    early.deploy_regional(config, regions=REGIONS[:2])
    report = early.run()
    assert preferences_outcomes(report["regions"]) == {region: "preferences written" for region in REGIONS[:2]}
    for region in REGIONS[:2]:
        here = aws.in_region(region)
        assert own_documents(here) == [DOCUMENT]
        assert preferences(here)["inputs"]["kmsKeyId"].endswith(f"key/{alias_target(here, SESSION_KEY_ALIAS)}")


def test_a_multi_region_central_key_is_named_by_its_replica_in_each_region(aws, org, values, workdir):
    central_account = create_account(aws, "log-archive", org["root"])
    central = aws.as_account(central_account)
    folder = workdir / "multi-region"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(example("multi-region", bucket_name="smlog-multi-region-logs"))
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    home = central.in_region(REGIONS[0])
    outputs = home.deploy("smlog-central-multi", folder / "templates/central.yaml", {"OrganizationId": org["id"]})
    assert outputs["CentralAccountId"] == central_account
    if not outputs["SessionKeyId"].startswith("mrk-"):
        record_gap("MultiRegion on AWS::KMS::Key (the emulator makes a single-Region key) and "
                   "AWS::KMS::ReplicaKey in the central stack's other Regions",
                   "the golden template, rule kms_key_keeps_account_administration, and a primary replicated "
                   "with the KMS API here")
    # Stand-in for the primary and replicas the emulator cannot make from the template.
    primary = home("kms", "create-key", "--multi-region", "--description", "stand-in primary")["KeyMetadata"]
    for region in REGIONS[1:]:
        home("kms", "replicate-key", "--key-id", primary["KeyId"], "--replica-region", region)

    member = aws.as_account(create_account(aws, "theta", org["root"]))
    Member(member, folder / "member", {"BucketName": "smlog-multi-region-logs", "BucketKeyArn": outputs["BucketKeyArn"],
                                       "SessionKeyId": primary["KeyId"], "CentralAccountId": central_account}
           ).deploy((folder / "smlog.yaml").read_text())
    for region in REGIONS:
        key_arn = preferences(member.in_region(region))["inputs"]["kmsKeyId"]
        assert key_arn == f"arn:aws:kms:{region}:{central_account}:key/{primary['KeyId']}"
        # The key it names exists in that Region.
        assert central.in_region(region)("kms", "describe-key", "--key-id", key_arn)["KeyMetadata"]["KeyId"] == primary["KeyId"]
