"""smlog's member-stack handler: attaches smlog's policies to roles (now and
on a schedule), holds preferences back until the agent policy exists, keeps
the session log group, and writes the Session Manager preferences,
restoring what was there on delete."""
import json
import time
import urllib.request

import boto3

DHMC_ROLE = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
BOOLEAN_INPUTS = ("s3EncryptionEnabled", "cloudWatchEncryptionEnabled",
                  "cloudWatchStreamingEnabled", "runAsEnabled")
# Settings smlog writes and, on delete of a document it created, clears.
LOGGING_INPUTS = {"s3BucketName": "", "s3KeyPrefix": "", "s3EncryptionEnabled": False,
                  "cloudWatchLogGroupName": "", "cloudWatchEncryptionEnabled": False,
                  "cloudWatchStreamingEnabled": False, "kmsKeyId": ""}
MARKER = "managed by smlog"
DATA_LIMIT = 3500  # custom resource Data must stay under 4 KB


def flag(value):
    # CloudFormation hands every scalar property over as a string.
    return value is True or str(value).lower() == "true"


def names(value):
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [name.strip() for name in items if name and name.strip()]


# ---------------------------------------------------------------- policy attachments

def attach(iam, props):
    """Attaches the policy to every role the properties select; returns (attached, skipped)."""
    policy = props["PolicyArn"]
    attached, skipped = set(), {}
    for page in iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=policy, EntityFilter="Role"):
        attached.update(role["RoleName"] for role in page["PolicyRoles"])
    wanted = {}
    if flag(props.get("InstanceProfileRoles")):
        for page in iam.get_paginator("list_instance_profiles").paginate():
            for profile in page["InstanceProfiles"]:
                for role in profile["Roles"]:
                    wanted[role["RoleName"]] = role.get("Path", "/")
    for name in names(props.get("RoleNames")) + ([DHMC_ROLE] if flag(props.get("DefaultHostManagementRole")) else []):
        if name in wanted:
            continue
        try:
            wanted[name] = iam.get_role(RoleName=name)["Role"].get("Path", "/")
        except iam.exceptions.NoSuchEntityException:
            skipped[name] = "does not exist in this account"
    for name, path in sorted(wanted.items()):
        if name in attached:
            continue
        if path.startswith(("/aws-service-role/", "/aws-reserved/")) or name.startswith("AWSReservedSSO_"):
            skipped[name] = "managed by AWS, cannot take a policy"
            continue
        try:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy)
            attached.add(name)
        except iam.exceptions.LimitExceededException:
            skipped[name] = "at its quota of managed policies"
        except iam.exceptions.UnmodifiableEntityException:
            skipped[name] = "cannot be modified"
        except iam.exceptions.NoSuchEntityException:
            skipped[name] = "deleted meanwhile"
    return sorted(attached), skipped


def detach_everywhere(iam, policy):
    for page in iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=policy, EntityFilter="Role"):
        for role in page["PolicyRoles"]:
            try:
                iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=policy)
            except iam.exceptions.NoSuchEntityException:
                pass
    return "detached"


def summary(items):
    text = ", ".join(items) or "none"
    return text if len(text) <= DATA_LIMIT // 2 else text[:DATA_LIMIT // 2 - 20] + f"… ({len(items)} in all)"


def attachments(event, clients):
    props, iam = event["ResourceProperties"], clients("iam")
    if event["RequestType"] == "Delete":
        return props["PolicyArn"], detach_everywhere(iam, props["PolicyArn"]), {}
    attached, skipped = attach(iam, props)
    data = {"Attached": summary(attached),
            "Skipped": summary([f"{name} ({why})" for name, why in sorted(skipped.items())])}
    return props["PolicyArn"], f"attached to {len(attached)} role(s), skipped {len(skipped)}", data


def reconcile(props, clients):
    """The scheduled run: roles added since (or a policy detached) get it again."""
    attached, skipped = attach(clients("iam"), props)
    print(json.dumps({"policy": props["PolicyArn"], "attached": attached, "skipped": skipped}))
    return {"attached": len(attached), "skipped": len(skipped)}


# ---------------------------------------------------------------- agent policy readiness

def ready(event, clients, remaining_ms):
    props = event["ResourceProperties"]
    if event["RequestType"] != "Delete":
        iam = clients("iam")
        deadline = time.time() + max(remaining_ms / 1000 - 30, 0)
        while True:
            try:
                iam.get_policy(PolicyArn=props["PolicyArn"])
                break
            except iam.exceptions.NoSuchEntityException:
                if time.time() > deadline:
                    raise RuntimeError(
                        f"{props['PolicyArn']} does not exist yet: the member stack in the IAM Region "
                        "creates it; deploy that Region first, then retry this stack instance")
                time.sleep(15)
    return props["PolicyArn"], "the agent policy exists", {}


# ---------------------------------------------------------------- session log group

def log_group(event, clients):
    """Creates the group, or adopts the one an earlier deployment retained (its
    name is unique in the account and Region); never deletes it: the logs stay."""
    props, logs = event["ResourceProperties"], clients("logs")
    name = props["LogGroupName"]
    if event["RequestType"] == "Delete":
        return event.get("PhysicalResourceId") or name, "retained with its logs", {}
    try:
        logs.create_log_group(logGroupName=name, kmsKeyId=props["KmsKeyArn"])
        outcome = "created"
    except logs.exceptions.ResourceAlreadyExistsException:
        logs.associate_kms_key(logGroupName=name, kmsKeyId=props["KmsKeyArn"])
        outcome = "adopted from an earlier deployment"
    logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
    return name, outcome, {}


