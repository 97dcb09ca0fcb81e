import { definedFields } from './defined-fields';

class Policy {
  maxAttempts?: number;
  coefficient?: number;
}

describe('definedFields', () => {
  it('keeps what was set, drops declared fields left undefined, so defaults survive a spread', () => {
    const dto = Object.assign(new Policy(), { maxAttempts: 2 });
    expect(Object.keys(new Policy())).toEqual(['maxAttempts', 'coefficient']);
    expect({ maxAttempts: 1, coefficient: 2, ...definedFields(dto) }).toEqual({ maxAttempts: 2, coefficient: 2 });
    expect(definedFields(Object.assign(new Policy(), { coefficient: null }))).toEqual({ coefficient: null });
    expect(definedFields(undefined)).toEqual({});
  });
});
