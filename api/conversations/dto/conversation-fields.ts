import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Tags are trimmed and de-duplicated (first spelling wins). */
export const normalizeTags = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? [...new Set(value.map((t) => (typeof t === 'string' ? t.trim() : t)))] : value;

export const Trim = () => Transform(trim);
export const NormalizeTags = () => Transform(normalizeTags);

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;
export const MAX_SYSTEM_PROMPT_LENGTH = 20_000;

/** Postgres text cannot hold U+0000: without this check such input would be a 500, not a 400. */
export const NoNul = (each = false) =>
  ValidateBy(
    { name: 'noNul', validator: { validate: (v: unknown) => typeof v !== 'string' || !v.includes('\0'), defaultMessage: () => '$property must not contain NUL characters' } },
    { each },
  );
