import { findModel } from '../../shared/domain/model-registry';
import { maxTurnCostUsd } from './turn-cost';

describe('maxTurnCostUsd', () => {
  it('prices max output tokens plus the estimated input, exactly', () => {
    // gpt-4o: $2.5 in, $10 out per MTok; 300 chars -> 132 input tokens.
    expect(maxTurnCostUsd([findModel('openai/gpt-4o')!], 1000, 300)).toBe('0.01033000');
  });
  it('takes the dearest model of the chain and is zero for free models', () => {
    expect(maxTurnCostUsd([findModel('openai/gpt-4o-mini')!, findModel('openai/gpt-4o')!], 100, 0)).toBe('0.00108000');
    expect(maxTurnCostUsd([findModel('local/smollm2-135m-instruct')!], 4000, 1_000_000)).toBe('0.00000000');
  });
});
