"""smlog's account controller: owns an account's Session Manager logging in
every configured Region. It attaches the agent policy to every role the SSM
Agent runs as, then writes the preferences (SSM-SessionManagerRunShell) in
each Region, repairs them where they drifted, keeps the session log groups,
publishes the names baselines need (SSM parameters), records Fleet Manager's
RDP connections where configured, and on a removal CloudFormation confirms
gives the preferences back before the policy goes. Its desired state is
its environment, set by its stack; an event only says when to converge,
never to what."""
import json
import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

DOCUMENT = "SSM-SessionManagerRunShell"
MARKER = "managed by smlog"
PLAN = "; on removal: "
DHMC_SETTING = "/ssm/managed-instance/default-ec2-instance-management-role"
TAG = "smlog:attached"  # contract.rs ATTACHED_TAG
RESOURCE, LOGICAL_ID, PHYSICAL_ID = "Custom::AccountLogging", "AccountLogging", "smlog-account-logging"
REMOVING = {"DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"}
CLEANUP = {"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"}
ROLLING_BACK = {"UPDATE_ROLLBACK_IN_PROGRESS"}
# A Region the account has not enabled answers with these; a Region-deny SCP with AccessDenied.
UNREACHABLE = {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
BOOLEANS = ("s3EncryptionEnabled", "cloudWatchEncryptionEnabled", "cloudWatchStreamingEnabled", "runAsEnabled")
CLEARED = {"s3BucketName": "", "s3KeyPrefix": "", "s3EncryptionEnabled": False, "cloudWatchLogGroupName": "",
           "cloudWatchEncryptionEnabled": False, "cloudWatchStreamingEnabled": False, "kmsKeyId": ""}
AGENT_ACTIONS = ("s3:PutObject", "s3:PutObjectAcl", "s3:GetEncryptionConfiguration", "kms:GenerateDataKey", "kms:Decrypt")
PUBLISHED = ("agent-policy-arn", "bucket-name", "session-key-arn", "log-group-name")
IAM_SETTLE_SECONDS = 10
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


def names(text):
    return [n.strip() for n in str(text or "").split(",") if n.strip()]


def flag(text):
    return str(text).lower() == "true"


class Desired:
    """What the stack fixed: the function's environment, and only that."""

    def __init__(self, env):
        self.stack_id = env["SMLOG_STACK_ID"]
        self.regions = names(env["SMLOG_REGIONS"])
        self.bucket = env["SMLOG_BUCKET"]
        self.session_key = env["SMLOG_SESSION_KEY"]
        self.session_key_lookup = env["SMLOG_SESSION_KEY_LOOKUP"]
        self.agent_policy = env["SMLOG_AGENT_POLICY_ARN"]
        self.operator_policy = env["SMLOG_OPERATOR_POLICY_ARN"]
        self.instance_profile_roles = flag(env["SMLOG_ATTACH_INSTANCE_PROFILE_ROLES"])
        self.dhmc_role = flag(env["SMLOG_ATTACH_DHMC_ROLE"])
        self.activation_roles = flag(env["SMLOG_ATTACH_ACTIVATION_ROLES"])
        self.agent_roles = names(env["SMLOG_AGENT_ROLE_NAMES"])
        self.operator_roles = names(env["SMLOG_OPERATOR_ROLE_NAMES"])
        rules = [r.split(":", 1) for r in names(env["SMLOG_UNMODIFIABLE_ROLES"])]
        self.unmodifiable_paths = [v for k, v in rules if k == "path"]
        self.unmodifiable_prefixes = [v for k, v in rules if k == "name"]
        self.log_group = env["SMLOG_LOG_GROUP"]
        self.log_retention = int(env["SMLOG_LOG_GROUP_RETENTION_DAYS"])
        self.logs_key_alias = env["SMLOG_LOGS_KEY_ALIAS"]
        self.streaming = flag(env["SMLOG_CLOUDWATCH_STREAMING"])
        self.idle_timeout = env["SMLOG_IDLE_TIMEOUT"]
        self.max_duration = env["SMLOG_MAX_DURATION"]
        self.run_as = env["SMLOG_RUN_AS_USER"]
        self.profiles = json.loads(env["SMLOG_SHELL_PROFILES"])
        self.report_bus = env["SMLOG_REPORT_BUS"]
        self.budget = int(env["SMLOG_TIME_BUDGET_SECONDS"])
        self.parameter_prefix = env["SMLOG_PARAMETER_PREFIX"]
        self.bucket_owner = env["SMLOG_BUCKET_OWNER"]
        self.rdp_regions = names(env["SMLOG_RDP_REGIONS"])

    def published(self, key_arn):
        """The names account baselines read instead of hard-coding them; a name without a value is not published."""
        values = dict(zip(PUBLISHED, (self.agent_policy, self.bucket, key_arn, self.log_group)))
        return {self.parameter_prefix + name: value for name, value in values.items()}

    def recording(self, key_arn):
        """Fleet Manager's RDP recording preferences for one Region."""
        return {"KMSKeyArn": key_arn,
                "RecordingDestinations": {"S3Buckets": [{"BucketName": self.bucket, "BucketOwner": self.bucket_owner}]}}

    def unmodifiable(self, name, path):
        return path.startswith(tuple(self.unmodifiable_paths)) or name.startswith(tuple(self.unmodifiable_prefixes))

    def document(self, account, region, key_arn, plan):
        """The preferences for one Region (the same document the template's
        AccountLogging resource describes, with the Region filled in)."""
        return {
            "schemaVersion": "1.0", "description": f"Session Manager preferences {MARKER}{PLAN}{plan}",
            "sessionType": "Standard_Stream",
            "inputs": {
                "s3BucketName": self.bucket, "s3KeyPrefix": f"{account}/{region}", "s3EncryptionEnabled": True,
                "cloudWatchLogGroupName": self.log_group, "cloudWatchEncryptionEnabled": True,
                "cloudWatchStreamingEnabled": bool(self.log_group) and self.streaming, "kmsKeyId": key_arn,
                "runAsEnabled": bool(self.run_as), "runAsDefaultUser": self.run_as,
                "idleSessionTimeout": self.idle_timeout, "maxSessionDuration": self.max_duration,
                "shellProfile": {"windows": self.profiles["windows"], "linux": self.profiles["linux"]},
            },
        }


class Report:
    """What a run did, and what it could not: for the logs and for EventBridge."""

    def __init__(self, trigger):
        self.trigger, self.roles, self.regions, self.notes = trigger, {}, {}, []
        self.attention = set()  # roles with a failed outcome: refused, at quota, blocked
        self.changed = self.failed = False

    def role(self, name, outcome, changed=False, failed=False):
        self.roles.setdefault(name, []).append(outcome)
        if failed:
            self.attention.add(name)
        self.changed |= changed
        self.failed |= failed

    def region(self, region, outcome, changed=False, failed=False):
        self.regions[region] = outcome
        self.changed |= changed
        self.failed |= failed

    def as_dict(self):
        return {"trigger": self.trigger, "roles": self.roles, "regions": self.regions, "notes": self.notes,
                "changed": self.changed, "failed": self.failed}


def code(error):
    return error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else type(error).__name__


def unreachable(error):
    """A Region the account cannot use: not enabled, or denied by a Region-deny SCP."""
    return code(error) in UNREACHABLE or (code(error) in ("AccessDenied", "AccessDeniedException")
                                          and "service control policy" in str(error))


# ---------------------------------------------------------------- which roles the agent runs as

def regional_roles(desired, clients, region):
    """The DHMC role this Region's service setting names, and the roles of its hybrid activations."""
    ssm, found = clients("ssm", region), {}
    if desired.dhmc_role:
        value = ssm.get_service_setting(SettingId=DHMC_SETTING)["ServiceSetting"]["SettingValue"]
        if value and value != "$None":
            found[value.rsplit("/", 1)[-1]] = f"default host management role ({region})"
    if desired.activation_roles:
        for page in ssm.get_paginator("describe_activations").paginate():
            for activation in page["ActivationList"]:
                if activation.get("IamRole"):
                    found[activation["IamRole"].rsplit("/", 1)[-1]] = f"hybrid activation ({region})"
    return found


def selected_roles(desired, clients, report):
    """Every role that should hold the agent policy, with why."""
    wanted = {name: "named" for name in desired.agent_roles}
    if desired.instance_profile_roles:
        for page in clients("iam").get_paginator("list_instance_profiles").paginate():
            for profile in page["InstanceProfiles"]:
                for role in profile["Roles"]:
                    wanted.setdefault(role["RoleName"], "instance profile")
    if desired.dhmc_role or desired.activation_roles:
        for region, found in across_regions(desired, lambda r: regional_roles(desired, clients, r)):
            if isinstance(found, Exception):
                report.notes.append(f"{region}: roles not discovered ({code(found)})")
            else:
                for name, why in found.items():
                    wanted.setdefault(name, why)
    return wanted


def across_regions(desired, work):
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {region: pool.submit(guarded, work, region) for region in desired.regions}
        return [(region, futures[region].result()) for region in desired.regions]


def guarded(work, *args):
    try:
        return work(*args)
    except (ClientError, BotoCoreError) as error:
        return error


# ---------------------------------------------------------------- attaching policies

def holders(iam, policy):
    found = set()
    for page in iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=policy, EntityFilter="Role"):
        found.update(role["RoleName"] for role in page["PolicyRoles"])
    return found


