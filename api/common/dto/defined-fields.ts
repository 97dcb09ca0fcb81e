/**
 * The fields a request actually set. A validated DTO is a class instance whose every declared field
 * is an own property (omitted ones are `undefined`), so `{ ...defaults, ...dto }` would wipe the
 * defaults of everything the body left out.
 */
export function definedFields<T extends object>(dto: T | undefined): Partial<T> {
  if (!dto) return {};
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}
