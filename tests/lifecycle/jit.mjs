// jit.mjs — owns the calls of just-in-time node access and RDP recording: a just-in-time
// session's own calls, made with the token AWS hands out after approval (an STS session of the
// member account's SSM-JustInTimeAccessTokenRole, holding AWS's managed token policy, with the
// managed token session policy on top; both in aws-managed/), and Fleet Manager's Remote
// Desktop, which GUI Connect starts with the user's credentials and records into the log bucket.
// Rows have the shape of calls.mjs's.

import { readFileSync } from 'node:fs';

const managed = (name) => JSON.parse(readFileSync(new URL(`./aws-managed/${name}.json`, import.meta.url), 'utf8')).Document;
const TOKEN_POLICY = managed('AWSSystemsManagerJustInTimeAccessTokenPolicy');
const TOKEN_SESSION_POLICY = managed('AWSSystemsManagerJustInTimeAccessTokenSessionPolicy');
/** The managed policies name the aws partition; each partition has its own copy. */
const inPartition = (policy, partition) => JSON.parse(JSON.stringify(policy).replaceAll('arn:aws:', `arn:${partition}:`));

/** The just-in-time token's principal, for principals in prove.mjs. */
export function jitPrincipal(assumed, partition) {
  return { ...assumed, policies: [{ name: 'AWSSystemsManagerJustInTimeAccessTokenPolicy', policy: inPartition(TOKEN_POLICY, partition) }],
    sessionPolicy: inPartition(TOKEN_SESSION_POLICY, partition) };
}

// Fleet Manager's Remote Desktop: a port-forwarding session GUI Connect starts with the user's credentials.
export const GUI_CONNECT = { 'aws:CalledVia': ['ssm-guiconnect.amazonaws.com'], 'aws:CalledViaFirst': 'ssm-guiconnect.amazonaws.com', 'aws:ViaAWSService': 'true' };
const SRC_JIT = 'Systems Manager user guide "Just-in-time node access" (start a session; RDP recording)';
const portForwarding = (d) => `arn:${d.partition}:ssm:${d.region}:${d.account}:document/AWS-StartPortForwardingSession`;
const recordsHere = (d) => d.rdpRegions.includes(d.region);

/** The rows, given calls.mjs's session encryption context. */
export function jitCalls(ecSession) {
  return [
    {
      id: 'jit.StartSession(preferences document)', caller: 'jit', action: 'ssm:StartSession', expect: 'allow', ifDenied: 'an approved just-in-time session does not start',
      when: { text: 'just-in-time node access on: an approved request\'s token starts the default session', test: (d) => d.jit },
      resource: (d) => d.documentArn, context: () => ({ 'ssm:SessionDocumentAccessCheck': 'true' }), source: SRC_JIT,
    },
    {
      id: 'jit.GenerateDataKey(session key)', caller: 'jit', action: 'kms:GenerateDataKey', expect: 'allow', ifDenied: 'the handshake fails: the just-in-time session does not start',
      when: { text: 'the token may use only keys tagged SystemsManagerJustInTimeNodeAccessManaged=true', test: (d) => d.jit && d.prefs.kmsKeyId !== '' },
      resource: (d) => d.prefs.kmsKeyId, context: ecSession, source: `${SRC_JIT}; the token policy's SessionManagerKmsPermission`,
    },
    {
      id: 'deny.jit.GenerateDataKey(an untagged key)', caller: 'jit', action: 'kms:GenerateDataKey', expect: 'deny',
      when: { text: 'the tag is what the token checks: the bucket key carries none', test: (d) => d.jit && d.bucketKeyIsOnlyForS3 },
      resource: (d) => d.bucket.sse.kmsKeyId, context: ecSession, source: 'AWSSystemsManagerJustInTimeAccessTokenPolicy (aws:ResourceTag condition)',
    },
    {
      id: 'jit.StartSession(Remote Desktop through Fleet Manager)', caller: 'jit', action: 'ssm:StartSession', expect: 'allow', ifDenied: 'approved Remote Desktop connections fail',
      when: { text: 'RDP recording on in this Region: GUI Connect starts the port-forwarding session', test: (d) => d.jit && recordsHere(d) },
      resource: portForwarding, context: () => GUI_CONNECT, source: `${SRC_JIT}; Fleet Manager "Connect using Remote Desktop"`,
    },
    {
      id: 'jit.CreateGrant(session key, for the recording)', caller: 'jit', action: 'kms:CreateGrant', expect: 'allow', ifDenied: 'the connection is not recorded (ProcessingError)',
      when: { text: 'GUI Connect encrypts the recording in progress with the Region\'s session key', test: (d) => d.jit && recordsHere(d) },
      resource: (d) => d.prefs.kmsKeyId, context: (d) => ({ 'kms:ViaService': `ssm-guiconnect.${d.region}.${d.urlSuffix}`, 'aws:ViaAWSService': 'true', 'kms:GrantIsForAWSResource': 'true' }),
      source: `${SRC_JIT} "RDP recording" (kms:CreateGrant through ssm-guiconnect)`,
    },
    {
      id: 'guiconnect.PutObject(recording)', caller: 'guiconnect', action: 's3:PutObject', expect: 'allow', ifDenied: 'the recording is lost (ProcessingError)',
      when: { text: 'the finished recording is written to the log bucket by the service', test: recordsHere },
      resource: (d) => `${d.bucketArnForPrefs}/${d.account}/recordings/connection.mp4`,
      context: (d) => ({ 'aws:SourceOrgID': d.orgId, 'aws:SourceAccount': d.account }), source: `${SRC_JIT} "RDP recording" bucket policy`,
    },
    {
      id: 'guiconnect.GenerateDataKey(bucket key, via S3)', caller: 'guiconnect', action: 'kms:GenerateDataKey', expect: 'allow', ifDenied: 'the recording cannot be encrypted at rest: it is lost',
      when: { text: 'the bucket encrypts the recording with its key', test: recordsHere },
      resource: (d) => d.bucket.sse.kmsKeyId,
      context: (d) => ({ 'aws:SourceOrgID': d.orgId, 'aws:SourceAccount': d.account, 'kms:ViaService': `s3.${d.bucket.region}.${d.urlSuffix}`,
        'kms:EncryptionContext:aws:s3:arn': d.bucket.sse.bucketKeyEnabled ? d.bucket.arn : `${d.bucket.arn}/${d.account}/recordings/connection.mp4` }),
      source: `${SRC_JIT} "RDP recording" key policy`,
    },
    {
      id: 'deny.guiconnect.PutObject(for another organisation)', caller: 'guiconnect', action: 's3:PutObject', expect: 'deny',
      when: { text: 'recordings of an account outside the organisation', test: recordsHere },
      resource: (d) => `${d.bucketArnForPrefs}/foreign/connection.mp4`,
      context: (d) => ({ 'aws:SourceOrgID': 'o-zzzzzzzzzz', 'aws:SourceAccount': d.outsider }), source: 'bucket policy (aws:SourceOrgID)',
    },
  ];
}
