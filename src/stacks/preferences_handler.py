"""smlog: create or update the Session Manager preferences document."""
import json
import urllib.request

import boto3

BOOLEAN_INPUTS = ("s3EncryptionEnabled", "cloudWatchEncryptionEnabled",
                  "cloudWatchStreamingEnabled", "runAsEnabled")


def restore_types(content):
    # CloudFormation passes every scalar property as a string; the
    # document schema wants JSON booleans.
    inputs = content.get("inputs", {})
    for key in BOOLEAN_INPUTS:
        if isinstance(inputs.get(key), str):
            inputs[key] = inputs[key].lower() == "true"
    return content


def matching_version(ssm, name, content):
    latest = int(ssm.describe_document(Name=name)["Document"]["LatestVersion"])
    for version in map(str, range(latest, 0, -1)):
        doc = ssm.get_document(Name=name, DocumentVersion=version, DocumentFormat="JSON")
        if json.loads(doc["Content"]) == content:
            return version
    raise RuntimeError("SSM reported duplicate content but no version matches")


def upsert(ssm, name, content):
    body = json.dumps(content, sort_keys=True)
    try:
        ssm.describe_document(Name=name)
    except ssm.exceptions.InvalidDocument:
        ssm.create_document(Name=name, Content=body, DocumentType="Session",
                            DocumentFormat="JSON")
        return "created"
    try:
        result = ssm.update_document(Name=name, Content=body, DocumentFormat="JSON",
                                     DocumentVersion="$LATEST")
        version, outcome = result["DocumentDescription"]["DocumentVersion"], "updated"
    except ssm.exceptions.DuplicateDocumentContent:
        version, outcome = matching_version(ssm, name, content), "unchanged"
    default = ssm.describe_document(Name=name)["Document"]["DefaultVersion"]
    if default != version:
        ssm.update_document_default_version(Name=name, DocumentVersion=version)
        outcome += ", promoted"
    return outcome


def respond(event, status, reason, physical_id):
    body = json.dumps({
        "Status": status, "Reason": reason[:1000], "PhysicalResourceId": physical_id,
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=30)


def handler(event, context, ssm=None, send=respond):
    props = event["ResourceProperties"]
    name = props["DocumentName"]
    try:
        if event["RequestType"] == "Delete":
            # The document outlives the stack: sessions keep being logged.
            reason = "document left in place"
        else:
            ssm = ssm or boto3.client("ssm")
            reason = upsert(ssm, name, restore_types(props["Content"]))
        send(event, "SUCCESS", reason, name)
    except Exception as error:  # every failure must reach CloudFormation
        send(event, "FAILED", f"{type(error).__name__}: {error}", name)
