// calls.mjs — owns THE table of every AWS call in a Session Manager session's life, and
// of the calls that must fail. Each row says who calls, which IAM action on which
// resource (a function of the deployment `d`, built in prove.mjs), with which request
// context, when the call happens, what we expect, and where in the SSM Agent
// (github.com/aws/amazon-ssm-agent @ 1c217c89) or the Session Manager plugin
// (github.com/aws/session-manager-plugin @ 61cf1288) the call is made.
//
// `d` (see prove.mjs, sessionSituation()) carries: partition, account (the member), region
// (the node's Region), instanceId, sessionId, operator, prefs (the preferences exactly as
// the agent parses them), bucket {name, arn, region, account, sse}, logGroup, other
// (another member account), and helpers keyRegion(arn), s3KeyFor(arn).
//
// `pre` are non-IAM preconditions (Regions, existence, encryption type): a failing one is
// reported like a denied call, with its reason.

const EC_SESSION = (d) => ({
  'kms:EncryptionContext:aws:ssm:SessionId': d.sessionId,
  'kms:EncryptionContext:aws:ssm:TargetId': d.instanceId,
  'kms:EncryptionContextKeys': ['aws:ssm:SessionId', 'aws:ssm:TargetId'],
});
import { CONTROLLER_CALLS, GUARDRAIL_CALLS } from './account.mjs';
import { jitCalls } from './jit.mjs';
import { AUDIT_CALLS } from './audit.mjs';

const SRC_AGENT = 'aws/amazon-ssm-agent';
const SRC_PLUGIN = 'aws/session-manager-plugin';

// The object the agent uploads: fileutil.BuildS3Path(s3KeyPrefix, sessionId + ".log") is a
// path.Join, so an empty prefix gives "<sessionId>.log" and "a/b/" gives "a/b/<id>.log".
export function objectKey(prefix, sessionId) {
  return [...String(prefix).split('/').filter(Boolean), `${sessionId}.log`].join('/');
}
const objectArn = (d, prefix = d.prefs.s3KeyPrefix) => `${d.bucketArnForPrefs}/${objectKey(prefix, d.sessionId)}`;

// The key S3 uses for SSE-KMS: the id the agent copied from the bucket's default
// encryption. A full ARN names the key; an alias or bare id is resolved in the uploader's
// account and the bucket's Region (AWS-FACTS: "callers in other accounts resolve it in
// their own account").
export function sseKeyArn(d) {
  const id = d.bucket?.sse?.kmsKeyId;
  if (!id) return undefined;
  if (id.startsWith('arn:')) return id;
  return `arn:${d.partition}:kms:${d.bucket.region}:${d.account}:${id.startsWith('alias/') ? id : `key/${id}`}`;
}

const keyInRegion = (what, arn, region, d) => ({
  ok: d.keyRegion(arn) === region,
  why: `${what} ${arn} is in ${d.keyRegion(arn)}, the client calls KMS in ${region}`,
});
const keyExists = (arn, d) => ({ ok: d.keyExists(arn), why: `no KMS key ${arn} in this deployment (NotFoundException)` });
const bucketExists = (d) => ({ ok: Boolean(d.bucket), why: `bucket ${d.prefs.s3BucketName} is not in this deployment` });

