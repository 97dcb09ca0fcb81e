import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Proves eslint.config.mjs guards the Temporal sandbox: each snippet is linted under a made-up
// file name (nothing is written to disk) by the project's real config, in one child process.
interface LintMessage {
  ruleId: string | null;
  message: string;
  line: number;
}

const ROOT = join(__dirname, '..', '..');
const WF = 'workflows/__lint__/probe.workflow.ts';

const snippets: Record<string, { filePath: string; code: string }> = {};
function snippet(name: string, code: string, filePath = WF) {
  snippets[name] = { filePath, code };
}

const forbidden: Record<string, string> = {
  nodePrefixed: `import { readFileSync } from 'node:fs';`,
  bareFs: `import * as fs from 'fs';`,
  barePath: `import { join } from 'path';`,
  bareCrypto: `import { randomUUID } from 'crypto';`,
  bareHttp: `import http from 'http';`,
  bareHttps: `import https from 'https';`,
  bareNet: `import net from 'net';`,
  bareOs: `import os from 'os';`,
  childProcess: `import { spawn } from 'child_process';`,
  workerThreads: `import { Worker } from 'worker_threads';`,
  fsPromises: `import { readFile } from 'fs/promises';`,
  nest: `import { Injectable } from '@nestjs/common';`,
  mikroOrm: `import { EntityManager } from '@mikro-orm/postgresql';`,
  ioredis: `import Redis from 'ioredis';`,
  pg: `import { Pool } from 'pg';`,
  nodemailer: `import { createTransport } from 'nodemailer';`,
  temporalClient: `import { Client } from '@temporalio/client';`,
  temporalWorker: `import { Worker } from '@temporalio/worker';`,
  temporalActivity: `import { Context } from '@temporalio/activity';`,
  otherPackage: `import lodash from 'lodash';`,
  activityValue: `import { createEmailActivities } from '../../activities/notifications/email.activities';`,
  reExport: `export { Client } from '@temporalio/client';`,
};
for (const [name, code] of Object.entries(forbidden)) snippet(name, `${code}\n`);

const allowed: Record<string, string> = {
  workflowSdk: `import { proxyActivities } from '@temporalio/workflow';`,
  commonSdk: `import { ApplicationFailure } from '@temporalio/common';`,
  relative: `import { sendEmailWorkflowId } from '../send-email/send-email.contract';`,
  activityTypes: `import type { EmailActivities } from '../../activities/notifications/email.activities';`,
  inlineTypeImport: `import { type Redis } from 'ioredis';`,
  clientTypes: `import type { WorkflowHandle } from '@temporalio/client';`,
  nodeTypes: `import type { Buffer } from 'node:buffer';`,
};
for (const [name, code] of Object.entries(allowed)) snippet(name, `${code}\n`);

// Outside workflows/ the same imports are fine.
snippet('outsideSandbox', `import { readFileSync } from 'node:fs';\nimport Redis from 'ioredis';\nexport const x = [readFileSync, Redis];\n`, 'activities/__lint__/probe.ts');
// The API never imports activities/ (even for types): what both sides use lives in shared/.
snippet('apiImportsActivity', `import type { X } from '../../activities/chat/turn-tools';\nexport type Y = X;\n`, 'api/__lint__/probe.ts');
snippet('apiImportsShared', `import type { ChatProvider } from '../../shared/llm/provider.types';\nexport type Y = ChatProvider;\n`, 'api/__lint__/probe.ts');
// And no-floating-promises holds everywhere.
snippet('floating', `async function work(): Promise<void> {}\nwork();\n`, 'shared/__lint__/probe.ts');
snippet('floatingInWorkflow', `async function work(): Promise<void> {}\nexport function wf() {\n  work();\n}\n`);

let results: Record<string, LintMessage[]>;

beforeAll(() => {
  const list = Object.entries(snippets);
  const out = execFileSync(process.execPath, [join(__dirname, 'lint-snippets.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(list.map(([, s]) => s)),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const parsed = JSON.parse(out) as { filePath: string; messages: LintMessage[] }[];
  results = Object.fromEntries(list.map(([name], i) => [name, parsed[i].messages]));
}, 120_000);

const rule = (name: string, ruleId: string) => results[name].filter((m) => m.ruleId === ruleId);

describe('workflow sandbox lint rule', () => {
  it('parses every snippet (no parser or config errors)', () => {
    for (const [name, messages] of Object.entries(results)) {
      expect({ name, fatal: messages.filter((m) => m.ruleId === null) }).toEqual({ name, fatal: [] });
    }
  });

  it.each(Object.keys(forbidden))('rejects %s in workflows/**, once', (name) => {
    const hits = rule(name, 'no-restricted-imports');
    expect(hits).toHaveLength(1);
    expect(hits[0].message).toMatch(/workflows\/\*\*/);
  });

  it('names the reason in the message', () => {
    expect(rule('bareFs', 'no-restricted-imports')[0].message).toMatch(/Node built-ins/);
    expect(rule('nest', 'no-restricted-imports')[0].message).toMatch(/proxyActivities/);
    expect(rule('activityValue', 'no-restricted-imports')[0].message).toMatch(/only as types/);
    expect(rule('otherPackage', 'no-restricted-imports')[0].message).toMatch(/@temporalio\/workflow/);
  });

  it.each(Object.keys(allowed))('allows %s in workflows/**', (name) => {
    expect(rule(name, 'no-restricted-imports')).toEqual([]);
  });

  it('does not apply outside workflows/**', () => {
    expect(rule('outsideSandbox', 'no-restricted-imports')).toEqual([]);
  });
});

describe('api boundary lint rule', () => {
  it('rejects an import of activities/ from api/**', () => {
    const hits = rule('apiImportsActivity', 'no-restricted-imports');
    expect(hits).toHaveLength(1);
    expect(hits[0].message).toMatch(/shared\//);
  });

  it('allows shared/ from api/**', () => {
    expect(rule('apiImportsShared', 'no-restricted-imports')).toEqual([]);
  });
});

describe('no-floating-promises', () => {
  it('fires outside and inside workflows/**', () => {
    expect(rule('floating', '@typescript-eslint/no-floating-promises')).toHaveLength(1);
    expect(rule('floatingInWorkflow', '@typescript-eslint/no-floating-promises')).toHaveLength(1);
  });
});
