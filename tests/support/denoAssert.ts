/** A minimal assert for Deno tests: node:assert would pull @types/node into Deno's type check. */
function show(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Date ? inner.toISOString() : inner));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, sorted(inner)]));
  }
  return value;
}

export function equal(actual: unknown, expected: unknown, message?: string): void {
  if (!Object.is(actual, expected)) throw new Error(message ?? `expected ${show(expected)}, got ${show(actual)}`);
}

export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (show(sorted(actual)) !== show(sorted(expected))) throw new Error(message ?? `expected ${show(expected)}, got ${show(actual)}`);
}

export default { equal, deepEqual };
