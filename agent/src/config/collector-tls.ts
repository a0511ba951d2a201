/**
 * How the agent reaches the collector safely (docs/tls.md): the rules on `collector.url` /
 * `allowInsecure` / the client certificate (pure, `path: message`), and reading the TLS files
 * once at start-up into the options every connection to the collector uses — the pusher and the
 * throughput probe alike.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { N3monError } from '../../../shared/src/errors.ts';
import { isLoopbackHost } from '../../../shared/src/loopback.ts';
import type { AgentConfig } from './schema.ts';

type CollectorSection = AgentConfig['collector'];

/** TLS material for connections to the collector; empty for system CAs and no client certificate. */
export interface CollectorTls {
  /** collector.caFile: replaces the system CAs for the collector's certificate. */
  ca?: Buffer;
  /** collector.clientCertFile / clientKeyFile: presented when the collector asks (mutual TLS). */
  cert?: Buffer;
  key?: Buffer;
}

/** Rules on the collector section a schema cannot express. */
export function collectorTransportProblems(c: CollectorSection): string[] {
  const out: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(c.url);
  } catch {
    out.push(`collector.url: ${JSON.stringify(c.url)} is not a URL`);
  }
  if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname) && c.allowInsecure !== true) {
    out.push(
      `collector.url: plain http to ${url.hostname} refused: the agent's bearer token must not cross a network in clear. ` +
        'Use https:// (the collector with listen.tls, or behind a TLS proxy), or set collector.allowInsecure: true if the path is otherwise protected',
    );
  }
  if ((c.clientCertFile === undefined) !== (c.clientKeyFile === undefined)) {
    out.push(
      c.clientCertFile === undefined
        ? 'collector.clientKeyFile: needs collector.clientCertFile too'
        : 'collector.clientCertFile: needs collector.clientKeyFile too',
    );
  }
  return out;
}

function readAt(path: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new N3monError('N3MON_ERR_CONFIG_READ', `${path}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/** Read collector.caFile and the client certificate and key (start-up). Throws N3MON_ERR_CONFIG_READ / _INVALID. */
export function readCollectorTls(c: CollectorSection): CollectorTls {
  const out: CollectorTls = {};
  if (c.caFile !== undefined) {
    out.ca = readAt('collector.caFile', c.caFile);
    if (!out.ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', `collector.caFile: ${c.caFile} holds no PEM certificate`, {
        problems: [`collector.caFile: ${c.caFile} holds no PEM certificate`],
      });
    }
  }
  if (c.clientCertFile !== undefined && c.clientKeyFile !== undefined) {
    out.cert = readAt('collector.clientCertFile', c.clientCertFile);
    out.key = readAt('collector.clientKeyFile', c.clientKeyFile);
    try {
      createSecureContext({ cert: out.cert, key: out.key });
    } catch (err) {
      const problem = `collector.clientKeyFile: ${c.clientKeyFile} is not a usable key for ${c.clientCertFile} (${(err as Error).message})`;
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', problem, { problems: [problem], cause: err });
    }
  }
  return out;
}
