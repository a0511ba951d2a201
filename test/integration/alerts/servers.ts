/**
 * Real receivers on 127.0.0.1 for notification tests: an HTTP server that records webhook
 * deliveries (and can answer with chosen statuses), and an SMTP server (smtp-server) that records
 * messages (and can refuse recipients).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  /** Status for the next requests (consumed in order), then 200. */
  respond: number[];
  /** Hold requests without answering (for timeouts). */
  hang: boolean;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', deliveries: [], respond: [], hang: false, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (r.hang) return;
      res.statusCode = r.respond.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The text body, quoted-printable decoded. */
  text: string;
}

/** Decode a quoted-printable body (RFC 2045) to UTF-8 text. */
export function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft[i] === '=' ? /^[0-9A-F]{2}/i.exec(soft.slice(i + 1, i + 3)) : null;
    if (hex !== null) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface SmtpReceiver {
  port: number;
  mails: Mail[];
  /** SMTP reply codes for the next RCPT TO commands (e.g. 451 temporary, 550 permanent). */
  rcptFailures: number[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const r: SmtpReceiver = { port: 0, mails: [], rcptFailures: [], close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const code = r.rcptFailures.shift();
      if (code === undefined) return cb();
      const err = new Error(`refused ${address.address}`) as Error & { responseCode: number };
      err.responseCode = code;
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
        const split = raw.search(/\r?\n\r?\n/);
        const head = raw.slice(0, split);
        const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
        const text = /content-transfer-encoding: quoted-printable/i.test(head) ? decodeQuotedPrintable(body) : body;
        r.mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((a) => a.address),
          raw,
          subject,
          text,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.server.address() as AddressInfo).port;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}
