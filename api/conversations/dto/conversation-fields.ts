import { Transform } from 'class-transformer';

export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Tags are trimmed and de-duplicated (first spelling wins). */
export const normalizeTags = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? [...new Set(value.map((t) => (typeof t === 'string' ? t.trim() : t)))] : value;

export const Trim = () => Transform(trim);
export const NormalizeTags = () => Transform(normalizeTags);

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;
export const MAX_SYSTEM_PROMPT_LENGTH = 20_000;