def boundary_blocks(iam, arn, cache):
    """The agent's actions a permissions boundary does not allow (conditions aside)."""
    if arn not in cache:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
        statements = json.loads(document) if isinstance(document, str) else document
        statements = statements.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]

        def matches(st, action):
            listed = st.get("Action", st.get("NotAction", []))
            hit = any(fnmatchcase(action.lower(), p.lower()) for p in ([listed] if isinstance(listed, str) else listed))
            return hit if "Action" in st else not hit

        cache[arn] = [a for a in AGENT_ACTIONS
                      if not any(st.get("Effect") == "Allow" and matches(st, a) for st in statements)
                      or any(st.get("Effect") == "Deny" and matches(st, a) and "Condition" not in st for st in statements)]
    return cache[arn]


def attach(desired, clients, policy, marker, wanted, report, deadline):
    """Attaches `policy` to every wanted role; every role is tried, every
    failure recorded; detaches it from roles this controller attached it to
    that are no longer wanted. Returns whether it attached any."""
    iam, boundaries, attached_any = clients("iam"), {}, False
    held = holders(iam, policy)
    for name, why in sorted(wanted.items()):
        if time.time() > deadline:
            report.notes.append(f"time budget spent before {name}: the next run continues")
            report.failed = True
            break
        try:
            role = iam.get_role(RoleName=name)["Role"]
            if desired.unmodifiable(name, role.get("Path", "/")):
                report.role(name, "managed by AWS: cannot take a policy")
                continue
            boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
            blocked = boundary_blocks(iam, boundary, boundaries) if boundary and marker == "agent" else []
            if blocked:
                report.role(name, f"permissions boundary {boundary} does not allow {', '.join(blocked)}", failed=True)
            if name in held:
                continue
            iam.attach_role_policy(RoleName=name, PolicyArn=policy)
            mark(iam, name, role, marker, add=True)
            report.role(name, f"{marker} policy attached ({why})", changed=True)
            attached_any = True
        except ClientError as error:
            outcome = {"NoSuchEntity": "does not exist in this account",
                       "LimitExceeded": "at its quota of managed policies: sessions on its nodes fail until one is removed",
                       "UnmodifiableEntity": "cannot be modified"}.get(code(error), f"not attached: {code(error)}: {error}")
            report.role(name, outcome, failed=code(error) != "NoSuchEntity")
    for name in sorted(held - set(wanted)):
        try:
            role = iam.get_role(RoleName=name)["Role"]
            if marker in tag_values(role):
                iam.detach_role_policy(RoleName=name, PolicyArn=policy)
                mark(iam, name, role, marker, add=False)
                report.role(name, f"{marker} policy detached: no longer selected", changed=True)
        except ClientError as error:
            report.role(name, f"not detached: {code(error)}", failed=True)
    return attached_any


