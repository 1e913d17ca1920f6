// Copy-on-write helpers for Sets and Maps kept in `$state.raw` fields: every change makes a new
// object, so assigning it is the one signal Svelte needs and nothing else can mutate shown state.
// (Plain module, so the rune files stay free of mutable collections.)

export function setOf<T>(items: Iterable<T> = []): ReadonlySet<T> {
  return new Set(items);
}

export function mapOf<K, V>(entries: Iterable<readonly [K, V]> = []): ReadonlyMap<K, V> {
  return new Map(entries);
}

/** The set with `value` added if absent, removed if present. */
export function toggled<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

export function withItem<T>(set: ReadonlySet<T>, value: T, present = true): ReadonlySet<T> {
  if (set.has(value) === present) return set;
  return present ? new Set(set).add(value) : toggled(set, value);
}

export function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  return new Map(map).set(key, value);
}

/** The map without `key` (the same map when it has none). */
export function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}
