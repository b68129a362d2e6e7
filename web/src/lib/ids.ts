// Random identifiers made in the browser. `crypto.randomUUID` exists only on secure origins (https, localhost);
// `crypto.getRandomValues` exists everywhere, so the UUID is built from it.

/** A random UUID (version 4), e.g. for an `Idempotency-Key`. `fill` is for tests. */
export function newUuid(fill: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = fill(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `Idempotency-Key` of a request: the previous attempt's key when the same request is sent again (a retry
 * after a lost answer must not book or charge twice), a new one when anything in the request changed.
 */
export function keyForAttempt(
  previous: { key: string; request: string } | null,
  request: string,
  makeKey: () => string = () => newUuid(),
): { key: string; request: string } {
  return previous && previous.request === request ? previous : { key: makeKey(), request };
}
