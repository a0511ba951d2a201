/**
 * Dashboard passwords: scrypt (node:crypto, no native dependency) with a per-user 16-byte salt.
 * Stored as one self-describing string, `scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>`, so
 * the cost can be raised later and old hashes still verify. Comparison is constant-time.
 *
 * Cost: N = 2^15, r = 8, p = 1 (32 MiB, ~60 ms on one core here) — OWASP's recommended minimum
 * for scrypt. Hashing runs on libuv's thread pool, so a sign-in never blocks the event loop.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { logN: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  // maxmem must exceed 128 * N * r bytes, or scrypt refuses.
  const opts: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, opts, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.logN, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Parsed {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (m === null) return undefined;
  const cost = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.logN < 10 || cost.logN > 22 || cost.r < 1 || cost.p < 1) return undefined;
  return { cost, salt: Buffer.from(m[4] as string, 'base64url'), key: Buffer.from(m[5] as string, 'base64url') };
}

/** True when `password` matches the stored hash. A malformed stored hash never matches. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const p = parse(stored);
  if (p === undefined) return false;
  const key = await derive(password, p.salt, p.cost);
  return key.length === p.key.length && timingSafeEqual(key, p.key);
}

/** Same cost as a real check, for unknown usernames: a sign-in takes as long whether or not the user exists. */
export async function burnPasswordCheck(password: string): Promise<void> {
  await derive(password, randomBytes(SALT_BYTES), DEFAULT_COST);
}

/** Problems with a chosen password (empty when acceptable). */
export function passwordProblems(password: string): string[] {
  const chars = [...password].length;
  if (chars < MIN_PASSWORD_CHARS) return [`password: must be at least ${MIN_PASSWORD_CHARS} characters`];
  if (chars > MAX_PASSWORD_CHARS) return [`password: must be at most ${MAX_PASSWORD_CHARS} characters`];
  return [];
}

// No look-alikes (0/O, 1/l/I): people type these from a terminal.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of 4 groups of 5 characters (~117 bits), e.g. `k3Tzq-WmP9a-…`. */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = '';
    for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}
