/**
 * JSON request bodies, plain or `Content-Encoding: gzip`. Replaces Fastify's JSON parser for the
 * whole app. The compressed body is capped by the route's bodyLimit as it arrives (Fastify checks
 * Content-Length first, then counts bytes); gunzip runs on the libuv thread pool with
 * maxOutputLength = bodyLimit, so a gzip bomb stops at the cap with 413 instead of being inflated.
 */
import { gunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import type { TypedApp } from '../context.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { bodyCode } from './errors.ts';

const INFLATE_CHUNK = 1024 * 1024;

/** `"name"\s*:` as a JSON object key, each character literal or as a \u00XX escape. */
function keyPattern(name: string): RegExp {
  const chars = [...name].map((c) => `(?:${c}|\\\\u00${c.charCodeAt(0).toString(16)})`).join('');
  return new RegExp(`"${chars}"\\s*:`, 'i');
}
const PROTO_KEY = keyPattern('__proto__');
const CONSTRUCTOR_KEY = keyPattern('constructor');
const PROTOTYPE_KEY = keyPattern('prototype');

/**
 * Fastify's own JSON parser refuses prototype-poisoning keys; this one does too, so no route
 * (ours or one added later that merges a body into an object) ever sees them. A plain body that
 * mentions neither name nor any \u escape costs three substring scans.
 */
export function poisonedKey(text: string): string | undefined {
  if (!text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor')) return undefined;
  if (PROTO_KEY.test(text)) return '"__proto__" keys are not accepted';
  if (CONSTRUCTOR_KEY.test(text) && PROTOTYPE_KEY.test(text)) return '"constructor" and "prototype" keys together are not accepted';
  return undefined;
}

function inflate(req: FastifyRequest, body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // One big output chunk instead of 16 KiB ones: far fewer main-thread callbacks and no concat.
    gunzip(body, { maxOutputLength: limit, chunkSize: Math.min(limit, INFLATE_CHUNK) }, (err, out) => {
      if (err === null) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        reject(new N3monError(bodyCode(req, 'too_large'), `body larger than ${limit} bytes once decompressed`));
      else reject(new N3monError(bodyCode(req, 'invalid'), 'body is not valid gzip', { problems: [`(root): not valid gzip (${err.message})`] }));
    });
  });
}

export async function parseJsonBody(req: FastifyRequest, body: Buffer): Promise<unknown> {
  const limit = req.routeOptions.bodyLimit ?? 1024 * 1024;
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let raw = body;
  if (encoding === 'gzip' || encoding === 'x-gzip') raw = await inflate(req, body, limit);
  else if (encoding !== 'identity')
    throw new N3monError('N3MON_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(encoding)} is not accepted; send gzip or no encoding`);
  if (raw.length === 0) throw new N3monError(bodyCode(req, 'invalid'), 'body is empty', { problems: ['(root): empty body; expected a JSON object'] });
  const text = raw.toString('utf8');
  const poison = poisonedKey(text);
  if (poison !== undefined) throw new N3monError(bodyCode(req, 'invalid'), 'body has a forbidden key', { problems: [`(root): ${poison}`] });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new N3monError(bodyCode(req, 'invalid'), 'body is not valid JSON', { problems: [`(root): not valid JSON (${(err as Error).message})`] });
  }
}

export function registerJsonBody(app: TypedApp): void {
  // JSON only: no route reads text or other bodies, so anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (req: FastifyRequest, body: Buffer) => parseJsonBody(req, body));
}
