/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a
 * HELP/TYPE comment or a sample of the family just declared; label values are unescaped; a
 * histogram's buckets must be cumulative and end in +Inf = _count. Throws on anything else.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function parseValue(s: string, line: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value in: ${line}`);
  return Number(s);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (m === null) throw new Error(`bad label in: ${line}`);
    i += m[0].length;
    let v = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (ch === '"') break;
      if (ch === '\\') {
        const nx = text[i + 1];
        if (nx === 'n') v += '\n';
        else if (nx === '\\' || nx === '"') v += nx;
        else throw new Error(`bad escape in: ${line}`);
        i += 2;
      } else {
        v += ch;
        i++;
      }
    }
    i++;
    if (Object.hasOwn(labels, m[1] as string)) throw new Error(`duplicate label in: ${line}`);
    labels[m[1] as string] = v;
    if (text[i] === ',') i++;
    else if (i !== text.length) throw new Error(`bad label separator in: ${line}`);
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const fams = new Map<string, PromFamily>();
  let current: PromFamily | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help !== null) {
      const name = help[1] as string;
      if (!NAME.test(name) || fams.has(name)) throw new Error(`bad or repeated family: ${line}`);
      current = { name, help: (help[2] as string).replace(/\\n/g, '\n').replace(/\\\\/g, '\\'), type: 'untyped', samples: [] };
      fams.set(name, current);
      continue;
    }
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      if (current === undefined || current.name !== type[1]) throw new Error(`TYPE without HELP first: ${line}`);
      current.type = type[2] as PromFamily['type'];
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`bad sample line: ${line}`);
    const name = m[1] as string;
    if (
      current === undefined ||
      !(name === current.name || (['histogram', 'summary'].includes(current.type) && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === current.name))
    ) {
      throw new Error(`sample outside its family: ${line}`);
    }
    current.samples.push({ name, labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3] as string, line) });
  }
  for (const f of fams.values()) {
    if (f.type !== 'histogram') continue;
    const buckets = f.samples.filter((s) => s.name.endsWith('_bucket'));
    for (let i = 1; i < buckets.length; i++) if ((buckets[i]?.value ?? 0) < (buckets[i - 1]?.value ?? 0)) throw new Error(`${f.name}: buckets not cumulative`);
    const inf = buckets.at(-1);
    const count = f.samples.find((s) => s.name.endsWith('_count'));
    if (buckets.length > 0 && (inf?.labels.le !== '+Inf' || inf.value !== count?.value)) throw new Error(`${f.name}: +Inf bucket must equal _count`);
  }
  return fams;
}
