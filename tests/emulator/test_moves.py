"""A move to another bucket, and to another session key, in three
deployments of one member stack: before, during (`member.previous` names
what is moved away from: the agent policy allows both, the preferences name
the new one) and after (only the new one). Whether any session call fails
in between is the lifecycle proof's (tests/lifecycle); here, the policy's
default version, the preferences in every Region and the attachment after
each step."""
from conftest import (REGIONS, Member, holders, instance_profile_role, policy_document, preferences, statement,
                      two_regions)


def allowed_buckets(member):
    """The buckets the agent may write to, and those whose encryption it may read."""
    document = policy_document(member.aws, member.agent_policy)
    return (sorted(statement(document, "WriteSessionLogsToOwnPrefix")["Resource"]),
            sorted(statement(document, "ReadBucketEncryption")["Resource"]))


def buckets(member, *names):
    return (sorted(f"arn:aws:s3:::{name}/{member.account}/*" for name in names),
            sorted(f"arn:aws:s3:::{name}" for name in names))


def allowed_session_keys(member):
    return sorted(statement(policy_document(member.aws, member.agent_policy), "DecryptSessionData")["Resource"])


def preferences_everywhere(member, name, regions=REGIONS):
    return {region: preferences(member.aws.in_region(region))["inputs"][name] for region in regions}


def test_a_bucket_move_allows_both_buckets_until_it_is_done(aws, spare_account, values, workdir):
    old = values["BucketName"]  # the central stack's bucket
    new = f"smlog-moved-logs-{aws.account_id()}"
    aws("s3api", "create-bucket", "--bucket", new)
    account = spare_account()
    instance_profile_role(account, "WebServers")
    moving = Member(account, workdir / "bucket-move", values)

    moving.deploy(two_regions(f"bucket_name: {old}\n"), BucketName=old)
    assert allowed_buckets(moving) == buckets(moving, old)
    assert preferences_everywhere(moving, "s3BucketName") == {region: old for region in REGIONS}

    moving.update(two_regions(f"bucket_name: {new}\nmember:\n  previous:\n    bucket_name: {old}\n"), BucketName=new)
    assert allowed_buckets(moving) == buckets(moving, new, old)
    assert preferences_everywhere(moving, "s3BucketName") == {region: new for region in REGIONS}
    assert holders(account, moving.agent_policy) == ["WebServers"]

    moving.update(two_regions(f"bucket_name: {new}\n"))
    assert allowed_buckets(moving) == buckets(moving, new)
    assert preferences_everywhere(moving, "s3BucketName") == {region: new for region in REGIONS}
    assert holders(account, moving.agent_policy) == ["WebServers"]


def test_a_session_key_move_allows_both_keys_until_it_is_done(aws, spare_account, values, workdir):
    # One Region: a move between multi-Region keys would need key ids of
    # AWS's shape (mrk- and 32 hex digits) in the configuration, which
    # smlog rightly insists on and the emulator does not make.
    old = values["SessionKeyArn"]  # the central stack's session key
    new = aws("kms", "create-key", "--description", "the next session key")["KeyMetadata"]["Arn"]
    account = spare_account()
    instance_profile_role(account, "WebServers")
    moving = Member(account, workdir / "key-move", values)
    here = [REGIONS[0]]

    moving.deploy(f"member:\n  session_key_arn: {old}\n", SessionKeyArn=old)
    assert allowed_session_keys(moving) == [old]
    assert preferences_everywhere(moving, "kmsKeyId", here) == {REGIONS[0]: old}

    moving.update(f"member:\n  session_key_arn: {new}\n  previous:\n    session_key_arn: {old}\n", SessionKeyArn=new)
    assert allowed_session_keys(moving) == sorted([new, old])
    assert preferences_everywhere(moving, "kmsKeyId", here) == {REGIONS[0]: new}
    assert holders(account, moving.agent_policy) == ["WebServers"]

    moving.update(f"member:\n  session_key_arn: {new}\n")
    assert allowed_session_keys(moving) == [new]
    assert preferences_everywhere(moving, "kmsKeyId", here) == {REGIONS[0]: new}
