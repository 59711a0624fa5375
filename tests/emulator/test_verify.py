"""`smlog verify` against deployed stacks: every check passes where all is
well, and each kind of mismatch is reported as a failed check."""
import pytest

from conftest import AGENT_ROLE, DHMC_ROLE, MISSING_ROLE, NAMED_ROLE
from harness import smlog_against


def config(central, **extra):
    outputs = central["outputs"]
    lines = [
        f"bucket_name: {extra.pop('bucket', outputs['BucketName'])}",
        "member:",
        f"  bucket_key_arn: {outputs['BucketKeyArn']}",
        f"  session_key_arn: {outputs['SessionKeyArn']}",
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


def test_a_correct_member_account_passes_every_check(aws, central, member, folder):
    result = verify(aws, folder, config(central))
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = lines_with(result.stdout, "✔")
    checks = [line.split(" ", 3)[3].split(":")[0] for line in passed]
    assert checks == ["preferences", "preferences", "preferences", "preferences", "bucket", "bucket",
                      "agent policy exists", f"agent policy attached to {AGENT_ROLE}",
                      f"agent policy attached to {NAMED_ROLE}", f"agent policy attached to {DHMC_ROLE}"]
    # A named role this account lacks is worth a note, not a failure.
    [note] = lines_with(result.stdout, "·")
    assert f"(IAM) role {MISSING_ROLE}: does not exist in this account" in note
    assert not lines_with(result.stdout, "✘")


def test_json_output_for_machines(aws, central, member, folder):
    import json
    result = verify(aws, folder, config(central), "--format", "json")
    assert result.returncode == 0
    checks = json.loads(result.stdout)
    assert {c["status"] for c in checks} == {"pass", "note"}
    assert checks[0]["account"] == aws.account_id() and checks[0]["region"] == "us-east-1"


def test_a_wrong_session_key_fails(aws, central, member, folder):
    wrong = central["outputs"]["BucketKeyArn"]
    result = verify(aws, folder, config(central), "--session-key-arn", wrong)
    assert result.returncode == 1
    [failure] = lines_with(result.stdout, "✘")
    assert "preferences: kmsKeyId" in failure and f"(expected {wrong})" in failure


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
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    aws("iam", "create-role", "--role-name", "Unattached", "--assume-role-policy-document", trust)
    result = verify(aws, folder, config(central, roles=["Unattached"]))
    assert result.returncode == 1
    [failure] = lines_with(result.stdout, "✘")
    assert "agent policy attached to Unattached: not attached" in failure


def test_many_accounts_at_once_and_a_missing_document(aws, org, central, rollout, folder):
    yaml = config(central, roles=[], regions=["us-east-1", "eu-west-1"])
    # The StackSet spans two Regions, so its session key is a multi-Region key;
    # the emulator's mrk- ids are not AWS's (mrk- and 32 hex digits), which smlog
    # rightly refuses, so the key check is left out here (unit-tested in checks.rs).
    yaml = yaml.replace(f"  session_key_arn: {central['outputs']['SessionKeyArn']}\n", "")
    ids = ",".join(org["accounts"])
    result = verify(aws, folder, yaml, "--accounts", ids, "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 0, result.stdout + result.stderr
    passed = lines_with(result.stdout, "✔")
    # Per account: five checks in each of two Regions, and two in IAM (the
    # policy exists; the instance role holds it).
    assert len(passed) == 3 * (2 * 5 + 2), result.stdout
    for account in org["accounts"]:
        assert any(f"{account} eu-west-1 preferences: s3KeyPrefix: {account}/eu-west-1" in line for line in passed)

    # The management account is not a StackSet target: in eu-west-1 it has no preferences.
    management = aws.account_id()
    result = verify(aws, folder, yaml, "--accounts", f"{ids},{management}", "--assume-role", "OrganizationAccountAccessRole")
    assert result.returncode == 1
    failures = lines_with(result.stdout, "✘")
    assert any(f.startswith(f"✘ (error) {management} eu-west-1 preferences") for f in failures), result.stdout


def test_the_coverage_report_names_the_silent_accounts(aws, org, central, folder, tmp_path):
    bucket = central["outputs"]["BucketName"]
    body = tmp_path / "session.log"
    body.write_text("Script started\n")
    alpha, beta, gamma = org["accounts"]
    for key in (f"{alpha}/us-east-1/s-1.log", f"{alpha}/eu-west-1/s-2.log", f"{beta}/us-east-1/s-3.log"):
        aws("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", str(body))
    yaml = config(central)
    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta},{gamma}")
    print(result.stdout)
    assert result.returncode == 1
    assert f"✘ {gamma}: never logged" in result.stdout
    assert f"{alpha}" in result.stdout and "eu-west-1" in result.stdout
    assert f"✘ {alpha}" not in result.stdout and f"✘ {beta}" not in result.stdout

    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta}")
    assert result.returncode == 0, result.stdout
    assert "✔ every expected account has logged recently" in result.stdout

    import time
    time.sleep(2)
    result = verify(aws, folder, yaml, "--central", "--accounts", f"{alpha},{beta}", "--stale-after", "1s")
    assert result.returncode == 1
    assert f"✘ {alpha}: no log in the last" in result.stdout
