/** Delivering a practice's backlog to a collector's ingest route in batches of 5000, as an agent would; each must be accepted. */
import { expect } from 'vitest';
import type { WireSample } from '../../../shared/src/wire.ts';
import type { RunningCollector } from '../../../collector/src/collector.ts';

export async function ingestBacklog(c: RunningCollector, token: string, batchPrefix: string, samples: WireSample[]): Promise<void> {
  for (let i = 0; i < samples.length; i += 5000) {
    const r = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: { batchId: `${batchPrefix}-${i}`, samples: samples.slice(i, i + 5000) },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.statusCode, r.body).toBe(200);
  }
}