export const CALLS = [
  // ---------------------------------------------------------------- agent, before the session
  {
    id: 'agent.HeadBucket(region discovery)', caller: 'agent', action: 's3:ListBucket', expect: 'either',
    when: { text: 's3BucketName set; a failure is tolerated (falls back to an anonymous HEAD)', test: (d) => d.prefs.s3BucketName !== '' },
    resource: (d) => d.bucketArnForPrefs, context: () => ({}),
    source: `${SRC_AGENT} agent/s3util/crossregion.go getBucketRegionFromSignedHeadBucketRequest()`,
  },
  {
    id: 'agent.GetBucketEncryption(validate)', caller: 'agent', action: 's3:GetEncryptionConfiguration', expect: 'allow', ifDenied: 'the session does not start ("unable to validate encryption on Amazon S3 bucket")',
    when: { text: 's3BucketName set and s3EncryptionEnabled true: a failure fails the session', test: (d) => d.prefs.s3BucketName !== '' && d.prefs.s3EncryptionEnabled },
    resource: (d) => d.bucketArnForPrefs, context: () => ({}),
    pre: (d) => [bucketExists(d), { ok: ['aws:kms', 'AES256'].includes(d.bucket?.sse?.algorithm), why: `default encryption ${d.bucket?.sse?.algorithm ?? 'none'} is not aws:kms or AES256: "encryption is not set up"` }],
    source: `${SRC_AGENT} agent/session/shell/shell.go validate() -> agent/s3util/s3util.go IsBucketEncrypted()`,
  },
  {
    id: 'agent.GetBucketEncryption(upload)', caller: 'agent', action: 's3:GetEncryptionConfiguration', expect: 'allow', ifDenied: 'the log is uploaded without SSE headers (or not at all if PutObject then fails)',
    when: { text: 'always when s3BucketName set, even with s3EncryptionEnabled false (denied: uploads without SSE headers)', test: (d) => d.prefs.s3BucketName !== '' },
    resource: (d) => d.bucketArnForPrefs, context: () => ({}), pre: (d) => [bucketExists(d)],
    source: `${SRC_AGENT} agent/s3util/s3util.go S3Upload() -> getSSEAlgorithm()`,
  },
  {
    id: 'agent.Decrypt(session key)', caller: 'agent', action: 'kms:Decrypt', expect: 'allow', ifDenied: 'the handshake fails: the session does not start',
    when: { text: 'kmsKeyId set (KMS encryption of session data)', test: (d) => d.prefs.kmsKeyId !== '' },
    resource: (d) => d.prefs.kmsKeyId, context: EC_SESSION,
    pre: (d) => [keyInRegion('session key', d.prefs.kmsKeyId, d.region, d), keyExists(d.prefs.kmsKeyId, d)],
    source: `${SRC_AGENT} agent/session/datachannel/datachannel.go finalizeKMSEncryption() -> agent/session/crypto/blockcipher.go UpdateEncryptionKey() -> kmsservice.go Decrypt(); client Region: agent/sdkutil/awsconfig.go AwsConfig() = Identity().Region()`,
  },
  // ---------------------------------------------------------------- CloudWatch Logs (agent)
  {
    id: 'agent.DescribeLogGroups', caller: 'agent', action: 'logs:DescribeLogGroups', expect: 'allow', ifDenied: 'with cloudWatchEncryptionEnabled the session does not start ("encryption is not set up"), else nothing is streamed',
    when: { text: 'cloudWatchLogGroupName set (pages until found; denied: no streaming, or session fails with cloudWatchEncryptionEnabled)', test: (d) => d.prefs.cloudWatchLogGroupName !== '' },
    resource: () => '*', context: () => ({}),
    pre: (d) => [{ ok: Boolean(d.logGroup), why: `log group ${d.prefs.cloudWatchLogGroupName} does not exist in ${d.account} ${d.region}` },
      ...(d.prefs.cloudWatchEncryptionEnabled ? [{ ok: Boolean(d.logGroup?.kmsKeyId), why: 'log group has no KmsKeyId: "encryption is not set up"' }] : [])],
    source: `${SRC_AGENT} agent/session/shell/shell.go validate() -> agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go IsLogGroupPresent() -> getLogGroupDetails() -> DescribeLogGroups()`,
  },
  {
    id: 'agent.CreateLogStream', caller: 'agent', action: 'logs:CreateLogStream', expect: 'allow', ifDenied: 'streaming stops: no CloudWatch log',
    when: { text: 'cloudWatchLogGroupName set (stream name = session id)', test: (d) => d.prefs.cloudWatchLogGroupName !== '' },
    resource: (d) => `${d.logGroupArnBase}:log-stream:${d.sessionId}`, context: () => ({}),
    source: `${SRC_AGENT} cloudwatchlogsservice.go StreamData() -> CreateLogStream()`,
  },
  {
    id: 'agent.DescribeLogStreams', caller: 'agent', action: 'logs:DescribeLogStreams', expect: 'allow', ifDenied: 'no sequence token; PutLogEvents retried blind',
    when: { text: 'cloudWatchLogGroupName set (sequence token before the first PutLogEvents)', test: (d) => d.prefs.cloudWatchLogGroupName !== '' },
    // CloudWatch Logs authorizes group-level actions on "log-group:NAME:log-stream:" (the form its
    // AccessDenied messages print), which is why policies must use the ":*" form of the group ARN.
    resource: (d) => `${d.logGroupArnBase}:log-stream:`, context: () => ({}),
    source: `${SRC_AGENT} cloudwatchlogsservice.go StreamData() -> GetSequenceTokenForStream() -> getLogStreamDetails() -> DescribeLogStreams()`,
  },
  {
    id: 'agent.PutLogEvents', caller: 'agent', action: 'logs:PutLogEvents', expect: 'allow', ifDenied: 'no CloudWatch log',
    when: { text: 'cloudWatchLogGroupName set', test: (d) => d.prefs.cloudWatchLogGroupName !== '' },
    resource: (d) => `${d.logGroupArnBase}:log-stream:${d.sessionId}`, context: () => ({}),
    source: `${SRC_AGENT} cloudwatchlogsservice.go StreamData() -> PutLogEvents()`,
  },
  {
    id: 'logs.GenerateDataKey(log group key)', caller: 'cloudwatch-logs', action: 'kms:GenerateDataKey', expect: 'allow', ifDenied: 'CloudWatch Logs cannot write the encrypted group',
    when: { text: 'the log group has a KmsKeyId (CloudWatch Logs encrypts with it in the group\'s Region)', test: (d) => Boolean(d.logGroup?.kmsKeyId) },
    resource: (d) => d.logGroup.kmsKeyId,
    context: (d) => ({ 'kms:EncryptionContext:aws:logs:arn': d.logGroup.arnNoStar, 'kms:EncryptionContextKeys': ['aws:logs:arn'] }),
    pre: (d) => [keyInRegion('log group key', d.logGroup.kmsKeyId, d.region, d), keyExists(d.logGroup.kmsKeyId, d)],
    source: 'CloudWatch Logs service (not agent code): user guide "Encrypt log data in CloudWatch Logs using AWS KMS"',
  },
  {
    id: 'logs.Decrypt(log group key)', caller: 'cloudwatch-logs', action: 'kms:Decrypt', expect: 'allow', ifDenied: 'the group cannot be read',
    when: { text: 'the log group has a KmsKeyId (reads of the group)', test: (d) => Boolean(d.logGroup?.kmsKeyId) },
    resource: (d) => d.logGroup.kmsKeyId,
    context: (d) => ({ 'kms:EncryptionContext:aws:logs:arn': d.logGroup.arnNoStar, 'kms:EncryptionContextKeys': ['aws:logs:arn'] }),
    pre: (d) => [keyExists(d.logGroup.kmsKeyId, d)],
    source: 'CloudWatch Logs service (not agent code)',
  },
  // ---------------------------------------------------------------- agent, at session end: S3 upload
  ...['s3:PutObject', 's3:PutObjectAcl'].map((action) => ({
    id: `agent.${action.slice(3)}(own prefix)`, caller: 'agent', action, expect: 'allow', ifDenied: 'the log is lost',
    when: { text: 's3BucketName set; at session end; ACL bucket-owner-full-control makes PutObject need PutObjectAcl too', test: (d) => d.prefs.s3BucketName !== '' },
    resource: (d) => objectArn(d),
    context: (d) => ({
      's3:x-amz-acl': 'bucket-owner-full-control',
      ...(d.bucket?.sse?.algorithm ? { 's3:x-amz-server-side-encryption': d.bucket.sse.algorithm } : {}),
      ...(d.bucket?.sse?.kmsKeyId ? { 's3:x-amz-server-side-encryption-aws-kms-key-id': d.bucket.sse.kmsKeyId } : {}),
    }),
    pre: (d) => [bucketExists(d)],
    source: `${SRC_AGENT} agent/session/shell/shell.go finishLogging() -> uploadShellSessionLogsToS3() -> agent/s3util/s3util.go S3Upload() (ACL, ContentType, SSEKMSKeyId from getSSEAlgorithm())`,
  })),
  {
    id: 'agent.PutObject(own prefix, no SSE headers)', caller: 'agent', action: 's3:PutObject', expect: 'allow', ifDenied: 'logs of older agents are lost',
    when: { text: 'an older agent sends neither SSE header: the bucket default applies (AWS-FACTS: do not require them)', test: (d) => d.prefs.s3BucketName !== '' },
    resource: (d) => objectArn(d), context: () => ({ 's3:x-amz-acl': 'bucket-owner-full-control' }),
    pre: (d) => [bucketExists(d)],
    source: `${SRC_AGENT} agent/s3util/s3util.go S3Upload() when GetBucketEncryption was denied or in older agents`,
  },
  // Uploads stay on the bucket key: a member account cannot put its logs under a key of its
  // own (which the central account could not read) or under SSE-S3 / the AWS managed key.
  ...[['another KMS key', (d) => ({ 's3:x-amz-server-side-encryption': 'aws:kms',
    's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:${d.partition}:kms:${d.region}:${d.account}:key/0b1c2d3e-0000-4000-8000-member0own00` })],
  ['AES256', () => ({ 's3:x-amz-server-side-encryption': 'AES256' })],
  ['aws:kms without a key id (aws/s3)', () => ({ 's3:x-amz-server-side-encryption': 'aws:kms' })],
  ['the bucket key, as DSSE-KMS', (d) => ({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse', 's3:x-amz-server-side-encryption-aws-kms-key-id': sseKeyArn(d) })],
  ].map(([what, headers]) => ({
    id: `deny.member-admin.PutObject(own prefix, ${what})`, caller: 'member-admin', action: 's3:PutObject', expect: 'deny',
    when: { text: `an upload below the account's own prefix encrypted with ${what}`, test: (d) => Boolean(d.bucket) && d.bucket.sse?.algorithm === 'aws:kms' },
    resource: (d) => objectArn(d), context: (d) => ({ 's3:x-amz-acl': 'bucket-owner-full-control', ...headers(d) }),
    source: 'bucket policy DenyUploadsWithAnotherKey / DenyUploadsWithAnotherEncryption / DenyUploadsWithTheAwsManagedKey',
  })),
  {
    id: 's3.GenerateDataKey(bucket key, for agent)', caller: 's3-for-agent', action: 'kms:GenerateDataKey', expect: 'allow', ifDenied: 'the upload fails: the log is lost',
    when: { text: 'bucket SSE is aws:kms: S3 asks KMS in the bucket\'s Region with the uploader\'s identity', test: (d) => d.prefs.s3BucketName !== '' && d.bucket?.sse?.algorithm === 'aws:kms' },
    resource: (d) => sseKeyArn(d), context: (d) => s3KmsContext(d),
    pre: (d) => [keyInRegion('bucket key', sseKeyArn(d), d.bucket.region, d), keyExists(sseKeyArn(d), d)],
    source: `${SRC_AGENT} agent/s3util/s3util.go S3Upload() -> s3manager.Uploader.Upload(); S3 user guide "UsingKMSEncryption" (uploader needs kms:GenerateDataKey)`,
  },
  {
    id: 's3.Decrypt(bucket key, multipart, for agent)', caller: 's3-for-agent', action: 'kms:Decrypt', expect: 'allow', ifDenied: 'logs over 5 MiB are lost',
    when: { text: 'bucket SSE is aws:kms and the log exceeds 5 MiB (s3manager multipart, DefaultUploadPartSize)', test: (d) => d.prefs.s3BucketName !== '' && d.bucket?.sse?.algorithm === 'aws:kms' },
    resource: (d) => sseKeyArn(d), context: (d) => s3KmsContext(d),
    pre: (d) => [keyInRegion('bucket key', sseKeyArn(d), d.bucket.region, d), keyExists(sseKeyArn(d), d)],
    source: `${SRC_AGENT} vendor/github.com/aws/aws-sdk-go/service/s3/s3manager/upload.go (MinUploadPartSize 5 MiB); S3 guide: multipart with SSE-KMS needs kms:Decrypt`,
  },
  // ---------------------------------------------------------------- operator (client side)
  {
    id: 'operator.StartSession(instance)', caller: 'operator', action: 'ssm:StartSession', expect: 'allow', ifDenied: 'the operator cannot start a session',
    when: { text: 'aws ssm start-session --target i-… (default document SSM-SessionManagerRunShell)', test: () => true },
    resource: (d) => `arn:${d.partition}:ec2:${d.region}:${d.account}:instance/${d.instanceId}`,
    context: () => ({ 'ssm:SessionDocumentAccessCheck': 'true' }),
    source: `${SRC_PLUGIN} src/ssmclicommands/startsession.go (the AWS CLI calls StartSession, then execs the plugin)`,
  },
  {
    id: 'operator.StartSession(preferences document)', caller: 'operator', action: 'ssm:StartSession', expect: 'allow', ifDenied: 'the operator cannot start a session',
    when: { text: 'same call, authorized against the session document too', test: () => true },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:document/SSM-SessionManagerRunShell`,
    context: () => ({ 'ssm:SessionDocumentAccessCheck': 'true' }),
    source: 'Session Manager user guide "Enforce a session document permission check" (ssm:SessionDocumentAccessCheck)',
  },
  // The Session Manager console lists nodes and sessions before it starts one (user guide,
  // "Sample IAM policies for Session Manager"); Identity Center users come through it.
  ...['ssm:DescribeSessions', 'ssm:DescribeInstanceInformation', 'ssm:DescribeInstanceProperties', 'ec2:DescribeInstances'].map((action) => ({
    id: `operator.${action.split(':')[1]}(console)`, caller: 'operator', action, expect: 'allow', ifDenied: 'the console lists no nodes or sessions',
    when: { text: 'an Identity Center user opens the Session Manager console', test: (d) => Boolean(d.identityCenter) },
    resource: () => '*', context: () => ({}), // no resource type in the service reference
    source: 'Session Manager user guide "Sample IAM policies for Session Manager" (Session Manager and Fleet Manager)',
  })),
  {
    id: 'operator.GetConnectionStatus(console)', caller: 'operator', action: 'ssm:GetConnectionStatus', expect: 'allow', ifDenied: 'the console shows no node as connectable',
    when: { text: 'an Identity Center user opens the Session Manager console', test: (d) => Boolean(d.identityCenter) },
    resource: (d) => `arn:${d.partition}:ec2:${d.region}:${d.account}:instance/${d.instanceId}`, context: () => ({}),
    source: 'Session Manager user guide "Sample IAM policies for Session Manager"; the service reference gives it instance and managed-instance resources',
  },
  {
    id: 'deny.operator.StartSession(same-named document of another account)', caller: 'operator', action: 'ssm:StartSession', expect: 'deny', sharedByOwner: true,
    when: { text: 'a Session document named SSM-SessionManagerRunShell, shared from another account, passed by ARN to skip the logging preferences', test: () => true },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.outsider}:document/SSM-SessionManagerRunShell`,
    context: () => ({ 'ssm:SessionDocumentAccessCheck': 'true' }),
    source: 'operator policy / permission set: the document in the principal\'s own account only (research B, open question 7)',
  },
  {
    id: 'operator.GenerateDataKey(session key)', caller: 'operator', action: 'kms:GenerateDataKey', expect: 'allow', ifDenied: 'the handshake fails: the session does not start',
    when: { text: 'kmsKeyId set: the plugin makes the data key the agent decrypts', test: (d) => d.prefs.kmsKeyId !== '' },
    resource: (d) => d.prefs.kmsKeyId, context: EC_SESSION,
    pre: (d) => [keyInRegion('session key', d.prefs.kmsKeyId, d.region, d), keyExists(d.prefs.kmsKeyId, d)],
    source: `${SRC_PLUGIN} src/datachannel/streaming.go ProcessKMSEncryptionHandshakeAction() -> src/encryption/encrypter.go NewEncrypter() -> kmsservice.go KMSGenerateDataKey(); Region: src/sdkutil/awsconfig.go SetRegionAndProfile(start-session Region)`,
  },
  // The central session key serves Session Manager only: its encryption context, both keys
  // and no other. Using it for anything else (decrypting arbitrary data, encrypting under
  // another context) is denied even to principals whose own policies allow the key.
  ...[['agent', 'kms:Decrypt', 'no encryption context', () => ({})],
    ['member-admin', 'kms:GenerateDataKey', 'another encryption context', () => ({
      'kms:EncryptionContext:purpose': 'backups', 'kms:EncryptionContextKeys': ['purpose'] })],
    ['member-admin', 'kms:Decrypt', 'Session Manager\'s context plus another key', (d) => ({
      ...EC_SESSION(d), 'kms:EncryptionContext:purpose': 'backups', 'kms:EncryptionContextKeys': ['aws:ssm:SessionId', 'aws:ssm:TargetId', 'purpose'] })],
  ].map(([caller, action, what, context]) => ({
    id: `deny.${caller}.${action.slice(4)}(session key, ${what})`, caller, action, expect: 'deny',
    when: { text: `the central session key used outside Session Manager: ${what}`, test: (d) => d.prefs.kmsKeyId !== '' && d.keyAccount(d.prefs.kmsKeyId) !== d.account },
    resource: (d) => d.prefs.kmsKeyId, context,
    source: 'session key policy: the organisation statement requires the aws:ssm:SessionId and aws:ssm:TargetId context and no other key',
  })),
  ...['ssm:ResumeSession', 'ssm:TerminateSession'].map((action) => ({
    id: `operator.${action.slice(4)}(own session)`, caller: 'operator', action, expect: 'allow', ifDenied: action === 'ssm:ResumeSession' ? 'a dropped session cannot be resumed' : 'TerminateSession fails (the session still ends with the shell or on idle timeout)',
    when: { text: action === 'ssm:ResumeSession' ? 'reconnect after a network break' : 'session end (exit, Ctrl-D)', test: () => true },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:session/${d.sessionId}`,
    context: (d) => ({ 'ssm:resourceTag/aws:ssmmessages:session-id': d.operator.userid }),
    source: `${SRC_PLUGIN} src/sessionmanagerplugin/session/sessionhandler.go ${action === 'ssm:ResumeSession' ? 'ResumeSessionHandler()' : 'TerminateSession()'}; session id = "<role session name>-<hex>" (user guide "About session ID ARN formats")`,
  })),
  // ---------------------------------------------------------------- S3 replication (opt-in replica)
  ...[['s3:GetReplicationConfiguration', (d) => d.bucket.arn], ['s3:GetObjectVersionForReplication', (d) => objectArn(d)]].map(([action, resource]) => ({
    id: `replication.${action.slice(3)}(source)`, caller: 'replication', action, expect: 'allow', ifDenied: 'logs are not copied to the replica',
    when: { text: 'a replica is configured: S3 reads each new log version with the replication role', test: (d) => Boolean(d.replica) },
    resource, context: () => ({}),
    source: 'S3 user guide "Setting up permissions for live replication"',
  })),
  {
    id: 'replication.Decrypt(bucket key)', caller: 'replication', action: 'kms:Decrypt', expect: 'allow', ifDenied: 'SSE-KMS logs are not copied',
    when: { text: 'a replica is configured: the role decrypts the source version through S3 in the home Region', test: (d) => Boolean(d.replica) },
    resource: (d) => sseKeyArn(d), context: (d) => ({ ...s3KmsContext(d), 'aws:CalledVia': undefined }),
    source: 'S3 user guide "Replicating objects created with server-side encryption (SSE-C, SSE-S3, SSE-KMS, DSSE-KMS)"',
  },
  {
    id: 'replication.ReplicateObject(replica)', caller: 'replication', action: 's3:ReplicateObject', expect: 'allow', ifDenied: 'logs are not copied',
    when: { text: 'a replica is configured', test: (d) => Boolean(d.replica) },
    resource: (d) => `${d.replica.arn}/${objectKey(d.prefs.s3KeyPrefix, d.sessionId)}`, context: () => ({}),
    source: 'S3 user guide "Setting up permissions for live replication"',
  },
  {
    id: 'replication.Encrypt(replica key)', caller: 'replication', action: 'kms:Encrypt', expect: 'allow', ifDenied: 'logs are not copied',
    when: { text: 'a replica is configured: the copy is re-encrypted with the replica Region\'s key, through S3 there', test: (d) => Boolean(d.replica) },
    resource: (d) => d.replica.key,
    context: (d) => ({ 'kms:ViaService': `s3.${d.replica.region}.${d.urlSuffix}`, 'kms:EncryptionContext:aws:s3:arn': d.replica.arn, 'kms:EncryptionContextKeys': ['aws:s3:arn'] }),
    source: 'S3 user guide "Replicating objects created with server-side encryption"',
  },
  {
    id: 'replication.Decrypt(replica key)', caller: 'replication', action: 'kms:Decrypt', expect: 'allow', ifDenied: 'logs are not copied',
    when: { text: 'a replica is configured: the copy keeps the S3 Bucket Key setting, and S3 decrypts with the replica key to verify that Bucket Key', test: (d) => Boolean(d.replica) },
    resource: (d) => d.replica.key,
    context: (d) => ({ 'kms:ViaService': `s3.${d.replica.region}.${d.urlSuffix}`, 'kms:EncryptionContext:aws:s3:arn': d.replica.arn, 'kms:EncryptionContextKeys': ['aws:s3:arn'] }),
    source: 'S3 user guide "Using an S3 Bucket Key with replication" (kms:Decrypt on the destination key)',
  },
  {
    id: 'deny.replication.GetObject(source)', caller: 'replication', action: 's3:GetObject', expect: 'deny',
    when: { text: 'the replication role reads logs', test: (d) => Boolean(d.replica) },
    resource: (d) => objectArn(d), context: () => ({}),
    source: 'replication role: versions for replication only',
  },
  {
    id: 'deny.replication.ReplicateDelete(replica)', caller: 'replication', action: 's3:ReplicateDelete', expect: 'deny',
    when: { text: 'deletes reaching the replica', test: (d) => Boolean(d.replica) },
    resource: (d) => `${d.replica.arn}/${objectKey(d.prefs.s3KeyPrefix, d.sessionId)}`, context: () => ({}),
    source: 'replication role; DeleteMarkerReplication Disabled',
  },
  {
    id: 'deny.agent.PutObject(replica)', caller: 'agent', action: 's3:PutObject', expect: 'deny',
    when: { text: 'a member account writes into the replica', test: (d) => Boolean(d.replica) },
    resource: (d) => `${d.replica.arn}/${d.account}/${d.region}/forged.log`,
    context: () => ({ 's3:x-amz-acl': 'bucket-owner-full-control' }),
    source: 'replica bucket policy (TLS deny only) and cross-account rules',
  },
  // ---------------------------------------------------------------- S3 server access logs of the log bucket
  {
    id: 's3-logging.PutObject(access log target)', caller: 's3-logging', action: 's3:PutObject', expect: 'allow', ifDenied: 'no record of who read, wrote or changed the session logs',
    when: { text: 'the log bucket logs into a target the central stack creates: S3 delivers over TLS', test: (d) => Boolean(d.accessLogs) },
    resource: (d) => `${d.accessLogs.arn}/session-manager-logs/2026-01-01-00-00-00-0123456789ABCDEF`,
    context: (d) => ({ 'aws:SourceArn': d.bucket.arn, 'aws:SourceAccount': d.bucket.account }),
    source: 'S3 user guide "Permissions for log delivery" (logging.s3.amazonaws.com, aws:SourceArn, aws:SourceAccount)',
  },
  {
    id: 'deny.s3-logging.PutObject(access log target, another bucket\'s logs)', caller: 's3-logging', action: 's3:PutObject', expect: 'deny',
    when: { text: 'another bucket (of any account) delivers its access logs into the target', test: (d) => Boolean(d.accessLogs) },
    resource: (d) => `${d.accessLogs.arn}/session-manager-logs/2026-01-01-00-00-00-FEDCBA9876543210`,
    context: (d) => ({ 'aws:SourceArn': `arn:${d.partition}:s3:::someone-elses-bucket`, 'aws:SourceAccount': d.outsider }),
    source: 'access-log target policy AllowServerAccessLogDelivery (aws:SourceArn, aws:SourceAccount)',
  },
  ...['s3:GetObject', 's3:PutObject'].map((action) => ({
    id: `deny.member-admin.${action.slice(3)}(access logs)`, caller: 'member-admin', action, expect: 'deny',
    when: { text: 'a member account reads or forges the log bucket\'s access logs', test: (d) => Boolean(d.accessLogs) },
    resource: (d) => `${d.accessLogs.arn}/session-manager-logs/2026-01-01-00-00-00-0123456789ABCDEF`,
    context: () => ({}),
    source: 'access-log target policy (only S3\'s log delivery is admitted)',
  })),
  // ---------------------------------------------------------------- expected denies
  {
    id: 'deny.agent.PutObject(other account prefix)', caller: 'agent', action: 's3:PutObject', expect: 'deny',
    when: { text: 'a node writes below another account\'s prefix', test: (d) => Boolean(d.bucket) },
    resource: (d) => `${d.bucket.arn}/${d.other}/${d.region}/${d.sessionId}.log`,
    context: (d) => ({ 's3:x-amz-acl': 'bucket-owner-full-control', 's3:x-amz-server-side-encryption': 'aws:kms' }),
    source: 'bucket policy scoping (AWS-FACTS: Resource BUCKET/${aws:PrincipalAccount}/*)',
  },
  {
    id: 'deny.member-admin.PutObject(other account prefix)', caller: 'member-admin', action: 's3:PutObject', expect: 'deny',
    when: { text: 'an administrator of a member account (identity policy *:*) writes another account\'s prefix', test: (d) => Boolean(d.bucket) },
    resource: (d) => `${d.bucket.arn}/${d.other}/${d.region}/forged.log`,
    context: () => ({ 's3:x-amz-acl': 'bucket-owner-full-control' }),
    source: 'bucket policy',
  },
  ...['s3:PutObject', 's3:GetEncryptionConfiguration'].map((action) => ({
    id: `deny.agent.${action.slice(3)}(reclaimed bucket name)`, caller: 'agent', action, expect: 'deny', squatter: true,
    when: { text: 'the bucket name is deleted and registered again by another account that admits everyone', test: (d) => Boolean(d.bucket) },
    resource: (d) => (action === 's3:PutObject' ? objectArn(d) : d.bucketArnForPrefs),
    context: () => ({ 's3:x-amz-acl': 'bucket-owner-full-control' }),
    source: 'agent policy: s3:ResourceAccount pins the central account',
  })),
  {
    id: 'deny.outsider.PutObject', caller: 'outsider', action: 's3:PutObject', expect: 'deny',
    when: { text: 'an account outside the organisation (and not listed) writes', test: (d) => Boolean(d.bucket) },
    resource: (d) => `${d.bucket.arn}/${d.outsider}/${d.region}/x.log`,
    context: () => ({ 's3:x-amz-acl': 'bucket-owner-full-control' }),
    source: 'bucket policy',
  },
  {
    id: 'deny.outsider.GenerateDataKey(bucket key via S3)', caller: 'outsider', action: 'kms:GenerateDataKey', expect: 'deny',
    when: { text: 'an outsider uses the bucket key through S3', test: (d) => Boolean(sseKeyArn(d)) },
    resource: (d) => sseKeyArn(d), context: (d) => s3KmsContext(d),
    source: 'bucket key policy',
  },
  {
    id: 'deny.agent.PutObject(no TLS)', caller: 'agent', action: 's3:PutObject', expect: 'deny',
    when: { text: 'a request over plain HTTP', test: (d) => Boolean(d.bucket) },
    resource: (d) => objectArn(d),
    context: () => ({ 'aws:SecureTransport': 'false', 's3:x-amz-acl': 'bucket-owner-full-control' }),
    source: 'bucket policy DenyInsecureTransport',
  },
  ...[['kms:Decrypt', 'Decrypt'], ['kms:GenerateDataKey', 'GenerateDataKey']].map(([action, short]) => ({
    id: `deny.member-admin.${short}(bucket key directly)`, caller: 'member-admin', action, expect: 'deny',
    when: { text: 'the bucket key used directly, not through S3', test: (d) => Boolean(sseKeyArn(d)) && d.bucketKeyIsOnlyForS3 },
    resource: (d) => sseKeyArn(d),
    context: (d) => ({ 'kms:EncryptionContext:aws:s3:arn': d.bucket.arn, 'kms:EncryptionContextKeys': ['aws:s3:arn'] }),
    source: 'bucket key policy (kms:ViaService)',
  })),
  {
    id: 'deny.member-admin.GenerateDataKey(bucket key, other bucket)', caller: 'member-admin', action: 'kms:GenerateDataKey', expect: 'deny',
    when: { text: 'the bucket key used through S3 for another bucket', test: (d) => Boolean(sseKeyArn(d)) && d.bucketKeyIsOnlyForS3 },
    resource: (d) => sseKeyArn(d),
    context: (d) => ({ ...s3KmsContext(d), 'kms:EncryptionContext:aws:s3:arn': `arn:${d.partition}:s3:::someone-elses-bucket` }),
    source: 'bucket key policy (kms:EncryptionContext:aws:s3:arn)',
  },
  {
    id: 'deny.member-admin.GenerateDataKey(bucket key, object of a like-named bucket)', caller: 'member-admin', action: 'kms:GenerateDataKey', expect: 'deny',
    when: { text: 'the bucket key through S3 for an object of a bucket whose name begins with the log bucket\'s (context without Bucket Keys)', test: (d) => Boolean(sseKeyArn(d)) && d.bucketKeyIsOnlyForS3 },
    resource: (d) => sseKeyArn(d),
    context: (d) => ({ ...s3KmsContext(d), 'kms:EncryptionContext:aws:s3:arn': `${d.bucket.arn}-copy/${d.account}/x.log` }),
    source: 'bucket key policy (kms:EncryptionContext:aws:s3:arn: the bucket or BUCKET/*)',
  },
  ...[['s3:DeleteObject', 'agent'], ['s3:DeleteObjectVersion', 'agent'], ['s3:GetObject', 'agent'],
    ['s3:DeleteObject', 'member-admin'], ['s3:DeleteObjectVersion', 'member-admin'], ['s3:GetObject', 'member-admin']].map(([action, caller]) => ({
    id: `deny.${caller}.${action.slice(3)}(own log)`, caller, action, expect: 'deny',
    when: { text: 'member accounts may not read or delete logs, not even their own', test: (d) => Boolean(d.bucket) },
    resource: (d) => objectArn(d), context: () => ({}),
    source: 'bucket policy (only Get/PutEncryption… and PutObject/PutObjectAcl are granted)',
  })),
  ...['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutEncryptionConfiguration'].map((action) => ({
    id: `deny.member-admin.${action.slice(3)}`, caller: 'member-admin', action, expect: 'deny',
    when: { text: 'member administrators changing the bucket', test: (d) => Boolean(d.bucket) },
    resource: (d) => d.bucket.arn, context: () => ({}),
    source: 'bucket policy',
  })),
  {
    id: 'deny.operator.StartSession(other document)', caller: 'operator', action: 'ssm:StartSession', expect: 'deny',
    when: { text: 'operator policy from the template: bypassing preferences with --document-name', test: (d) => d.operatorPolicyFromTemplate },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:document/MyUnloggedShell`,
    context: () => ({ 'ssm:SessionDocumentAccessCheck': 'true' }),
    source: 'AWS-FACTS "Operators can bypass preferences with --document-name"',
  },
  {
    id: 'deny.operator.UpdateDocument(preferences)', caller: 'operator', action: 'ssm:UpdateDocument', expect: 'deny',
    when: { text: 'operator policy from the template: changing the logging preferences', test: (d) => d.operatorPolicyFromTemplate },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:document/SSM-SessionManagerRunShell`,
    context: () => ({}), extraIdentity: 'admin', // even with an admin policy beside it, the deny binds
    source: 'operator policy ProtectLoggingPreferences',
  },
  {
    id: 'deny.operator.TerminateSession(someone else\'s)', caller: 'operator', action: 'ssm:TerminateSession', expect: 'deny',
    when: { text: 'operator policy from the template: ending another operator\'s session', test: (d) => d.operatorPolicyFromTemplate },
    resource: (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:session/bob-0123456789abcdef0`,
    context: () => ({ 'ssm:resourceTag/aws:ssmmessages:session-id': 'AROAEXAMPLEBOB0000000:bob' }),
    source: 'operator policy ResumeAndEndOwnSessions',
  },

  // ---------------------------------------------------------------- a move to another bucket or session key
  // Sessions that started under the previous preferences upload to the previous bucket when
  // they end, and decrypted with the previous session key: during the move, both stay allowed.
  ...['s3:PutObject', 's3:PutObjectAcl', 's3:GetEncryptionConfiguration'].map((action) => ({
    id: `agent.${action.slice(3)}(previous bucket, during a move)`, caller: 'agent', action, expect: 'allow',
    ifDenied: 'sessions that started before the move lose their logs (or fail, with encryption on)',
    when: { text: 'member.previous.bucket_name: a session started under the preferences that named it ends now', test: (d) => Boolean(d.previousBucket) },
    resource: (d) => (action === 's3:GetEncryptionConfiguration' ? d.previousBucket.arn : `${d.previousBucket.arn}/${objectKey(d.prefs.s3KeyPrefix, d.sessionId)}`),
    // The agent names the key GetBucketEncryption reports: the previous bucket's own.
    context: (d) => (action === 's3:GetEncryptionConfiguration' ? {} : { 's3:x-amz-acl': 'bucket-owner-full-control',
      's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': d.previousBucket.sse.kmsKeyId }),
    source: 'src/stacks/member/agent_policy.rs (member.previous)',
  })),

  // ---------------------------------------------------------------- the account's life: the controller, the guardrail
  ...CONTROLLER_CALLS,
  ...GUARDRAIL_CALLS,
  // ---------------------------------------------------------------- just-in-time node access, RDP recording
  ...jitCalls(EC_SESSION),
  ...AUDIT_CALLS,
];

// S3 calls KMS for the uploader: the uploader is the principal, kms:ViaService names S3 in
// the bucket's Region, and with S3 Bucket Keys the encryption context is the bucket ARN.
function s3KmsContext(d) {
  return {
    'kms:ViaService': `s3.${d.bucket.region}.${d.urlSuffix}`,
    'aws:CalledVia': ['s3.amazonaws.com'], 'aws:ViaAWSService': 'true',
    'kms:EncryptionContext:aws:s3:arn': d.bucket.sse.bucketKeyEnabled ? d.bucket.arn : `${d.bucket.arn}/${objectKey(d.prefs.s3KeyPrefix, d.sessionId)}`,
    'kms:EncryptionContextKeys': ['aws:s3:arn'],
  };
}

// Request-context keys every request of a principal carries (global condition keys).
export function principalContext(p, requestRegion) {
  return {
    'aws:SecureTransport': 'true',
    'aws:PrincipalArn': p.roleArn, 'aws:PrincipalAccount': p.account, 'aws:userid': p.userid,
    'aws:PrincipalType': p.type, 'aws:RequestedRegion': requestRegion,
    ...(p.orgId ? { 'aws:PrincipalOrgID': p.orgId, 'aws:PrincipalOrgPaths': [p.orgPath] } : {}),
    ...(p.sourceInstanceArn ? { 'ec2:SourceInstanceArn': p.sourceInstanceArn } : {}),
  };
}
