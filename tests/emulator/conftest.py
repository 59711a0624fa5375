"""Fixtures for the emulator tests: the server, an organisation, and the
record of what the emulator cannot check."""
import json
import pathlib

import pytest
import yaml

from harness import REPO, Aws, MotoServer, smlog

REPO_EXAMPLES = REPO / "templates" / "examples"

GAPS = []
AGENT_ROLE = "EC2-SSM-Core"
DHMC_ROLE = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
NAMED_ROLE = "SessionHostRole"
MISSING_ROLE = "NotInThisAccount"
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
REGIONS = ["us-east-1", "eu-west-1"]
STACK_SET = "session-manager-logging"


def record_gap(what, covered_by):
    """Something the emulator ignores: say so, and name what covers it instead."""
    entry = f"{what} -- covered by {covered_by}"
    if entry not in GAPS:
        GAPS.append(entry)


def pytest_terminal_summary(terminalreporter):
    if GAPS:
        terminalreporter.section("not checkable on the emulator")
        for gap in GAPS:
            terminalreporter.write_line(f"  {gap}")


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def aws(moto):
    return Aws(moto.endpoint)


@pytest.fixture(scope="session")
def org(aws):
    """An organisation with one OU holding three member accounts (the StackSet's targets)."""
    organization = aws("organizations", "create-organization", "--feature-set", "ALL")["Organization"]
    root = aws("organizations", "list-roots")["Roots"][0]["Id"]
    ou = aws("organizations", "create-organizational-unit", "--parent-id", root,
             "--name", "workloads")["OrganizationalUnit"]["Id"]
    accounts = [create_account(aws, name, root, ou) for name in ("alpha", "beta", "gamma")]
    return {"id": organization["Id"], "root": root, "ou": ou, "accounts": accounts}


def create_account(aws, name, root, parent=None):
    """A new member account, moved from the root to `parent` when one is given."""
    status = aws("organizations", "create-account", "--email", f"{name}@example.com",
                 "--account-name", name)["CreateAccountStatus"]
    account = status["AccountId"]
    if parent:
        aws("organizations", "move-account", "--account-id", account, "--source-parent-id", root,
            "--destination-parent-id", parent)
    return account


@pytest.fixture(scope="session")
def spare_account(aws, org):
    """A fresh account outside the rollout's OU, per call: smlog's member
    resources have fixed names, so each member stack needs an account of its own."""
    names = iter(range(1000))
    return lambda: create_account(aws, f"spare-{next(names)}", org["root"])


def holders(aws, policy_arn):
    """The roles a managed policy is attached to, sorted."""
    roles = aws("iam", "list-entities-for-policy", "--policy-arn", policy_arn, "--entity-filter", "Role")
    return sorted(role["RoleName"] for role in roles["PolicyRoles"])


def instance_profile_role(aws, name, path="/"):
    """A role in an instance profile of the same name: what EC2 instances run as."""
    aws("iam", "create-role", "--role-name", name, "--path", path, "--assume-role-policy-document", TRUST)
    aws("iam", "create-instance-profile", "--instance-profile-name", name)
    aws("iam", "add-role-to-instance-profile", "--instance-profile-name", name, "--role-name", name)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return pathlib.Path(tmp_path_factory.mktemp("smlog"))


@pytest.fixture(scope="session")
def central(aws, org, workdir):
    """The central stack from `smlog synth`, deployed with the organisation id as a parameter."""
    template = workdir / "central.yaml"
    template.write_text(smlog("synth", cwd=workdir))
    outputs = aws.deploy("smlog-central", template, {"OrganizationId": org["id"]})
    return {"outputs": outputs, "resources": aws.stack_resources("smlog-central"), "template": template}


def member_parameters(central):
    outputs = central["outputs"]
    return {name: outputs[name] for name in ("BucketName", "BucketKeyArn", "SessionKeyArn", "CentralAccountId")}


