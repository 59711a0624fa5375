"""Fixtures for the emulator tests: the server, an organisation, and the
record of what the emulator cannot check."""
import pathlib

import pytest

from harness import Aws, MotoServer

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
