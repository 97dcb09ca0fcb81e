/** Port of the wire-format LLM stub the test stack's OpenAI-compatible provider points at. */
export const STUB_LLM_PORT = Number(process.env.STUB_LLM_PORT ?? 4460);

/** The registry id under which the stack serves an upstream model of the stub. */
export function stubModel(upstream: string): string {
  return `openai-compatible/${upstream}`;
}
