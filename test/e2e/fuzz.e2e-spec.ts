import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loginAdmin, registerUser } from '../support/accounts';
import { stack } from '../support/stack';

/**
 * Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis, installed by
 * ./dev into .tools/schemathesis): as a member on their own resources (every method), and read-only
 * as an admin. Fails on any 5xx, any response that breaks its declared schema, and any undeclared
 * method not answered 405. Bounded: a few examples per operation, a fixed seed unless FUZZ_SEED.
 */
const CLI = process.env.SCHEMATHESIS_CLI ?? resolve(__dirname, '../../.tools/schemathesis/bin/st');
const CHECKS = ['not_a_server_error', 'response_schema_conformance'];
// Sends methods a path does not declare: the member's run only, so the admin's stays strictly GET.
const METHOD_CHECK = 'unsupported_method';
const SEED = process.env.FUZZ_SEED ?? '20261202';

// Left out of the member's run: what would end the run's own session or account, and the chat turn
// starts (each valid body is a real model call; the chat specs cover those inputs).
const MEMBER_EXCLUDED_OPERATIONS = [
  'AuthController_logout',
  'UsersController_deleteMe',
  'UserSessionsController_revoke',
  'ChatController_stream',
  'ChatController_send',
  'ChatCompletionsController_create',
];
// Health answers 503 by design while a configured provider is unreachable.
const EXCLUDED_PATHS = '/monitoring/health';

interface Finding {
  operation: string;
  check: string;
  message: string;
}

interface FuzzResult {
  operations: number;
  cases: number;
  responses: Record<string, number>;
  findings: Finding[];
  engineErrors: number;
  seconds: number;
}

async function fuzz(name: string, token: string, checks: string[], extra: string[]): Promise<FuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), `fuzz-${name}-`));
  const args = [
    'run', `${stack.apiUrl}/openapi.json`,
    '-H', `Authorization: Bearer ${token}`,
    '--checks', checks.join(','),
    '--max-examples', '5',
    '--workers', '2',
    '--seed', SEED,
    '--no-shrink',
    '--request-timeout', '10',
    '--exclude-path-regex', EXCLUDED_PATHS,
    '--report', 'ndjson', '--report-dir', dir,
    ...extra,
  ];
  const started = Date.now();
  // cwd: schemathesis keeps its example database in ./.hypothesis.
  const child = spawn(CLI, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const report = readdirSync(dir).find((f) => f.endsWith('.ndjson'));
  if (!report) throw new Error(`schemathesis (${name}) wrote no report; exit ${code}:\n${output.slice(-4000)}`);

  const result: FuzzResult = { operations: 0, cases: 0, responses: {}, findings: [], engineErrors: 0, seconds: 0 };
  const operations = new Set<string>();
  for (const line of readFileSync(join(dir, report), 'utf8').split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as Record<string, any>;
    if (event.NonFatalError) result.engineErrors++;
    const finished = event.ScenarioFinished;
    if (!finished?.recorder) continue;
    operations.add(finished.recorder.label);
    for (const interaction of Object.values<any>(finished.recorder.interactions ?? {})) {
      const status = interaction?.response?.status_code;
      if (typeof status === 'number') result.responses[`${Math.floor(status / 100)}xx`] = (result.responses[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
    }
    for (const checks of Object.values<any[]>(finished.recorder.checks ?? {})) {
      result.cases++;
      for (const c of checks) {
        if (c.status !== 'failure') continue;
        const failure = c.failure_info?.failure ?? {};
        result.findings.push({ operation: finished.recorder.label, check: c.name, message: String(failure.title ?? '') + ': ' + String(failure.message ?? '').slice(0, 300) });
      }
    }
  }
  result.operations = operations.size;
  result.seconds = Math.round((Date.now() - started) / 1000);
  rmSync(dir, { recursive: true, force: true });
  // One line per run for the log: what was covered and what came back.
  console.log(`fuzz ${name}: ${result.operations} operations, ${result.cases} cases, responses ${JSON.stringify(result.responses)}, ${result.findings.length} findings, ${result.engineErrors} generator errors, ${result.seconds}s`);
  return result;
}

const unique = (findings: Finding[]) => [...new Map(findings.map((f) => [`${f.operation} ${f.check}`, f])).values()];

describe('API fuzzing (schemathesis over /openapi.json)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`schemathesis is not installed at ${CLI}; ./dev install (ensure_schemathesis) puts it there`);
  });

  it('a member, every method on their own resources: no 5xx, no schema violation, 405 for undeclared methods', async () => {
    const member = await registerUser('fuzz-member');
    const result = await fuzz('member', member.accessToken, [...CHECKS, METHOD_CHECK], MEMBER_EXCLUDED_OPERATIONS.flatMap((id) => ['--exclude-operation-id', id]));
    expect(result.operations).toBeGreaterThan(100);
    expect(unique(result.findings)).toEqual([]);
  }, 300_000);

  it('an admin, read-only (GET): no 5xx, no schema violation', async () => {
    const admin = await loginAdmin();
    const result = await fuzz('admin', admin, CHECKS, ['--include-method', 'GET']);
    expect(result.operations).toBeGreaterThan(50);
    expect(unique(result.findings)).toEqual([]);
  }, 180_000);
});
