"""`smlog verify` against deployed stacks: every check passes where all is
well, and each kind of mismatch is reported as a failed check."""
import json
import time

import pytest

from conftest import AGENT_ROLE, DHMC_ROLE, DHMC_SETTING, MISSING_ROLE, NAMED_ROLE, REGIONS, role
from harness import smlog_against


def config(central, **extra):
    """The member's configuration. No session key: the two-Region member
    names a multi-Region key, whose emulator id smlog rightly refuses in a
    configuration (not mrk- and 32 hex digits); the flag tests the check."""
    outputs = central["outputs"]
    lines = [
        f"bucket_name: {extra.pop('bucket', outputs['BucketName'])}",
        "member:",
        f"  bucket_key_arn: {outputs['BucketKeyArn']}",
        "  attach:",
        f"    role_names: [{', '.join(extra.pop('roles', [NAMED_ROLE, MISSING_ROLE]))}]",
    ]
    if "regions" in extra:
        lines += ["rollout:", f"  regions: [{', '.join(extra.pop('regions'))}]"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def folder(workdir, request):
    path = workdir / f"verify-{request.node.name}"
    path.mkdir()
    return path


def verify(aws, folder, yaml, *args):
    (folder / "smlog.yaml").write_text(yaml)
    return smlog_against(aws, "verify", *args, cwd=folder)


def lines_with(output, mark):
    return [line for line in output.splitlines() if line.startswith(mark)]


def checks(output, mark="✔"):
    """The names of the checks with this mark, in order."""
    return [line.split(" ", 3)[3].rsplit(": ", 1)[0] for line in lines_with(output, mark)]


def test_a_correct_member_account_passes_every_check(aws, central, member, folder):
    result = verify(aws, folder, config(central))
    assert result.returncode == 0, result.stdout + result.stderr
    assert checks(result.stdout) == [
        "preferences: s3BucketName", "preferences: s3EncryptionEnabled", "preferences: s3KeyPrefix",
        "bucket: default encryption", "bucket: encryption key", "agent policy exists",
        f"agent policy attached to {AGENT_ROLE}", f"agent policy attached to {NAMED_ROLE}"]
    # A named role this account lacks is worth a note, not a failure.
    [note] = lines_with(result.stdout, "·")
    assert f"(IAM) role {MISSING_ROLE}: does not exist in this account" in note
    assert not lines_with(result.stdout, "✘")


def test_the_default_host_management_role_is_the_one_the_regions_setting_names(aws, central, member, folder):
    # eu-west-1's setting names a custom role under service-role/; us-east-1 has none.
    result = verify(aws, folder, config(central), "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"agent policy attached to {DHMC_ROLE}" in checks(result.stdout)
    assert f"{member.account} eu-west-1 preferences: s3KeyPrefix: {member.account}/eu-west-1" in result.stdout
    assert DHMC_ROLE not in verify(aws, folder, config(central), "--region", "us-east-1").stdout


def test_a_default_host_management_role_without_the_policy_fails(aws, central, member, folder):
    here = aws.in_region("us-east-1")
    role(aws, "DhmcNotYetAttached", path="/service-role/")
    here("ssm", "update-service-setting", "--setting-id", DHMC_SETTING,
         "--setting-value", "service-role/DhmcNotYetAttached")
    try:
        result = verify(aws, folder, config(central), "--region", "us-east-1")
    finally:
        here("ssm", "reset-service-setting", "--setting-id", DHMC_SETTING)
    assert result.returncode == 1
    [failure] = lines_with(result.stdout, "✘")
    assert "agent policy attached to DhmcNotYetAttached: not attached" in failure


def test_json_output_for_machines(aws, central, member, folder):
    result = verify(aws, folder, config(central), "--format", "json")
    assert result.returncode == 0
    found = json.loads(result.stdout)
    assert {c["status"] for c in found} == {"pass", "note"}
    assert found[0]["account"] == member.account and found[0]["region"] == "us-east-1"


def test_a_wrong_session_key_fails(aws, central, member, folder, session_key):
    right = f"arn:aws:kms:us-east-1:{central['outputs']['CentralAccountId']}:key/{session_key['KeyId']}"
    wrong = central["outputs"]["SessionKeyArn"]
    result = verify(aws, folder, config(central), "--session-key-arn", wrong)
    assert result.returncode == 1
    [failure] = lines_with(result.stdout, "✘")
    assert f"preferences: kmsKeyId: {right}" in failure and f"(expected {wrong})" in failure


def test_a_wrong_bucket_fails_and_aws_errors_are_reported_per_check(aws, central, member, folder):
    result = verify(aws, folder, config(central, bucket="some-other-bucket"))
    assert result.returncode == 1
    failures = lines_with(result.stdout, "✘")
    assert any("preferences: s3BucketName" in f and "(expected some-other-bucket)" in f for f in failures)
    assert any(f.startswith("✘ (error)") and "bucket: default encryption" in f and "NoSuchBucket" in f for f in failures)


def test_a_bucket_without_kms_encryption_fails(aws, central, member, folder):
    aws("s3api", "create-bucket", "--bucket", "smlog-plain-bucket")
    result = verify(aws, folder, config(central, bucket="smlog-plain-bucket"))
    failures = lines_with(result.stdout, "✘")
    assert any("bucket: default encryption" in f and "(expected aws:kms)" in f for f in failures), result.stdout


def test_a_role_without_the_policy_fails(aws, central, member, folder):
    role(aws, "Unattached")
    result = verify(aws, folder, config(central, roles=["Unattached"]))
    assert result.returncode == 1
    [failure] = lines_with(result.stdout, "✘")
    assert "agent policy attached to Unattached: not attached" in failure


def test_many_accounts_at_once_and_an_account_without_a_member_stack(aws, org, central, rollout, spare_account,
                                                                   folder):
    yaml = config(central, roles=[], regions=REGIONS)
    ids = ",".join(org["accounts"])
    result = verify(aws, folder, yaml, "--accounts", ids, "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 0, result.stdout + result.stderr
    passed = lines_with(result.stdout, "✔")
    # Per account: five checks in each of two Regions, and two in IAM (the
    # policy exists; the instance role holds it).
    assert len(passed) == 3 * (2 * 5 + 2), result.stdout
    for account in org["accounts"]:
        assert f"✔ {account} eu-west-1 preferences: s3KeyPrefix: {account}/eu-west-1" in passed

    # An account the rollout has not reached: no preferences, no policy.
    outside = spare_account().account_id()
    result = verify(aws, folder, yaml, "--accounts", f"{ids},{outside}", "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 1
    failures = lines_with(result.stdout, "✘")
    for region in REGIONS:
        assert any(f.startswith(f"✘ (error) {outside} {region} preferences") for f in failures), result.stdout
    assert any(f.startswith(f"✘ (error) {outside} (IAM) agent policy exists") for f in failures), result.stdout
    assert not [f for f in failures if outside not in f]


def test_the_coverage_report_names_the_silent_accounts(aws, org, central, folder, tmp_path):
    bucket = central["outputs"]["BucketName"]
    body = tmp_path / "session.log"
    body.write_text("Script started\n")
    alpha, beta, gamma = org["accounts"]
    for key in (f"{alpha}/us-east-1/s-1.log", f"{alpha}/eu-west-1/s-2.log", f"{beta}/us-east-1/s-3.log"):
        aws("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", str(body))
    yaml = config(central)
    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta},{gamma}")
    assert result.returncode == 1
    assert f"✘ {gamma}: never logged" in result.stdout
    assert f"{alpha}" in result.stdout and "eu-west-1" in result.stdout
    assert f"✘ {alpha}" not in result.stdout and f"✘ {beta}" not in result.stdout

    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta}")
    assert result.returncode == 0, result.stdout
    assert "✔ every expected account has logged recently" in result.stdout

    time.sleep(2)  # the newest log must be older than the one-second window below
    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta}", "--stale-after", "1s")
    assert result.returncode == 1
    assert f"✘ {alpha}: no log in the last" in result.stdout
