import { ValidateBy, ValidationOptions } from 'class-validator';

export const MAX_EMOJI_LENGTH = 32;

// RGI_Emoji (the `v` flag) covers ZWJ families, flags, keycaps and skin tones as whole sequences.
// Built with the constructor because the compile targets predate the `v` flag in regex literals.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
// Clients often send a bare pictograph without its VS16 (e.g. "❤" for "❤️"); accept that one form too.
const BARE_PICTOGRAPH = /^\p{Extended_Pictographic}\uFE0F?$/u;

/** One emoji (possibly a multi-code-point sequence), nothing else: no text, no whitespace. */
export function isEmoji(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_EMOJI_LENGTH) return false;
  return RGI_EMOJI.test(value) || BARE_PICTOGRAPH.test(value);
}

export const IsEmoji = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isEmoji', validator: { validate: isEmoji, defaultMessage: () => '$property must be a single emoji' } }, options);
