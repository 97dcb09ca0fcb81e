import { Secret, TOTP } from 'otpauth';

const ISSUER = 'Gateway';
const PERIOD = 30;
// ±1 step: tolerates a phone clock off by up to 30 s, and a code typed as it rolls over.
const WINDOW = 1;

/** A new random seed (160 bits, RFC 4226's recommendation), as base32 for authenticator apps. */
export function newTotpSeed(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUrl(seed: string, account: string): string {
  return totp(seed, account).toString();
}

/**
 * The time step a code belongs to, or undefined when it matches none within the window.
 * The caller refuses steps at or before the last accepted one, so no code works twice.
 */
export function matchTotpStep(seed: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(seed).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}

function totp(seed: string, label = 'account'): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(seed) });
}