def tag_values(role):
    return next((t["Value"].split() for t in role.get("Tags", []) if t["Key"] == TAG), [])


def mark(iam, name, role, marker, add):
    """Records on the role which smlog policies this controller attached (and may take back)."""
    values = set(tag_values(role)) | {marker} if add else set(tag_values(role)) - {marker}
    if values:
        iam.tag_role(RoleName=name, Tags=[{"Key": TAG, "Value": " ".join(sorted(values))}])
    else:
        iam.untag_role(RoleName=name, TagKeys=[TAG])


def detach_everywhere(iam, policy, marker, report):
    for name in sorted(holders(iam, policy)):
        try:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy)
            role = iam.get_role(RoleName=name)["Role"]
            if marker in tag_values(role):
                mark(iam, name, role, marker, add=False)
            report.role(name, f"{marker} policy detached", changed=True)
        except ClientError as error:
            report.role(name, f"not detached: {code(error)}", failed=True)


# ---------------------------------------------------------------- preferences, per Region

def session_key(desired, clients, region):
    if desired.session_key_lookup == "alias":
        return clients("kms", region).describe_key(KeyId=desired.session_key)["KeyMetadata"]["Arn"]
    if desired.session_key_lookup == "multi-region":
        parts = desired.session_key.split(":")
        return ":".join(parts[:3] + [region] + parts[4:])
    return desired.session_key


