"""Fixtures for the emulator tests: the server, an organisation, and the
record of what the emulator cannot check."""
import json
import pathlib

import pytest

from harness import Aws, MotoServer, smlog

GAPS = []


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
    return {name: outputs[name] for name in ("BucketName", "BucketKeyArn", "SessionKeyArn")}


def preferences(aws):
    """The default version of SSM-SessionManagerRunShell, parsed."""
    document = aws("ssm", "get-document", "--name", "SSM-SessionManagerRunShell", "--document-format", "JSON")
    content = document["Content"]
    return json.loads(content) if isinstance(content, str) else content
