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