def log_group(desired, clients, region):
    """Creates the session log group, or adopts the one an earlier deployment kept (with this key and retention)."""
    logs = clients("logs", region)
    key = clients("kms", region).describe_key(KeyId=desired.logs_key_alias)["KeyMetadata"]["Arn"]
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=desired.log_group)["logGroups"]
             if g["logGroupName"] == desired.log_group]
    if not found:
        logs.create_log_group(logGroupName=desired.log_group, kmsKeyId=key)
        logs.put_retention_policy(logGroupName=desired.log_group, retentionInDays=desired.log_retention)
        return "log group created"
    outcome = []
    if found[0].get("kmsKeyId") != key:
        logs.associate_kms_key(logGroupName=desired.log_group, kmsKeyId=key)
        outcome.append("key")
    if found[0].get("retentionInDays") != desired.log_retention:
        logs.put_retention_policy(logGroupName=desired.log_group, retentionInDays=desired.log_retention)
        outcome.append("retention")
    return f"log group {' and '.join(outcome)} repaired" if outcome else ""


def current(ssm, version=None):
    """The document's default (or given) version and content; none when there is no document."""
    try:
        extra = {"DocumentVersion": version} if version else {}
        doc = ssm.get_document(Name=DOCUMENT, DocumentFormat="JSON", **extra)
    except ClientError as error:
        if code(error) == "InvalidDocument":
            return None, None
        raise
    content = doc["Content"]
    content = json.loads(content) if isinstance(content, str) else content
    for key in BOOLEANS:
        inputs = content.get("inputs", {})
        if isinstance(inputs.get(key), str):
            inputs[key] = inputs[key].lower() == "true"
    return doc["DocumentVersion"], content


def restore_plan(ssm, version, content):
    """What removal gives back: the default before smlog (`restore version N`), or `clear`."""
    description = content.get("description", "") if content else ""
    if content is None:
        return "clear"
    if MARKER not in description:
        return f"restore version {version}"
    if PLAN in description:
        return description.split(PLAN, 1)[1]
    # Written by smlog's earlier member stack, which kept its plan elsewhere:
    # the newest version that is not smlog's is what was there before.
    for older in range(int(version) - 1, 0, -1):
        _, old = current(ssm, str(older))
        if old is not None and MARKER not in old.get("description", ""):
            return f"restore version {older}"
    return "clear"


def write(ssm, content, exists):
    body = json.dumps(content, sort_keys=True)
    if not exists:
        ssm.create_document(Name=DOCUMENT, Content=body, DocumentType="Session", DocumentFormat="JSON")
        return
    try:
        version = ssm.update_document(Name=DOCUMENT, Content=body, DocumentFormat="JSON",
                                      DocumentVersion="$LATEST")["DocumentDescription"]["DocumentVersion"]
    except ClientError as error:
        if code(error) != "DuplicateDocumentContent":
            raise
        latest = int(ssm.describe_document(Name=DOCUMENT)["Document"]["LatestVersion"])
        version = next(str(v) for v in range(latest, 0, -1) if current(ssm, str(v))[1] == content)
    ssm.update_document_default_version(Name=DOCUMENT, DocumentVersion=version)


def publish_names(desired, clients, region, key):
    ssm = clients("ssm", region)
    wanted = desired.published(key)
    found = {p["Name"]: p["Value"] for p in ssm.get_parameters(Names=sorted(wanted))["Parameters"]}
    stale = sorted(name for name, value in wanted.items() if value and found.get(name) != value)
    for name in stale:
        ssm.put_parameter(Name=name, Value=wanted[name], Type="String", Overwrite=True,
                          Description="Published by smlog's account controller, which repairs edits")
    unused = sorted(name for name, value in wanted.items() if not value and name in found)
    if unused:
        ssm.delete_parameters(Names=unused)
    return "names published" if stale or unused else ""


def unpublish_names(desired, clients, region):
    clients("ssm", region).delete_parameters(Names=sorted(desired.published("")))


