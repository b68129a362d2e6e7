// The public keys that sign tickets (`GET /api/v1/tickets/keys`), kept on the device so that a conductor checks
// tickets with no network. Pure parsing here; `deviceStore.ts` reads and writes them.
import type { TicketKeyList } from './api/types';

export interface StoredKey {
  kid: number;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  validFrom: string;
  /** null while the key signs. */
  validUntil: string | null;
}

export interface StoredKeys {
  /** When they were fetched (epoch ms). */
  savedAt: number;
  keys: StoredKey[];
}

/** The server's list as stored: only Ed25519 keys with a readable kid and key. */
export function keysFromServer(list: TicketKeyList, savedAt: number): StoredKeys {
  const keys: StoredKey[] = [];
  for (const key of list.keys ?? []) {
    if (key.alg !== 'Ed25519' || !/^[0-9a-f]{4}$/i.test(key.kid)) continue;
    const raw = base64UrlDecode(key.publicKey);
    if (!raw || raw.length !== 32) continue;
    keys.push({ kid: parseInt(key.kid, 16), publicKey: key.publicKey, validFrom: key.validFrom, validUntil: key.validUntil ?? null });
  }
  return { savedAt, keys };
}

export function parseStoredKeys(text: string | null): StoredKeys | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<StoredKeys>;
    if (typeof value.savedAt !== 'number' || !Array.isArray(value.keys)) return null;
    const keys = value.keys.filter(
      (k): k is StoredKey =>
        typeof k === 'object' && k !== null && typeof k.kid === 'number' && typeof k.publicKey === 'string',
    );
    return { savedAt: value.savedAt, keys };
  } catch {
    return null;
  }
}

/** The key with this id, unless it stopped being published before `now` (no ticket it signed is valid). */
export function keyFor(stored: StoredKeys | null, kid: number, now: number): StoredKey | null {
  const key = stored?.keys.find((k) => k.kid === kid) ?? null;
  if (!key) return null;
  if (key.validUntil && Date.parse(key.validUntil) <= now) return null;
  return key;
}

/** base64url (or base64), with or without padding; null when it is not. */
export function base64UrlDecode(text: string): Uint8Array | null {
  const clean = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) return null;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (const c of clean) {
    buffer = (buffer << 6) | alphabet.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}
