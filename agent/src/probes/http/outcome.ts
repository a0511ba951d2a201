/**
 * Error → outcome (pure). Node reports failures as `code`s (ECONNREFUSED, HPE_INVALID_CONSTANT,
 * CERT_HAS_EXPIRED, …); the stage tells codes apart that mean different things in different
 * phases (an ECONNRESET during the TLS handshake is a TLS failure, during the body a broken
 * response). test/fixtures/http/errors.json holds codes captured from real failures.
 */
import type { Outcome } from '../../../../shared/src/outcomes.ts';
import type { FailureStage } from './phases.ts';

export interface HopFailure {
  stage: FailureStage;
  /** Node's error code, or the TLS verification code, or ABORT_ERR. */
  code: string;
  message: string;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'EAI_ADDRFAMILY', 'ENODATA', 'ESERVFAIL', 'ENONAME', 'EBADNAME']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ABORT_ERR', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
/** Certificate verification results (OpenSSL X509_V_ERR_* names, as Node reports them). */
const CERT_CODE = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|INVALID_CA|PATH_LENGTH|HOSTNAME_MISMATCH|ERR_TLS_|ERR_SSL_|ERR_OSSL_)/;

export function outcomeForFailure(f: Pick<HopFailure, 'stage' | 'code'>): Outcome {
  const { stage, code } = f;
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (stage === 'dns') return 'dns_error';
  if (DNS_CODES.has(code)) return 'dns_error';
  if (code === 'ECONNREFUSED') return 'refused';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (stage === 'tls' || CERT_CODE.test(code) || code === 'EPROTO') return 'tls_error';
  if (code.startsWith('HPE_')) return 'protocol_error';
  if (stage === 'connect') return code === 'ECONNRESET' ? 'refused' : 'unreachable';
  // request/transfer: the connection was up and the answer broke off or was not HTTP.
  return 'protocol_error';
}

/** The code of an unknown thrown value (Node errors carry `code`; AbortError carries ABORT_ERR). */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if ((err as { name?: unknown }).name === 'AbortError') return 'ABORT_ERR';
  }
  return 'UNKNOWN';
}

/** One line, bounded: OpenSSL messages carry source paths and trailing newlines. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0]?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