def recording_now(gui):
    try:
        return gui.get_connection_recording_preferences().get("ConnectionRecordingPreferences")
    except ClientError as error:
        if code(error) == "ResourceNotFoundException":
            return None
        raise


def record_rdp(desired, clients, region, key):
    gui = clients("ssm-guiconnect", region)
    wanted, found = desired.recording(key), recording_now(gui)
    if found == wanted:
        return ""
    gui.update_connection_recording_preferences(ConnectionRecordingPreferences=wanted)
    return "RDP recording " + ("written" if found is None else "repaired")


def stop_recording(desired, clients, region):
    gui = clients("ssm-guiconnect", region)
    found = recording_now(gui)
    if found is None:
        return ""
    buckets = [b.get("BucketName") for b in found.get("RecordingDestinations", {}).get("S3Buckets", [])]
    if buckets != [desired.bucket]:
        return "RDP recording left alone: not smlog's"
    gui.delete_connection_recording_preferences()
    return "RDP recording removed"


def converge_region(desired, clients, account, region):
    """Writes (or repairs) this Region's preferences, then publishes the names
    and the RDP recording preferences; returns (outcome, changed)."""
    notes = []
    if desired.log_group:
        notes.append(log_group(desired, clients, region))
    key = session_key(desired, clients, region)
    ssm = clients("ssm", region)
    version, content = current(ssm)
    wanted = desired.document(account, region, key, restore_plan(ssm, version, content))
    if content is None or content.get("inputs") != wanted["inputs"] or MARKER not in content.get("description", ""):
        write(ssm, wanted, content is not None)
        notes.append("preferences " + ("written" if content is None or MARKER not in content.get("description", "") else "repaired"))
    notes.append(publish_names(desired, clients, region, key))
    if region in desired.rdp_regions:
        notes.append(record_rdp(desired, clients, region, key))
    done = ", ".join(n for n in notes if n)
    return done or "unchanged", bool(done)


def restore_region(desired, clients, region):
    outcome = [restore_preferences(clients, region)]
    if region in desired.rdp_regions:
        outcome.append(stop_recording(desired, clients, region))
    unpublish_names(desired, clients, region)
    return ", ".join(o for o in outcome if o)


def restore_preferences(clients, region):
    ssm = clients("ssm", region)
    version, content = current(ssm)
    if content is None or MARKER not in content.get("description", ""):
        return "left alone: the preferences are not smlog's"
    plan = restore_plan(ssm, version, content)
    if plan.startswith("restore version "):
        wanted = plan.rsplit(" ", 1)[1]
        try:
            ssm.update_document_default_version(Name=DOCUMENT, DocumentVersion=wanted)
            return f"restored version {wanted}"
        except ClientError as error:
            if code(error) != "InvalidDocumentVersion":
                raise
    content["inputs"].update(CLEARED)
    content["description"] = "Session Manager preferences; smlog's logging settings removed"
    write(ssm, content, True)
    return "logging settings cleared"


def each_region(desired, report, work):
    for region, outcome in across_regions(desired, work):
        if isinstance(outcome, Exception):
            if unreachable(outcome):
                report.region(region, f"skipped: not reachable ({code(outcome)}); the agent cannot run there either")
            else:
                report.region(region, f"failed: {code(outcome)}: {outcome}", failed=True)
        else:
            text, changed = outcome if isinstance(outcome, tuple) else (outcome, True)
            report.region(region, text, changed=changed)


# ---------------------------------------------------------------- the two things the controller does

def converge(desired, clients, account, report, deadline, sleep):
    """Roles first; only then, and only if every role was tried, the preferences."""
    wanted = selected_roles(desired, clients, report)
    fresh = attach(desired, clients, desired.agent_policy, "agent", wanted, report, deadline)
    if desired.operator_policy:
        attach(desired, clients, desired.operator_policy, "operator",
               {n: "operator role" for n in desired.operator_roles}, report, deadline)
    if time.time() > deadline:
        report.notes.append("preferences not checked this run: the time budget was spent on roles")
        return
    if fresh:
        sleep(IAM_SETTLE_SECONDS)  # IAM is eventually consistent: let the attachment land first
    each_region(desired, report, lambda region: converge_region(desired, clients, account, region))


