"""Fixtures for the emulator tests: the server, an organisation, and the
record of what the emulator cannot check."""
import json
import pathlib

import pytest

from harness import REPO, Aws, MotoServer, smlog

REPO_EXAMPLES = REPO / "templates" / "examples"

GAPS = []
AGENT_ROLE = "EC2-SSM-Core"
DHMC_ROLE = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
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
    """An organisation with one OU holding three member accounts."""
    organization = aws("organizations", "create-organization", "--feature-set", "ALL")["Organization"]
    root = aws("organizations", "list-roots")["Roots"][0]["Id"]
    ou = aws("organizations", "create-organizational-unit", "--parent-id", root,
             "--name", "workloads")["OrganizationalUnit"]["Id"]
    accounts = []
    for name in ("alpha", "beta", "gamma"):
        status = aws("organizations", "create-account", "--email", f"{name}@example.com",
                     "--account-name", name)["CreateAccountStatus"]
        account = status["AccountId"]
        aws("organizations", "move-account", "--account-id", account, "--source-parent-id", root,
            "--destination-parent-id", ou)
        accounts.append(account)
    return {"id": organization["Id"], "root": root, "ou": ou, "accounts": accounts}


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


@pytest.fixture(scope="session")
def member(aws, central, workdir):
    member_aws = aws
    account = aws.account_id()
    member_aws("iam", "create-role", "--role-name", AGENT_ROLE, "--assume-role-policy-document", TRUST)
    member_aws("iam", "create-role", "--role-name", DHMC_ROLE, "--path", "/service-role/",
               "--assume-role-policy-document", TRUST)
    folder = workdir / "member"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        f"member:\n  preferences: native\n  agent_role_names: [{AGENT_ROLE}]\n"
        "  default_host_management_role: true\n")
    template = folder / "member.yaml"
    template.write_text(smlog("synth", "member", cwd=folder))
    # The emulator does not split a CommaDelimitedList parameter's *default*
    # (it joins the string's characters), so the list is passed explicitly.
    parameters = {**member_parameters(central), "AgentRoleNames": AGENT_ROLE}
    member_aws.deploy("smlog-member", template, parameters, capabilities=["CAPABILITY_IAM"])
    record_gap("the upsert preferences mode (Lambda-backed custom resource)",
               "tests/python/test_preferences_handler.py against moto's in-process SSM")
    return {"aws": member_aws, "account": account, "resources": member_aws.stack_resources("smlog-member"),
            "template": template, "parameters": parameters}


@pytest.fixture(scope="session")
def rollout(aws, org, central, workdir):
    folder = workdir / "rollout"
    folder.mkdir()
    (folder / "smlog.yaml").write_text(
        "member:\n  preferences: native\n"
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
    record_gap("StackSet auto-deployment and operation preferences", "rule stackset_service_managed_auto_deploy")
    record_gap("the rollout stack's AWS::CloudFormation::StackSet resource",
               "the same StackSet created from stacksets/create-stack-set.json, and a test that its "
               "TemplateBody is the member template")
    return {"operation": operation, "session_key_arn": primary["Arn"]}
