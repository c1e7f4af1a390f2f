// `npm test`: starts one throwaway Postgres for the whole run, then node's test runner over the
// compiled tests (unit, integration, e2e, faults, and tooling: the tests of bench/, scripts/ and
// kit/). Each test file makes its own database on that server.
// Usage: npm test [-- <path filter>...]   e.g. npm test -- unit   or   npm test -- tooling   or   npm test -- e2e/contract
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './lib/ports.js';
import { PostgresServer } from './lib/postgres.js';

const TEST_ROOT = path.resolve(new URL('../test', import.meta.url).pathname);
/** The sources: tsc never deletes the output of a test that was moved or removed, so skip those. */
const SOURCE_ROOT = path.resolve(new URL('../../test', import.meta.url).pathname);

async function testFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await testFiles(full)));
    else if (entry.name.endsWith('.test.js') && existsSync(sourceOf(full))) files.push(full);
  }
  return files.sort();
}

function sourceOf(compiled: string): string {
  return path.join(SOURCE_ROOT, path.relative(TEST_ROOT, compiled)).replace(/\.js$/, '.ts');
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = (await testFiles(TEST_ROOT)).filter(
    (file) => filters.length === 0 || filters.some((filter) => path.relative(TEST_ROOT, file).includes(filter)),
  );
  if (files.length === 0) {
    process.stderr.write(`no test file matches ${filters.join(' ')}\n`);
    return 1;
  }
  const workDir = await mkdtemp(path.join(tmpdir(), 'crebitos-test-'));
  const postgres = new PostgresServer({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), password: 'test' });
  process.stderr.write(`test Postgres starting on port ${postgres.port}\n`);
  await postgres.start();
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-timeout=300000', ...files], {
        stdio: 'inherit',
        env: { ...process.env, CREBITOS_TEST_PG_URL: postgres.url(), CREBITOS_TEST_WORK_DIR: workDir },
      });
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
    });
  } finally {
    await postgres.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm test failed to run: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
