import { randomToken, sha256 } from '../../../shared/security/secret-tokens';

export const API_KEY_PREFIX = 'gk_';

/** `gk_<8-char public prefix>_<secret>`: the prefix is shown in lists, the whole key is hashed. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
  const key = `${API_KEY_PREFIX}${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: sha256(key) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}
