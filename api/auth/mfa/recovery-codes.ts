import { randomInt } from 'node:crypto';
import { sha256 } from '../../../shared/security/secret-tokens';

export const RECOVERY_CODE_COUNT = 10;
// No 0/O, 1/I/L: codes are read off paper.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** `xxxxx-xxxxx`: 10 characters of a 31-letter alphabet, about 49 bits, and every try is rate-limited. */
export function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Hash of the code as typed, ignoring case, spaces and dashes. */
export function hashRecoveryCode(code: string): string {
  return sha256(code.toLowerCase().replace(/[\s-]/g, ''));
}

export function looksLikeTotp(code: string): boolean {
  return /^\d{6}$/.test(code);
}
