import { api } from '../support/api-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { STUB_LLM_PORT } from '../support/stub-llm';

describe('provider health', () => {
  it('reports the local model and the OpenAI-compatible endpoint, and 503 when one is unreachable', async () => {
    const llm = new StubLlmServer();
    await llm.start(STUB_LLM_PORT);
    try {
      const up = await api('GET', '/monitoring/health/providers');
      expect(up.status).toBe(200);
      const byName = Object.fromEntries(up.body.components.map((c: { name: string; status: string }) => [c.name, c.status]));
      expect(byName).toEqual({ local: 'up', openai: 'up' });
    } finally {
      await llm.stop();
    }
    const down = await api('GET', '/monitoring/health/providers');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('degraded');
    expect(down.body.components.find((c: { name: string }) => c.name === 'openai')).toMatchObject({ status: 'down', error: expect.any(String) });
  });
});
