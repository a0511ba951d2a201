/**
 * Secret practice values (SNMP communities, v3 auth/priv keys) at rest: AES-256-GCM with a random
 * 12-byte IV per value, under the key in `configTemplates.secretKeyFile` (32 random bytes, as hex
 * or base64). Stored as `v1:<iv>:<tag>:<ciphertext>` (base64url parts), so the plaintext never
 * reaches the state database, the versions table or a backup of them. The key is read once at start and never
 * logged; without one, storing a secret is refused (and a collector whose store holds secrets
 * refuses to start: ./service.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { N3monError } from '../../../shared/src/errors.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const PREFIX = 'v1';

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** Reads the key file: 32 bytes as 64 hex digits or as base64 (whitespace around it ignored). */
export function readSecretKey(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `configTemplates.secretKeyFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(text) && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text))) {
    throw new N3monError(
      'N3MON_ERR_CONFIG_INVALID',
      `configTemplates.secretKeyFile: ${file} must hold 32 random bytes as 64 hex digits or base64 (e.g. \`openssl rand -hex 32 > ${file}\`)`,
    );
  }
  return key;
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`secret key must be ${KEY_BYTES} bytes`);
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
    },
    open(sealed) {
      const [prefix, iv, tag, body] = sealed.split(':');
      if (prefix !== PREFIX || iv === undefined || tag === undefined || body === undefined)
        throw new N3monError('N3MON_ERR_CONFIG_INVALID', 'a stored secret is not in the v1 format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new N3monError(
          'N3MON_ERR_CONFIG_INVALID',
          `a stored secret does not decrypt with configTemplates.secretKeyFile (${(err as Error).message}): was the key file replaced?`,
        );
      }
    },
  };
}

/** What a secret looks like anywhere but the agent's own config: the preview, logs, audit detail. */
export const REDACTED = '<secret>';
