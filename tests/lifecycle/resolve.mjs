// resolve.mjs — owns: turning a committed CloudFormation template into the values a
// deployed stack would have. A small, independent intrinsic resolver (Ref with pseudo
// parameters, Fn::GetAtt through a physical-attribute map, Fn::Sub, Fn::Join, Fn::Split,
// Fn::Select, Fn::If, the condition functions, resource-level Condition). It shares no
// code with smlog's Rust `explain` evaluator on purpose: the proof must be independent.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import YAML from 'yaml';

const NO_VALUE = Symbol('AWS::NoValue');

// Short-form tags (!Ref, !Sub, ...) in case a template uses them; smlog writes long form.
const shortTags = ['Ref', 'Condition'].map((name) => ({
  tag: `!${name}`, resolve: (v) => ({ [name]: v }),
})).concat(['Sub', 'Join', 'Split', 'Select', 'If', 'Equals', 'Not', 'And', 'Or', 'GetAtt', 'Base64',
  'FindInMap', 'ImportValue', 'GetAZs'].flatMap((name) => ['scalar', 'seq', 'map'].map((node) => ({
  tag: `!${name}`, collection: node === 'scalar' ? undefined : node,
  resolve: (v) => ({ [`Fn::${name}`]: name === 'GetAtt' && typeof v === 'string' ? v.split('.') : (v?.toJSON ? v.toJSON() : v) }),
}))));

export function loadYaml(path) {
  return YAML.parse(readFileSync(path, 'utf8'), { customTags: shortTags, version: '1.2' });
}

