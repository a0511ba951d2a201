import { describe, expect, it } from 'vitest';
import { Registry } from '../../../collector/src/metrics/prom.ts';
import { parsePrometheusText } from '../../helpers/prom-text.ts';

describe('Prometheus text rendering', () => {
  it('renders counters, gauges and histograms with escaped labels, and parses back', () => {
    const r = new Registry();
    const c = r.counter('x_requests_total', 'Requests.\nSecond line with \\ backslash.', ['result']);
    c.inc({ result: 'ok' }, 3);
    c.inc({ result: 'we"ird\\\n' });
    r.gauge('x_temp', 'Computed at scrape.', ['site'], () => [
      [{ site: 'Main' }, 1.5],
      [{ site: 'Branch' }, NaN],
    ]);
    const h = r.histogram('x_seconds', 'Latency.', [0.1, 1]);
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    const text = r.render();
    expect(text).toContain('# HELP x_requests_total Requests.\\nSecond line with \\\\ backslash.');
    expect(text).toContain('x_requests_total{result="we\\"ird\\\\\\n"} 1');
    const fams = parsePrometheusText(text);
    expect(fams.get('x_requests_total')?.type).toBe('counter');
    expect(fams.get('x_requests_total')?.samples).toEqual([
      { name: 'x_requests_total', labels: { result: 'ok' }, value: 3 },
      { name: 'x_requests_total', labels: { result: 'we"ird\\\n' }, value: 1 },
    ]);
    expect(fams.get('x_temp')?.samples.map((s) => s.value)).toEqual([1.5, NaN]);
    expect(fams.get('x_seconds')?.samples.map((s) => [s.name, s.labels.le ?? '', s.value])).toEqual([
      ['x_seconds_bucket', '0.1', 1],
      ['x_seconds_bucket', '1', 2],
      ['x_seconds_bucket', '+Inf', 3],
      ['x_seconds_sum', '', 5.55],
      ['x_seconds_count', '', 3],
    ]);
  });

  it('refuses a metric name registered twice (a bug)', () => {
    const r = new Registry();
    r.counter('a_total', 'A.');
    expect(() => r.counter('a_total', 'Again.')).toThrow(/registered twice/);
  });

  it('renders a summary computed at scrape: quantile rows, then _sum and _count', () => {
    const r = new Registry();
    r.summary('x_lag_seconds', 'Lag.', [], () => [
      [
        {},
        {
          quantiles: [
            [0.5, 0.01],
            [0.99, 0.02],
            [1, 0.05],
          ],
          sum: 1.5,
          count: 100,
        },
      ],
    ]);
    r.counter('x_written_total', 'Kept elsewhere.', [], () => [[{}, 42]]);
    const fams = parsePrometheusText(r.render());
    expect(fams.get('x_lag_seconds')?.type).toBe('summary');
    expect(fams.get('x_lag_seconds')?.samples.map((s) => [s.name, s.labels.quantile ?? '', s.value])).toEqual([
      ['x_lag_seconds', '0.5', 0.01],
      ['x_lag_seconds', '0.99', 0.02],
      ['x_lag_seconds', '1', 0.05],
      ['x_lag_seconds_sum', '', 1.5],
      ['x_lag_seconds_count', '', 100],
    ]);
    expect(fams.get('x_written_total')?.samples).toEqual([{ name: 'x_written_total', labels: {}, value: 42 }]);
  });

  it('refuses, when registered, a family promtool would refuse (a bug)', () => {
    const r = new Registry();
    expect(() => r.gauge('x_lag_seconds', 'Lag.', ['quantile'])).toThrow(/quantile is reserved/);
    expect(() => r.histogram('x_seconds', 'Latency.', [1], ['le'])).toThrow(/le is reserved/);
    expect(() => r.counter('x_requests', 'Requests.')).toThrow(/ends in _total/);
    expect(() => r.gauge('x_requests_total', 'Requests.')).toThrow(/only a counter/);
    expect(() => r.gauge('x_requests_count', 'Requests.')).toThrow(/histograms and summaries/);
    expect(() => r.gauge('x_up', 'Up.', ['__name'])).toThrow(/not a valid label name/);
    expect(r.names()).toEqual([]);
  });
});
