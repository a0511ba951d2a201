/**
 * HTTPS served by the collector itself (`listen.tls`, docs/tls.md): reading and checking the
 * certificate files (check-config and start-up say `listen.tls.<key>: message`), the options the
 * HTTPS server is built with, and the reload on SIGHUP (`server.setSecureContext()`: connections
 * already open keep their session; new handshakes get the new certificate).
 *
 * Mutual TLS (`requireClientCert`): the server asks every client for a certificate but does not
 * refuse the handshake without one (the dashboard's browsers have none); the agent routes then
 * refuse an agent token that came without a verified certificate naming that agent
 * (agentCertProblem, used by plugins/auth.ts).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type PeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { CollectorConfig } from './config/schema.ts';

export type ListenTls = NonNullable<CollectorConfig['listen']['tls']>;

/** What the HTTPS server is built (and re-built on SIGHUP) with. */
export interface ServerTlsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** Ask clients for a certificate (requireClientCert); the handshake never fails for lack of one. */
  requestCert: boolean;
  rejectUnauthorized: false;
}

type Read = { ok: true; data: Buffer } | { ok: false; problem: string };

function readPem(path: string, file: string, what: 'certificate' | 'key'): Read {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    return { ok: false, problem: `${path}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const marker = what === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
  if (!marker.test(data.toString('latin1'))) return { ok: false, problem: `${path}: ${file} holds no PEM ${what}` };
  return { ok: true, data };
}

/** Every problem with `listen.tls` as `path: message` (files unreadable, not PEM, key not the certificate's). */
export function listenTlsProblems(tls: ListenTls | undefined): string[] {
  if (tls === undefined) return [];
  const out: string[] = [];
  const cert = readPem('listen.tls.certFile', tls.certFile, 'certificate');
  const key = readPem('listen.tls.keyFile', tls.keyFile, 'key');
  for (const r of [cert, key]) if (!r.ok) out.push(r.problem);
  if (cert.ok && key.ok) {
    try {
      createSecureContext({ cert: cert.data, key: key.data });
    } catch (err) {
      const msg = (err as Error).message;
      out.push(
        /mismatch/i.test(msg)
          ? `listen.tls.keyFile: ${tls.keyFile} is not the key of the certificate in ${tls.certFile}`
          : `listen.tls.keyFile: ${tls.keyFile} and ${tls.certFile} are not a usable certificate and key (${msg})`,
      );
    }
  }
  if (tls.caFile !== undefined) {
    const ca = readPem('listen.tls.caFile', tls.caFile, 'certificate');
    if (!ca.ok) out.push(ca.problem);
  }
  if (tls.requireClientCert && tls.caFile === undefined) {
    out.push("listen.tls.requireClientCert: needs listen.tls.caFile, the CA that issues the agents' client certificates");
  }
  return out;
}

/** Read the files into server options. Throws with the problems when they are not usable (start-up, SIGHUP). */
export function readServerTls(tls: ListenTls): ServerTlsOptions {
  const problems = listenTlsProblems(tls);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
    requestCert: tls.requireClientCert,
    rejectUnauthorized: false,
  };
}

/** Serial number and SHA-256 fingerprint of the certificate in a PEM buffer (for the reload log line). */
export function describeCert(pem: Buffer): { serial: string; fingerprint256: string; validTo: string } {
  const x = new X509Certificate(pem);
  return { serial: x.serialNumber, fingerprint256: x.fingerprint256, validTo: x.validTo };
}

/** The identities a client certificate names: its subject CN and its SAN URIs. */
function namesOf(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  for (const c of [cn].flat()) if (typeof c === 'string') names.push(c);
  for (const part of (cert.subjectaltname ?? '').split(/,\s*/)) if (part.startsWith('URI:')) names.push(part.slice(4));
  return names;
}

/**
 * Why an agent request on this socket may not use the token of `practice/agent` under mutual TLS,
 * or undefined when its client certificate was verified against listen.tls.caFile and names that
 * agent (subject CN `practice/agent`, or a SAN URI `n3mon:agent:practice/agent` or `practice/agent`).
 */
export function agentCertProblem(socket: Socket, identity: { practice: string; agent: string }): string | undefined {
  const want = `${identity.practice}/${identity.agent}`;
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || typeof tls.getPeerCertificate !== 'function') {
    return `agent ${want}: this collector requires a client certificate (listen.tls.requireClientCert), which needs a TLS connection`;
  }
  const cert = tls.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) {
    return `agent ${want}: no client certificate; this collector requires one (set collector.clientCertFile and collector.clientKeyFile)`;
  }
  if (tls.authorized !== true) {
    return `agent ${want}: client certificate not trusted (${String(tls.authorizationError ?? 'unverified')}); it must be issued by the collector's listen.tls.caFile`;
  }
  const names = namesOf(cert);
  if (names.some((n) => n === want || n === `n3mon:agent:${want}`)) return undefined;
  return `agent ${want}: the client certificate names ${names.length === 0 ? 'no agent' : names.map((n) => JSON.stringify(n)).join(', ')}, not this token's agent "${want}"`;
}