const hex = (s, n) => createHash('sha256').update(s).digest('hex').slice(0, n);
const uuid = (s) => { const h = hex(s, 32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`; };

// What Ref and Fn::GetAtt return for a deployed resource, per type. Ids are deterministic
// fakes; names and ARNs follow each service's documented format.
const PHYSICAL = {
  'AWS::S3::Bucket': (c, id, p) => {
    const name = p.BucketName ?? `${c.stackName}-${id}-${hex(c.accountId + c.region + id, 12)}`.toLowerCase();
    return { ref: name, attrs: { Arn: `arn:${c.partition}:s3:::${name}`, DomainName: `${name}.s3.${c.urlSuffix}` } };
  },
  'AWS::KMS::Key': (c, id, p) => {
    const isTrue = p.MultiRegion === true || p.MultiRegion === 'true';
    const keyId = isTrue ? `mrk-${hex(`${c.accountId}/${c.stackName}/${id}`, 32)}` : uuid(`${c.accountId}/${c.region}/${id}`);
    return { ref: keyId, attrs: { Arn: `arn:${c.partition}:kms:${c.region}:${c.accountId}:key/${keyId}`, KeyId: keyId } };
  },
  'AWS::KMS::ReplicaKey': (c, id, p) => {
    const keyId = String(p.PrimaryKeyArn).split('/').pop(); // a replica shares the primary's mrk- id
    return { ref: keyId, attrs: { Arn: `arn:${c.partition}:kms:${c.region}:${c.accountId}:key/${keyId}`, KeyId: keyId } };
  },
  'AWS::KMS::Alias': (c, id, p) => ({ ref: p.AliasName, attrs: {} }),
  'AWS::Logs::LogGroup': (c, id, p) => {
    const name = p.LogGroupName ?? `${c.stackName}-${id}-${hex(id, 8)}`;
    return { ref: name, attrs: { Arn: `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:${name}:*` } };
  },
  'AWS::IAM::ManagedPolicy': (c, id, p) => {
    const name = p.ManagedPolicyName ?? `${c.stackName}-${id}-${hex(c.accountId + id, 12).toUpperCase()}`;
    return { ref: `arn:${c.partition}:iam::${c.accountId}:policy${p.Path ?? '/'}${name}`, attrs: { PolicyArn: `arn:${c.partition}:iam::${c.accountId}:policy${p.Path ?? '/'}${name}` } };
  },
  'AWS::IAM::Role': (c, id, p) => {
    const name = p.RoleName ?? `${c.stackName}-${id}-${hex(c.accountId + c.region + id, 12).toUpperCase()}`;
    return { ref: name, attrs: { Arn: `arn:${c.partition}:iam::${c.accountId}:role${p.Path ?? '/'}${name}`, RoleId: `AROA${hex(name, 16).toUpperCase()}` } };
  },
  'AWS::Lambda::Function': (c, id, p) => {
    const name = p.FunctionName ?? `${c.stackName}-${id}-${hex(id, 12)}`;
    return { ref: name, attrs: { Arn: `arn:${c.partition}:lambda:${c.region}:${c.accountId}:function:${name}` } };
  },
  'AWS::SSM::Document': (c, id, p) => ({ ref: p.Name ?? `${c.stackName}-${id}`, attrs: {} }),
  'AWS::Events::Rule': (c, id, p) => {
    const name = p.Name ?? `${c.stackName}-${id}-${hex(id, 12)}`.slice(0, 64);
    return { ref: name, attrs: { Arn: `arn:${c.partition}:events:${c.region}:${c.accountId}:rule/${name}` } };
  },
  'AWS::SSO::PermissionSet': (c, id, p) => {
    const arn = `arn:${c.partition}:sso:::permissionSet/ssoins-0123456789abcdef/ps-${hex(id, 16)}`;
    return { ref: arn, attrs: { PermissionSetArn: arn } };
  },
  // smlog's account controller answers with one fixed physical id and a report of its run.
  'Custom::AccountLogging': () => ({
    ref: 'smlog-account-logging', attrs: { Regions: 'reported at deploy time', RolesNeedingAttention: 'reported at deploy time' },
  }),
};
const physicalFor = (type) => PHYSICAL[type] ?? (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource'
  ? (c, id, p) => ({ ref: p.DocumentName ?? `${c.stackName}-${id}-${hex(id, 12)}`, attrs: {} })
  : (c, id) => ({ ref: `${c.stackName}-${id}-${hex(id, 12)}`, attrs: {} }));

/** The partition a Region belongs to, and its endpoint suffix (AWS::Partition, AWS::URLSuffix). */
export function partitionOf(region) {
  if (String(region).startsWith('cn-')) return { partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn' };
  if (String(region).startsWith('us-gov-')) return { partition: 'aws-us-gov', urlSuffix: 'amazonaws.com' };
  return { partition: 'aws', urlSuffix: 'amazonaws.com' };
}

/**
 * Resolve a template for one stack instance.
 * @param template parsed template
 * @param ctx {accountId, region, partition?, urlSuffix?, stackName, parameters: {Name: value}}
 * @returns {parameters, conditions, resources: {id: {Type, Properties, ref, attrs, Condition}}, outputs}
 */
export function resolveStack(template, ctx) {
  const c = { ...partitionOf(ctx.region), ...ctx };
  const params = {};
  for (const [name, decl] of Object.entries(template.Parameters ?? {})) {
    let value = c.parameters?.[name] ?? decl.Default;
    if (value === undefined) throw new Error(`${c.stackName}: parameter ${name} has no value and no Default`);
    if (decl.Type === 'CommaDelimitedList' || decl.Type?.startsWith('List<')) {
      value = Array.isArray(value) ? value : String(value) === '' ? [''] : String(value).split(',');
    } else value = String(value);
    if (decl.AllowedValues && !decl.AllowedValues.map(String).includes(value)) throw new Error(`${name}=${value} not allowed`);
    if (decl.AllowedPattern && typeof value === 'string' && !new RegExp(decl.AllowedPattern).test(value)) {
      throw new Error(`${c.stackName}: parameter ${name}=${JSON.stringify(value)} breaks its AllowedPattern ${decl.AllowedPattern}`);
    }
    params[name] = value;
  }
  const pseudo = {
    'AWS::AccountId': c.accountId, 'AWS::Region': c.region, 'AWS::Partition': c.partition,
    'AWS::URLSuffix': c.urlSuffix, 'AWS::StackName': c.stackName,
    'AWS::StackId': `arn:${c.partition}:cloudformation:${c.region}:${c.accountId}:stack/${c.stackName}/${uuid(c.stackName)}`,
    'AWS::NotificationARNs': [], 'AWS::NoValue': NO_VALUE,
  };

  const conditions = {};
  const condition = (name) => {
    if (!(name in conditions)) {
      if (!template.Conditions?.[name]) throw new Error(`unknown condition ${name}`);
      conditions[name] = null; // cycle guard
      conditions[name] = Boolean(evalCondition(template.Conditions[name]));
    }
    if (conditions[name] === null) throw new Error(`condition cycle at ${name}`);
    return conditions[name];
  };
  const evalCondition = (node) => {
    if (node?.Condition !== undefined && Object.keys(node).length === 1) return condition(node.Condition);
    const [fn, args] = Object.entries(node)[0];
    switch (fn) {
      case 'Fn::Equals': { const [a, b] = args.map(value); return JSON.stringify(norm(a)) === JSON.stringify(norm(b)); }
      case 'Fn::Not': return !evalCondition(args[0]);
      case 'Fn::And': return args.every(evalCondition);
      case 'Fn::Or': return args.some(evalCondition);
      default: throw new Error(`not a condition function: ${fn}`);
    }
  };
  const norm = (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

  const resources = {};
  const exists = (id) => {
    const r = template.Resources?.[id];
    if (!r) throw new Error(`unknown resource ${id}`);
    return r.Condition === undefined || condition(r.Condition);
  };
  const deployed = (id) => {
    if (!exists(id)) throw new Error(`${id} is referenced but its Condition is false`);
    if (!resources[id]) {
      const r = template.Resources[id];
      resources[id] = { Type: r.Type, Condition: r.Condition, Properties: null };
      const props = value(r.Properties ?? {});
      Object.assign(resources[id], { Properties: props }, physicalFor(r.Type)(c, id, props));
    } else if (resources[id].Properties === null) throw new Error(`reference cycle through ${id}`);
    return resources[id];
  };
  const ref = (name) => {
    if (name in pseudo) return pseudo[name];
    if (name in params) return params[name];
    return deployed(name).ref;
  };
  const getAtt = (id, attr) => {
    const r = deployed(id);
    if (!(attr in r.attrs)) throw new Error(`no attribute ${attr} for ${id} (${r.Type}) in the physical-attribute map`);
    return r.attrs[attr];
  };
  const sub = (str, vars) => str.replace(/\$\{([^}]*)\}/g, (m, name) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal} writes ${Literal}
    if (vars && name in vars) return vars[name];
    if (!name.includes('.') || name.startsWith('AWS::')) return String(ref(name));
    const [id, ...attr] = name.split('.');
    return getAtt(id, attr.join('.'));
  });

  function value(node) {
    if (Array.isArray(node)) return node.map(value).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [k] = keys; const a = node[k];
      switch (k) {
        case 'Ref': return ref(a);
        case 'Fn::GetAtt': { const [id, ...attr] = Array.isArray(a) ? a : a.split('.'); return getAtt(id, attr.join('.')); }
        case 'Fn::Sub': {
          if (typeof a === 'string') return sub(a);
          const vars = Object.fromEntries(Object.entries(a[1] ?? {}).map(([n, v]) => [n, value(v)]));
          return sub(a[0], vars);
        }
        case 'Fn::Join': { const list = value(a[1]); return list.join(a[0]); }
        case 'Fn::Split': return String(value(a[1])).split(a[0]);
        case 'Fn::Select': { const list = value(a[1]); const i = Number(value(a[0])); if (!(i in list)) throw new Error(`Fn::Select index ${i} out of range`); return list[i]; }
        case 'Fn::If': return value(condition(a[0]) ? a[1] : a[2]);
        case 'Fn::Equals': case 'Fn::Not': case 'Fn::And': case 'Fn::Or': return evalCondition(node);
        default:
          if (k.startsWith('Fn::')) throw new Error(`intrinsic ${k} is not supported by this resolver`);
      }
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) { const r = value(v); if (r !== NO_VALUE) out[k] = r; }
    return out;
  }

  for (const id of Object.keys(template.Resources ?? {})) if (exists(id)) deployed(id);
  const outputs = {};
  for (const [name, o] of Object.entries(template.Outputs ?? {})) {
    if (o.Condition !== undefined && !condition(o.Condition)) continue;
    outputs[name] = value(o.Value);
  }
  for (const name of Object.keys(template.Conditions ?? {})) condition(name);
  return { stackName: c.stackName, accountId: c.accountId, region: c.region, parameters: params, conditions, resources, outputs };
}

// ------------------------------------------------------------------ self-test (node resolve.mjs --self-test)
export function selfTest() {
  const t = {
    Parameters: { Names: { Type: 'CommaDelimitedList', Default: 'a,b' }, Mode: { Type: 'String', Default: 'x' }, Empty: { Type: 'String', Default: '' } },
    Conditions: {
      IsX: { 'Fn::Equals': [{ Ref: 'Mode' }, 'x'] }, NotX: { 'Fn::Not': [{ Condition: 'IsX' }] },
      Both: { 'Fn::And': [{ Condition: 'IsX' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }] },
      Either: { 'Fn::Or': [{ Condition: 'NotX' }, { 'Fn::Equals': [{ Ref: 'Empty' }, ''] }] },
    },
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': ['logs-${A}-${AWS::Region}', { A: { Ref: 'AWS::AccountId' } }] } } },
      Gone: { Type: 'AWS::S3::Bucket', Condition: 'NotX', Properties: {} },
      Doc: { Type: 'Custom::Thing', Properties: {
        Literal: { 'Fn::Sub': '${Bucket.Arn}/${!aws:PrincipalAccount}/*' },
        Joined: { 'Fn::Join': ['-', { Ref: 'Names' }] },
        Second: { 'Fn::Select': [1, { 'Fn::Split': [',', 'p,q,r'] }] },
        Picked: { 'Fn::If': ['Both', 'both', { Ref: 'AWS::NoValue' }] },
        List: ['keep', { 'Fn::If': ['NotX', 'drop', { Ref: 'AWS::NoValue' }] }],
        Either: { 'Fn::If': ['Either', { 'Fn::Sub': '${AWS::Partition}:${AWS::URLSuffix}:${AWS::StackName}' }, 'no'] },
      } },
    },
  };
  const s = resolveStack(t, { accountId: '111111111111', region: 'eu-west-1', stackName: 'st' });
  const p = s.resources.Doc.Properties;
  const checks = [
    [s.resources.Bucket.ref, 'logs-111111111111-eu-west-1'], [p.Literal, 'arn:aws:s3:::logs-111111111111-eu-west-1/${aws:PrincipalAccount}/*'],
    [p.Joined, 'a-b'], [p.Second, 'q'], [p.Picked, 'both'], [JSON.stringify(p.List), '["keep"]'],
    [p.Either, 'aws:amazonaws.com:st'], ['Gone' in s.resources, false],
  ];
  const bad = checks.filter(([got, want]) => got !== want);
  bad.forEach(([got, want]) => console.log(`  FAIL resolver: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`));
  console.log(bad.length ? 'resolver self-test FAILED' : 'resolver self-test passed');
  return bad.length ? 1 : 0;
}
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href && process.argv.includes('--self-test')) process.exitCode = selfTest();
