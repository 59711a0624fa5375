"""Per-account session keys across three Regions: a StackSet over a fresh OU,
and every account's document in every Region naming a key in that Region."""
from conftest import REPO_EXAMPLES, member_parameters, preferences
from harness import smlog

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def test_each_document_names_a_key_in_its_own_region(aws, org, central, workdir):
    ou = aws("organizations", "create-organizational-unit", "--parent-id", org["root"],
             "--name", "per-account-keys")["OrganizationalUnit"]["Id"]
    accounts = []
    for name in ("delta", "epsilon", "zeta"):
        account = aws("organizations", "create-account", "--email", f"{name}@example.com",
                      "--account-name", name)["CreateAccountStatus"]["AccountId"]
        aws("organizations", "move-account", "--account-id", account, "--source-parent-id", org["root"],
            "--destination-parent-id", ou)
        accounts.append(account)
    folder = workdir / "per-account-keys"
    folder.mkdir()
    config = (REPO_EXAMPLES / "per-account-keys.yaml").read_text().replace("[r-ab12]", f"[{ou}]")
    # Native preferences: the emulator cannot run the upsert mode's Lambda function.
    (folder / "smlog.yaml").write_text(config.replace("member:\n", "member:\n  preferences: native\n"))
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
