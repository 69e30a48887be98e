#!/usr/bin/env node
// `npm test`: the whole suite on the embedded database (PGlite), then again on PostgreSQL when one is
// reachable (ZHILI_TEST_DATABASE_URL, or the local server at 127.0.0.1:5432). A suite that cannot run says
// so loudly. Prints one closing line "N passed, N failed, N skipped" over all runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const extra = process.argv.slice(2);
const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const runs = [];
let passed = 0;
let failed = 0;
let skipped = 0;
let failedRuns = 0;

function vitest(label, env, more = []) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-vitest-')), 'report.json');
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${out}`,
      ...extra,
      ...more,
    ],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counts = { p: 0, f: 0, s: 0 };
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    // A file that fails to load counts as one failure even though none of its tests ran.
    const brokenFiles = (j.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    ).length;
    counts = {
      p: j.numPassedTests,
      f: j.numFailedTests + brokenFiles,
      s: j.numPendingTests + j.numTodoTests,
    };
  }
  if (r.status !== 0 && counts.f === 0) counts.f = 1; // a crash before any test reported
  passed += counts.p;
  failed += counts.f;
  skipped += counts.s;
  if (r.status !== 0) failedRuns++;
  runs.push(`${label}: ${counts.p} passed, ${counts.f} failed, ${counts.s} skipped`);
}

async function reachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

// The map's browser suite draws WebGL in software (SwiftShader): beside another browser file on a 2-core
// machine its frames slowed so far that the map did not come to rest within minutes (CI failed on it twice,
// while alone it passes in about 95 s). It runs by itself after the rest, not beside anything.
const SOLO = ['web/e2e/map.e2e.test.ts'];
// A run narrowed by file filters (npm test -- src/x) is run as asked, in one go.
const filtered = extra.some((a) => !a.startsWith('-'));
function suite(label, env, more = [], withBrowser = true) {
  if (filtered || !withBrowser) return vitest(label, env, more);
  vitest(label, env, [...more, ...SOLO.flatMap((f) => ['--exclude', f])]);
  vitest(`${label}: the map browser suite, alone`, env, SOLO);
}

/**
 * Test files whose outcome cannot depend on the engine: neither they nor anything they import (relative
 * imports, followed through) reaches the test harness that opens the run's database
 * (src/testing/harness.ts). They run once, on the first pass; the PostgreSQL pass would only repeat them.
 */
function engineIndependentTests() {
  const harness = path.join(ROOT, 'src/testing/harness.ts');
  const memo = new Map();
  const reaches = (file) => {
    if (file === harness) return true;
    if (memo.has(file)) return memo.get(file);
    memo.set(file, false); // a cycle does not reach it through this path
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    let hit = /inject\(\s*'zhiliTest'/.test(text);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      if (hit) break;
      hit = reaches(path.resolve(path.dirname(file), m[1]));
    }
    memo.set(file, hit);
    return hit;
  };
  const tests = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) tests.push(p);
    }
  };
  for (const d of ['src', 'scripts', 'web/src', 'web/e2e']) walk(path.join(ROOT, d));
  return tests.filter((f) => !reaches(f)).map((f) => path.relative(ROOT, f));
}

suite('PGlite (embedded)', { ZHILI_TEST_DATABASE_URL: '' });

const pgUrl = process.env.ZHILI_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
// The browser suites (web/e2e) drive the console through the API, whose behaviour on each engine the
// integration suites already cover on both: they run once, on the embedded engine a newcomer starts with, and
// again on PostgreSQL only when asked (ZHILI_E2E_BOTH=1) — twice they were three quarters of CI's time.
const e2eBoth = process.env.ZHILI_E2E_BOTH === '1';
const independent = engineIndependentTests();
// --passWithNoTests: a filtered run (npm test -- web/e2e/x) may leave nothing for this pass; the first pass
// already failed if the filter matched nothing at all.
const pgExtra = [
  '--passWithNoTests',
  ...independent.flatMap((f) => ['--exclude', f]),
  ...(e2eBoth ? [] : ['--exclude', 'web/e2e/**']),
];
if (process.env.ZHILI_TEST_SKIP_POSTGRES === '1') {
  console.log('\n!!! PostgreSQL suite SKIPPED: ZHILI_TEST_SKIP_POSTGRES=1 !!!');
  runs.push('PostgreSQL: SKIPPED (ZHILI_TEST_SKIP_POSTGRES=1)');
} else if (await reachable(pgUrl)) {
  console.log(
    `\n!!! PostgreSQL run: ${independent.length} test files that never open the run's database are NOT repeated ` +
      `here — they ran above (${independent.join(', ')}). !!!`,
  );
  if (!e2eBoth)
    console.log(
      '\n!!! PostgreSQL run: the browser suites (web/e2e) are NOT repeated here — they ran on PGlite above. ' +
        'Set ZHILI_E2E_BOTH=1 to run them on PostgreSQL too. !!!',
    );
  suite(
    `PostgreSQL (${pgUrl.replace(/\/\/[^@/]*@/, '//')})`,
    { ZHILI_TEST_DATABASE_URL: pgUrl },
    pgExtra,
    e2eBoth,
  );
  runs.push(`PostgreSQL: ${independent.length} engine-independent test files not repeated`);
  if (!e2eBoth) runs.push('PostgreSQL: browser suites (web/e2e) not repeated; ZHILI_E2E_BOTH=1 repeats them');
} else if (process.env.ZHILI_TEST_REQUIRE_POSTGRES === '1') {
  console.log(`\n!!! PostgreSQL required but not reachable at ${pgUrl} !!!`);
  failed++;
  failedRuns++;
  runs.push('PostgreSQL: REQUIRED BUT UNREACHABLE');
} else {
  console.log(
    `\n!!! PostgreSQL suite SKIPPED: no server answered at ${pgUrl}. ` +
      'Start one or set ZHILI_TEST_DATABASE_URL=postgres://user@host:5432/postgres to run it. !!!',
  );
  runs.push('PostgreSQL: SKIPPED (no server reachable)');
}

console.log('\n=== summary ===');
for (const r of runs) console.log(`  ${r}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedRuns > 0 || failed > 0 ? 1 : 0);
