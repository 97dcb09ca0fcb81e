import { Secret, TOTP } from 'otpauth';
import { matchTotpStep, newTotpSeed, otpauthUrl } from './totp';
import { hashRecoveryCode, looksLikeTotp, newRecoveryCode } from './recovery-codes';

const codeAt = (seed: string, timestamp: number) =>
  new TOTP({ secret: Secret.fromBase32(seed), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp });

describe('TOTP', () => {
  const seed = newTotpSeed();
  const now = 1_800_000_015_000; // 15 s into step 60_000_000

  it('makes 160-bit base32 seeds and an otpauth URL naming the account', () => {
    expect(seed).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl(seed, 'a@b.test')).toMatch(/^otpauth:\/\/totp\/Gateway:a%40b\.test\?issuer=Gateway&secret=/);
  });

  it('returns the step of a code within ±1 step, so the caller can refuse replays', () => {
    expect(matchTotpStep(seed, codeAt(seed, now), now)).toBe(60_000_000);
    expect(matchTotpStep(seed, codeAt(seed, now - 30_000), now)).toBe(59_999_999);
    expect(matchTotpStep(seed, codeAt(seed, now + 30_000), now)).toBe(60_000_001);
  });

  it('refuses codes two steps away and codes of another seed', () => {
    expect(matchTotpStep(seed, codeAt(seed, now - 60_000), now)).toBeUndefined();
    expect(matchTotpStep(seed, codeAt(newTotpSeed(), now), now)).toBeUndefined();
  });
});

describe('recovery codes', () => {
  it('look like xxxxx-xxxxx, never like a TOTP code, and hash the same however typed', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(looksLikeTotp(code)).toBe(false);
    expect(hashRecoveryCode(code.toUpperCase().replace('-', ' '))).toBe(hashRecoveryCode(code));
  });
});
