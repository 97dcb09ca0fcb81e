import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];

/**
 * class-validator looks up a DTO's rules by scanning every registered class (an `instanceof` per
 * class, for inherited rules) on each validation: with this API's few hundred DTOs that was a
 * sizeable share of a validated request. The rules only change when a decorator registers one (at
 * import time), so the lookup is remembered until then.
 */
export function cacheValidationMetadataLookups(storage: Storage = getMetadataStorage()): void {
  const marked = storage as Storage & { __lookupsCached?: true };
  if (marked.__lookupsCached) return;
  marked.__lookupsCached = true;
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let cache = new Map<unknown, Map<string, ReturnType<Lookup>>>();
  storage.addValidationMetadata = (metadata) => {
    cache = new Map();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byKey = cache.get(target);
    if (!byKey) cache.set(target, (byKey = new Map()));
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}