def remove(desired, clients, report):
    """Preferences given back in every reachable Region, then the policies detached."""
    each_region(desired, report, lambda region: restore_region(desired, clients, region))
    iam = clients("iam")
    detach_everywhere(iam, desired.agent_policy, "agent", report)
    if desired.operator_policy:
        detach_everywhere(iam, desired.operator_policy, "operator", report)


def confirmed_removal(desired, clients, event):
    """Whether CloudFormation itself says this resource is going: its own stack's
    status (from the environment, not the event), and for a clean-up the
    resource's current physical id against the event's."""
    cfn = clients("cloudformation")
    status = cfn.describe_stacks(StackName=desired.stack_id)["Stacks"][0]["StackStatus"]
    if status in REMOVING:
        return True, status
    if status in CLEANUP:
        detail = cfn.describe_stack_resource(StackName=desired.stack_id, LogicalResourceId=LOGICAL_ID)
        return detail["StackResourceDetail"].get("PhysicalResourceId") == event.get("PhysicalResourceId"), status
    return False, status


# ---------------------------------------------------------------- plumbing

def publish(desired, clients, account, report):
    if report.changed or report.failed:
        clients("events").put_events(Entries=[{
            "Source": "smlog.controller", "DetailType": "smlog account controller report",
            "Resources": [desired.stack_id], "EventBusName": desired.report_bus,
            "Detail": json.dumps({"account": account, **report.as_dict()})[:250_000]}])


def respond(event, status, reason, data):
    body = json.dumps({"Status": status, "Reason": reason[:1000], "PhysicalResourceId": PHYSICAL_ID,
                       "StackId": event["StackId"], "RequestId": event["RequestId"],
                       "LogicalResourceId": event["LogicalResourceId"], "Data": data}).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=30)


def summary(report):
    return {"Regions": ", ".join(f"{r}: {o}" for r, o in sorted(report.regions.items()))[:1500],
            "RolesNeedingAttention": ", ".join(sorted(report.attention))[:1500] or "none"}


def custom_resource(event, desired, clients, account, report, deadline, sleep):
    kind = event.get("ResourceType")
    if kind != RESOURCE or event.get("LogicalResourceId") != LOGICAL_ID:
        # A resource of smlog's earlier member stack going away: its state is the controller's now.
        return "SUCCESS", f"{kind}: nothing to do (the account controller owns this state)"
    if event["RequestType"] == "Delete":
        confirmed, status = confirmed_removal(desired, clients, event)
        if not confirmed:
            return "SUCCESS", f"removal not confirmed by CloudFormation (stack {status}): nothing removed"
        remove(desired, clients, report)
        return "SUCCESS", f"preferences given back, policies detached ({status})"
    status = clients("cloudformation").describe_stacks(StackName=desired.stack_id)["Stacks"][0]["StackStatus"]
    if status in ROLLING_BACK:
        return "SUCCESS", "rolling back: the controller converges once CloudFormation is done"
    converge(desired, clients, account, report, deadline, sleep)
    return "SUCCESS", "converged" + (" with failures (see the report)" if report.failed else "")


def handler(event, context, clients=None, send=respond, sleep=time.sleep, env=None):
    desired = Desired(env if env is not None else os.environ)
    regional = {}

    def client(service, region=None):
        key = (service, region)
        if key not in regional:
            regional[key] = (clients or boto3.client)(service, region_name=region, config=RETRIES) if region \
                else (clients or boto3.client)(service, config=RETRIES)
        return regional[key]

    remaining = context.get_remaining_time_in_millis() / 1000 if context else desired.budget + 60
    deadline = time.time() + min(desired.budget, max(remaining - 60, 0))
    account = desired.stack_id.split(":")[4]
    is_cfn = isinstance(event, dict) and "RequestType" in event and "ResponseURL" in event
    report = Report(f"CloudFormation {event['RequestType']}" if is_cfn else str(event.get("detail-type", "invoke")) if isinstance(event, dict) else "invoke")
    if not is_cfn:
        converge(desired, client, account, report, deadline, sleep)
        print(json.dumps(report.as_dict(), sort_keys=True))
        publish(desired, client, account, report)
        return report.as_dict()
    try:
        status, reason = custom_resource(event, desired, client, account, report, deadline, sleep)
    except Exception as error:  # every failure must reach CloudFormation, fast
        status, reason = "FAILED", f"{type(error).__name__}: {error}"
    print(json.dumps({"status": status, "reason": reason, **report.as_dict()}, sort_keys=True))
    try:
        publish(desired, client, account, report)
    finally:
        send(event, status, reason, summary(report))