# ---------------------------------------------------------------- preferences

def typed(content):
    inputs = content.get("inputs", {})
    for key in BOOLEAN_INPUTS:
        if isinstance(inputs.get(key), str):
            inputs[key] = inputs[key].lower() == "true"
    return content


def default_content(ssm, name):
    doc = ssm.get_document(Name=name, DocumentFormat="JSON")
    return doc["DocumentVersion"], json.loads(doc["Content"])


def matching_version(ssm, name, content):
    latest = int(ssm.describe_document(Name=name)["Document"]["LatestVersion"])
    for version in map(str, range(latest, 0, -1)):
        doc = ssm.get_document(Name=name, DocumentVersion=version, DocumentFormat="JSON")
        if json.loads(doc["Content"]) == content:
            return version
    raise RuntimeError("SSM reported duplicate content but no version matches")


def write(ssm, name, content):
    """Makes `content` the default version, creating the document if needed."""
    body = json.dumps(content, sort_keys=True)
    try:
        ssm.describe_document(Name=name)
    except ssm.exceptions.InvalidDocument:
        ssm.create_document(Name=name, Content=body, DocumentType="Session", DocumentFormat="JSON")
        return "created"
    try:
        result = ssm.update_document(Name=name, Content=body, DocumentFormat="JSON",
                                     DocumentVersion="$LATEST")
        version, outcome = result["DocumentDescription"]["DocumentVersion"], "updated"
    except ssm.exceptions.DuplicateDocumentContent:
        version, outcome = matching_version(ssm, name, content), "unchanged"
    if ssm.describe_document(Name=name)["Document"]["DefaultVersion"] != version:
        ssm.update_document_default_version(Name=name, DocumentVersion=version)
        outcome += ", promoted"
    return outcome


def restore_plan(ssm, name):
    """What delete must bring back: the default version before smlog (`restore:N`),
    or `clear` when there was none, or it was smlog's own."""
    try:
        version, content = default_content(ssm, name)
    except ssm.exceptions.InvalidDocument:
        return "clear"
    return "clear" if MARKER in content.get("description", "") else f"restore:{version}"


def restore(ssm, name, plan, bucket):
    try:
        _, current = default_content(ssm, name)
    except ssm.exceptions.InvalidDocument:
        return "no document"
    if current.get("inputs", {}).get("s3BucketName") != bucket:
        return "left alone: someone else has changed the preferences since"
    if plan.startswith("restore:"):
        try:
            ssm.update_document_default_version(Name=name, DocumentVersion=plan.split(":", 1)[1])
            return f"restored version {plan.split(':', 1)[1]}"
        except ssm.exceptions.InvalidDocumentVersion:
            pass  # that version is gone: clear smlog's settings instead
    current["inputs"].update(LOGGING_INPUTS)
    current["description"] = "Session Manager preferences; smlog's logging settings removed"
    return "logging settings cleared (" + write(ssm, name, current) + ")"


def preferences(event, clients):
    props, ssm = event["ResourceProperties"], clients("ssm")
    name, content = props["DocumentName"], typed(props["Content"])
    if event["RequestType"] == "Delete":
        physical = event.get("PhysicalResourceId", "")
        plan = physical.split("|", 1)[1] if "|" in physical else ""
        if not plan:
            return physical, "nothing was written", {}
        return physical, restore(ssm, name, plan, content["inputs"]["s3BucketName"]), {}
    physical = event.get("PhysicalResourceId") if event["RequestType"] == "Update" else None
    physical = physical or f"{name}|{restore_plan(ssm, name)}"
    event["PhysicalResourceId"] = physical  # a failure below still leaves a plan to undo it
    return physical, write(ssm, name, content), {}


# ---------------------------------------------------------------- CloudFormation plumbing

RESOURCES = {"Custom::PolicyAttachments": attachments, "Custom::SessionPreferences": preferences,
             "Custom::SessionLogGroup": log_group}


def respond(event, status, reason, physical_id, data):
    body = json.dumps({
        "Status": status, "Reason": reason[:1000], "PhysicalResourceId": physical_id,
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"], "Data": data,
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=30)


def handler(event, context, clients=None, send=respond):
    clients = clients or boto3.client
    if "Reconcile" in event:
        return reconcile(event["Reconcile"], clients)
    physical = event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "smlog"
    try:
        kind = event["ResourceType"]
        if kind == "Custom::AgentPolicyReady":
            remaining = context.get_remaining_time_in_millis() if context else 60_000
            physical, reason, data = ready(event, clients, remaining)
        elif kind in RESOURCES:
            physical, reason, data = RESOURCES[kind](event, clients)
        else:
            raise ValueError(f"unknown resource type {kind}")
        send(event, "SUCCESS", reason, physical, data)
    except Exception as error:  # every failure must reach CloudFormation, fast
        physical = event.get("PhysicalResourceId") or physical
        send(event, "FAILED", f"{type(error).__name__}: {error}", physical, {})
