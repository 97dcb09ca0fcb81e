import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolve } from 'node:path';
import { SA } from '../../temporal/search-attributes';
import { stack } from './stack';

/** A throw-away Temporal dev server from the project's own CLI binary (never a downloaded one). */
export function localTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolve(stack.temporalCli) },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
      // The workflows upsert these (as ./dev up registers them on the dev stack).
      searchAttributes: Object.values(SA),
    },
  });
}

/** The time-skipping test server (for waits of days), from the project's own binary. */
export function timeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolve(stack.temporalTestServer) } },
  });
}

export const workflowsPath = require.resolve('../../workflows');
