import { ConfigValidationError, loadConfig } from './app-config';

const VALID = {
  DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  JWT_SECRET: 'x'.repeat(32),
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig({ ...VALID, API_PORT: '4000', SWAGGER_ENABLED: 'false' });
    expect(config.API_PORT).toBe(4000);
    expect(config.SWAGGER_ENABLED).toBe(false);
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.API_HOST).toBe('127.0.0.1');
  });

  it('names every missing or invalid variable in one error', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({ REDIS_URL: VALID.REDIS_URL, API_PORT: 'eighty', JWT_SECRET: 'short', NODE_ENV: 'staging' });
    } catch (err) {
      error = err as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const text = error!.problems.join('\n');
    for (const name of ['DATABASE_URL is missing', 'TEMPORAL_ADDRESS is missing', 'DATA_ENCRYPTION_KEY is missing', 'API_PORT', 'JWT_SECRET must be at least 32 characters', 'NODE_ENV']) {
      expect(text).toContain(name);
    }
    expect(error!.message).toMatch(/^Invalid configuration:\n {2}- /);
  });

  it('ignores unrelated environment variables', () => {
    const config = loadConfig({ ...VALID, HOME: '/root', PATH: '/usr/bin' }) as unknown as Record<string, unknown>;
    expect(config.HOME).toBeUndefined();
  });

  it('takes TEMPORAL_UI_URL only as an http(s) URL', () => {
    expect(loadConfig(VALID).TEMPORAL_UI_URL).toBeUndefined();
    expect(loadConfig({ ...VALID, TEMPORAL_UI_URL: 'http://127.0.0.1:8233' }).TEMPORAL_UI_URL).toBe('http://127.0.0.1:8233');
    for (const bad of ['javascript:alert(1)', '127.0.0.1:8233', 'not a url']) {
      expect(() => loadConfig({ ...VALID, TEMPORAL_UI_URL: bad })).toThrow(/TEMPORAL_UI_URL must be an http\(s\) URL/);
    }
  });
});
