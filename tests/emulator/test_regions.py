"""Per-account session keys across three Regions: a StackSet over a fresh OU,
and every account's document in every Region naming a key in that Region."""
from conftest import REPO_EXAMPLES, create_account, member_parameters, preferences, record_gap
from harness import smlog

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def test_each_document_names_a_key_in_its_own_region(aws, org, central, workdir):
    ou = aws("organizations", "create-organizational-unit", "--parent-id", org["root"],
             "--name", "per-account-keys")["OrganizationalUnit"]["Id"]
    accounts = [create_account(aws, name, org["root"], ou) for name in ("delta", "epsilon", "zeta")]
    folder = workdir / "per-account-keys"
    folder.mkdir()
    config = (REPO_EXAMPLES / "per-account-keys.yaml").read_text().replace("[r-ab12]", f"[{ou}]")
    (folder / "smlog.yaml").write_text(config)
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    parameters = {k: v for k, v in member_parameters(central).items() if k != "SessionKeyArn"}
    aws("cloudformation", "create-stack-set", "--cli-input-json", f"file://{folder / 'stacksets/create-stack-set.json'}",
        "--parameters", *[f"ParameterKey={k},ParameterValue={v}" for k, v in parameters.items()])
    aws("cloudformation", "create-stack-instances", "--cli-input-json",
        f"file://{folder / 'stacksets/create-stack-instances.json'}")
    instances = aws("cloudformation", "list-stack-instances", "--stack-set-name",
                    "session-logging-per-account-keys")["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted((a, r) for a in accounts for r in REGIONS)
    key_ids = set()
    for account in accounts:
        member = aws.as_account(account)
        for region in REGIONS:
            here = member.in_region(region)
            key_arn = preferences(here)["inputs"]["kmsKeyId"]
            assert key_arn.startswith(f"arn:aws:kms:{region}:{account}:key/"), key_arn
            aliases = {a["AliasName"]: a.get("TargetKeyId") for a in here("kms", "list-aliases")["Aliases"]}
            assert key_arn.endswith(aliases["alias/session-manager-logs/session"])
            key_ids.add(key_arn)
    assert len(key_ids) == len(accounts) * len(REGIONS), "a key of its own in every account and Region"


def test_a_multi_region_central_key_serves_every_region(aws, org, workdir):
    central_account = create_account(aws, "log-archive", org["root"])
    member_account = create_account(aws, "theta", org["root"])
    central = aws.as_account(central_account)
    folder = workdir / "multi-region"
    folder.mkdir()
    config = (REPO_EXAMPLES / "multi-region.yaml").read_text()
    config = config.replace("example-session-logs", "smlog-multi-region-logs")
    (folder / "smlog.yaml").write_text(config)
    smlog("synth", "all", "--out-dir", ".", cwd=folder)

    # Home Region: bucket, bucket key and the multi-Region primary.
    home = central.in_region(REGIONS[0])
    outputs = home.deploy("smlog-central-multi", folder / "templates/central.yaml", {"OrganizationId": "o-a1b2c3d4e5"})
    assert outputs["CentralAccountId"] == central_account
    assert outputs["SessionKeyId"] in outputs["SessionKeyArn"]
    if not outputs["SessionKeyId"].startswith("mrk-"):
        record_gap("MultiRegion on AWS::KMS::Key (the emulator makes a single-Region key)", "the golden template")
    # Other Regions: a replica of the primary.
    replica = central.in_region(REGIONS[1])
    result = replica.run("cloudformation", "create-stack", "--stack-name", "smlog-central-multi",
                         "--template-body", f"file://{folder / 'templates/central.yaml'}",
                         "--parameters", "ParameterKey=OrganizationId,ParameterValue=o-a1b2c3d4e5",
                         f"ParameterKey=PrimarySessionKeyArn,ParameterValue={outputs['SessionKeyArn']}", check=False)
    replica_resources = replica.stack_resources("smlog-central-multi") if result.returncode == 0 else {}
    if "SessionKeyReplica" not in replica_resources:
        record_gap("AWS::KMS::ReplicaKey in the central stack's other Regions",
                   "the golden template, rule kms_key_keeps_account_administration, and a primary replicated "
                   "with the KMS API below")

    # Stand-in for the replicas the emulator cannot create from a template.
    primary = home("kms", "create-key", "--multi-region", "--description", "stand-in primary")["KeyMetadata"]
    for region in REGIONS[1:]:
        home("kms", "replicate-key", "--key-id", primary["KeyId"], "--replica-region", region)
    member = aws.as_account(member_account)
    for region in REGIONS:
        here = member.in_region(region)
        here.deploy("smlog-member-multi", folder / "stacksets/member.yaml", {
            "BucketName": "smlog-multi-region-logs", "BucketKeyArn": outputs["BucketKeyArn"],
            "SessionKeyId": primary["KeyId"], "CentralAccountId": central_account, "IamRegion": REGIONS[0],
        }, capabilities=["CAPABILITY_NAMED_IAM"])
        key_arn = preferences(here)["inputs"]["kmsKeyId"]
        assert key_arn == f"arn:aws:kms:{region}:{central_account}:key/{primary['KeyId']}"
        assert primary["KeyId"].startswith("mrk-")
        # The key it names exists in that Region.
        assert central.in_region(region)("kms", "describe-key", "--key-id", key_arn)["KeyMetadata"]["KeyId"] == primary["KeyId"]
