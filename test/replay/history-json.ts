import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

// Temporal's standard history JSON (what `temporal workflow show --output json` and the Web UI export).
// Not @temporalio/common's historyToJSON/historyFromJSON: this install holds two copies of protobufjs 8
// (under common and under proto), and common's protojson rejects proto's types ("type must be a Type").
// The protojson of the copy @temporalio/proto itself loads always matches its types, whatever the layout.
const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const History = proto.temporal.api.history.v1.History;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export type History = proto.temporal.api.history.v1.IHistory;

export function historyToJson(history: History): string {
  return `${JSON.stringify(protojson.toJson(historyType, History.fromObject(history)), null, 2)}\n`;
}

export function historyFromJson(text: string): History {
  return protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true }) as History;
}

/** Where the replay spec reads histories from; capture scripts write them here. */
export const HISTORIES_DIR = join(__dirname, 'histories');

/** Writes a finished workflow's history as `<name>.json` for the replay spec. */
export async function saveHistory(name: string, handle: { fetchHistory(): Promise<History> }): Promise<void> {
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJson(history));
  console.log(`wrote ${name}.json (${history.events?.length} events)`);
}
