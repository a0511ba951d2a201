/** What this Node's OpenSSL can do for SNMPv3 privacy (kept apart so config checks load no SNMP code). */
import { createCipheriv } from 'node:crypto';

/**
 * Whether DES-CBC (SNMPv3 privProtocol `des`) works here. OpenSSL 3 keeps DES in its legacy
 * provider, which Node loads only with --openssl-legacy-provider.
 */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    // ERR_OSSL_EVP_UNSUPPORTED (or any refusal) is the answer to the question, not a failure.
    return false;
  }
}

/** The problem (relative to the check) when privProtocol des is configured and DES is not available. */
export const DES_UNAVAILABLE =
  'privProtocol: des is not available in this Node.js (OpenSSL 3 keeps DES in its legacy provider): use aes, aes256b or aes256r, or start node with --openssl-legacy-provider';

/**
 * The cipher problems of a check, at the moment a probe is made for it (the probe's factory throws
 * on them): validation said the same at load time, but a pulled config is applied in a process
 * whose OpenSSL may differ from the collector's that rendered it, and net-snmp itself would only
 * fail at the first poll.
 */
export function cipherProblems(check: { version: string; privProtocol?: string }, env: { desAvailable: () => boolean } = { desAvailable }): string[] {
  return check.version === '3' && check.privProtocol === 'des' && !env.desAvailable() ? [DES_UNAVAILABLE] : [];
}
