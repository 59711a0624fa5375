"""Checkov, the scanner many security teams run on CloudFormation, over every
committed template (the defaults and every example). Each finding it may
report is listed here with the reason smlog does it that way, and the README
lists the same; anything else fails, and so does an accepted finding that no
longer occurs (the list must stay true)."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FOLDERS = ("templates", "stacksets")

# (check, resource) -> why smlog keeps it. Mirrored in the README ("Peer scanners").
ACCEPTED = {
    ("CKV_AWS_18", "AWS::S3::Bucket.AccessLogBucket"):
        "the server access log target itself: logging it would need a further bucket, and so on",
    ("CKV_AWS_33", "AWS::KMS::Key.BucketKey"):
        "the Principal * statements are bounded by aws:PrincipalOrgID (or the configured accounts), "
        "kms:ViaService and the encryption context, which checkov does not read",
    ("CKV_AWS_33", "AWS::KMS::Key.SessionKey"):
        "as for the bucket key: organisation principals, Session Manager's encryption context only",
    ("CKV_AWS_33", "AWS::KMS::Key.LoggingKey"):
        "keys: one, the bucket key's and the session key's statements on one key",
    ("CKV_AWS_115", "AWS::Lambda::Function.SmlogHandler"):
        "reserved concurrency is taken from the account's pool, which must keep 100 unreserved: "
        "in a new account (a quota of 10) the stack would fail",
    ("CKV_AWS_116", "AWS::Lambda::Function.SmlogHandler"):
        "a failed run is reported to EventBridge and retried by the next trigger; a queue per account "
        "would hold events nobody replays",
    ("CKV_AWS_117", "AWS::Lambda::Function.SmlogHandler"):
        "the controller calls IAM, SSM and KMS in every Region: in a VPC each account would need a NAT "
        "gateway or endpoints in every Region",
    ("CKV_AWS_158", "AWS::Logs::LogGroup.SmlogHandlerLogs"):
        "the controller's own log holds its reports (role names, Regions), not session data; a key per "
        "account for it would cost $1 a month each",
    ("CKV_AWS_173", "AWS::Lambda::Function.SmlogHandler"):
        "its environment holds ARNs and names, no secret: the AWS managed key Lambda uses by default suffices",
}


def checkov():
    found = os.environ.get("SMLOG_CHECKOV") or shutil.which("checkov")
    assert found, "checkov is not installed: tests/run installs it (its own venv; it pins an older boto3)"
    return found


def findings(folder):
    result = subprocess.run([checkov(), "-d", str(REPO / folder), "--framework", "cloudformation", "--quiet",
                             "--compact", "-o", "json"], capture_output=True, text=True, timeout=600)
    assert result.stdout.strip(), result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return {(f["check_id"], f["resource"], f["file_path"])
            for report in reports for f in report.get("results", {}).get("failed_checks", [])}


@pytest.fixture(scope="module")
def reported():
    return set().union(*(findings(folder) for folder in FOLDERS))


def test_every_finding_is_an_accepted_one(reported):
    unexplained = sorted(f for f in reported if f[:2] not in ACCEPTED)
    assert not unexplained, f"checkov findings without a reason: {unexplained}"


def test_every_accepted_finding_still_occurs(reported):
    occurring = {f[:2] for f in reported}
    assert not set(ACCEPTED) - occurring, f"accepted but no longer reported: {set(ACCEPTED) - occurring}"


def test_the_readme_lists_each_accepted_check():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Peer scanners", 1)[1].split("\n## ", 1)[0]
    for check, resource in ACCEPTED:
        assert check in section and resource.split(".")[1] in section, (check, resource)