def preferences(aws):
    """The default version of SSM-SessionManagerRunShell, parsed."""
    document = aws("ssm", "get-document", "--name", "SSM-SessionManagerRunShell", "--document-format", "JSON")
    content = document["Content"]
    return json.loads(content) if isinstance(content, str) else content


def deploy_member(aws, folder, config, central, extra=None, stack="smlog-member"):
    """`smlog synth member` from `config`, deployed as a plain stack; the
    emulator does not split a CommaDelimitedList parameter's *default* (it
    joins the string's characters), so AgentRoleNames is always passed."""
    folder.mkdir(exist_ok=True)
    (folder / "smlog.yaml").write_text(config)
    template = folder / "member.yaml"
    template.write_text(smlog("synth", "member", cwd=folder))
    default = yaml.safe_load(template.read_text())["Parameters"]["AgentRoleNames"]["Default"]
    parameters = {**member_parameters(central), "AgentRoleNames": default.replace(",", "\\,"), **(extra or {})}
    outputs = aws.deploy(stack, template, parameters, capabilities=["CAPABILITY_NAMED_IAM"])
    return {"aws": aws, "account": aws.account_id(), "outputs": outputs, "template": template,
            "parameters": parameters, "resources": aws.stack_resources(stack), "stack": stack}


@pytest.fixture(scope="session")
def member(aws, central, workdir):
    """The default member stack (upsert preferences, every attach path) in the
    management account, where StackSets never deploy: an instance-profile
    role, the DHMC role, a named role outside any profile and a named role
    this account lacks."""
    instance_profile_role(aws, AGENT_ROLE)
    aws("iam", "create-role", "--role-name", DHMC_ROLE, "--path", "/service-role/",
        "--assume-role-policy-document", TRUST)
    aws("iam", "create-role", "--role-name", NAMED_ROLE, "--assume-role-policy-document", TRUST)
    config = f"member:\n  attach:\n    role_names: [{NAMED_ROLE}, {MISSING_ROLE}]\n"
    return deploy_member(aws, workdir / "member", config, central)


@pytest.fixture(scope="session")
def rollout(aws, org, central, workdir):
    """The default rollout (upsert preferences, instance-profile roles) over
    the OU's accounts in two Regions, each account with an instance role."""
    for account in org["accounts"]:
        instance_profile_role(aws.as_account(account), AGENT_ROLE)
    folder = workdir / "rollout"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        f"rollout:\n  organizational_unit_ids: [{org['ou']}]\n  regions: [{', '.join(REGIONS)}]\n")
    smlog("synth", "all", "--out-dir", ".", cwd=folder)
    # Two Regions: the session key must be a multi-Region key with a replica in
    # each. The emulator cannot build one from the central template, so a
    # primary is made and replicated with the KMS API (see test_regions.py).
    primary = aws("kms", "create-key", "--multi-region", "--description", "session key")["KeyMetadata"]
    for region in REGIONS[1:]:
        aws("kms", "replicate-key", "--key-id", primary["KeyId"], "--replica-region", region)
    values = {k: v for k, v in member_parameters(central).items() if k != "SessionKeyArn"}
    values.update({"SessionKeyId": primary["KeyId"], "CentralAccountId": aws.account_id()})
    parameters = [f"ParameterKey={k},ParameterValue={v}" for k, v in values.items()]
    aws("cloudformation", "create-stack-set", "--cli-input-json",
        f"file://{folder / 'stacksets/create-stack-set.json'}", "--parameters", *parameters)
    operation = aws("cloudformation", "create-stack-instances", "--cli-input-json",
                    f"file://{folder / 'stacksets/create-stack-instances.json'}")["OperationId"]
    record_gap("StackSet auto-deployment, operation preferences and Region order",
               "rule stackset_service_managed_auto_deploy, and the AgentPolicyReady wait (tests/python)")
    record_gap("the rollout stack's AWS::CloudFormation::StackSet resource",
               "the same StackSet created from stacksets/create-stack-set.json, and a test that its "
               "TemplateBody is the member template")
    return {"operation": operation, "session_key_arn": primary["Arn"], "folder": folder,
            "parameters": parameters}
