import { apiProcessCount } from './api-cluster';

describe('apiProcessCount', () => {
  it('takes the setting as given, and 0 as one per core, capped at 8', () => {
    expect(apiProcessCount(3, 16)).toBe(3);
    expect(apiProcessCount(0, 2)).toBe(2);
    expect(apiProcessCount(0, 1)).toBe(1);
    expect(apiProcessCount(0, 32)).toBe(8);
  });
});
