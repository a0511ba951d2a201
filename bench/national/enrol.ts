/**
 * One agent per simulated practice, made as a practice server is: a service-desk key creates an
 * enrolment code (POST /api/v1/enrolments) and the "server" exchanges it for its token
 * (POST /api/v1/enrol), each request on either collector. Bounded concurrency; any refusal stops
 * the run with the collector's answer.
 */
import type { Client } from './http.ts';

export interface Enrolled {
  ods: string;
  token: string;
}

export async function enrolAll(o: {
  client: Client;
  next: () => string;
  apiKey: string;
  practices: readonly string[];
  concurrency: number;
  onProgress?: (done: number) => void;
}): Promise<Enrolled[]> {
  const out: Enrolled[] = new Array(o.practices.length);
  let cursor = 0;
  let done = 0;
  const one = async (i: number): Promise<void> => {
    const ods = o.practices[i] as string;
    const created = await o.client.send({
      url: `${o.next()}/api/v1/enrolments`,
      method: 'POST',
      headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ practice: ods, uses: 1, expiresInMs: 3_600_000 }),
      timeoutMs: 60_000,
    });
    if (created.status !== 201 && created.status !== 200)
      throw new Error(`POST /api/v1/enrolments for ${ods}: ${created.status} ${created.error ?? created.body.slice(0, 300)}`);
    const { code } = JSON.parse(created.body) as { code: string };
    const enrolled = await o.client.send({
      url: `${o.next()}/api/v1/enrol`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: 'main' }),
      timeoutMs: 60_000,
    });
    if (enrolled.status !== 200) throw new Error(`POST /api/v1/enrol for ${ods}: ${enrolled.status} ${enrolled.error ?? enrolled.body.slice(0, 300)}`);
    out[i] = { ods, token: (JSON.parse(enrolled.body) as { token: string }).token };
    done++;
    if (done % 500 === 0) o.onProgress?.(done);
  };
  const worker = async (): Promise<void> => {
    while (cursor < o.practices.length) await one(cursor++);
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return out;
}
