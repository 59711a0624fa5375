// run.mjs — owns the single entry point: `node tests/lifecycle/run.mjs` (or `npm test
// --prefix tests/lifecycle`). Runs the resolver's, the lint's and the proof's self-tests, then the
// session-lifecycle proof and the policy lint over the default templates and every
// templates/examples/NAME. Exit code 0 only when everything passes. Extra arguments
// (example names, --verbose) are passed on to the proof and the lint.
import * as prove from './prove.mjs';
import { selfTest } from './selftest.mjs';
import * as lint from './lint.mjs';
import * as resolve from './resolve.mjs';

const args = process.argv.slice(2);
const steps = [
  ['resolver self-test', () => resolve.selfTest()],
  ['lint self-test', () => lint.main(['--self-test'])],
  ['proof self-test', () => selfTest()],
  ['session-lifecycle proof', () => prove.main(args)],
  ['policy lint', () => lint.main(args.filter((a) => a !== '--verbose' && a !== '-v'))],
];
const results = [];
for (const [name, step] of steps) {
  console.log(`\n########## ${name}`);
  results.push([name, await step()]);
}
console.log('\n########## summary');
for (const [name, code] of results) console.log(`  ${code === 0 ? 'PASS' : 'FAIL'} ${name}`);
process.exitCode = results.some(([, code]) => code !== 0) ? 1 : 0;
