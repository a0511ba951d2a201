/**
 * A small Prometheus registry: counters, gauges (set, or computed at scrape) and histograms,
 * rendered in the text exposition format 0.0.4. Instances only — no global default registry.
 */
type Labels = Readonly<Record<string, string>>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Family {
  readonly name: string;
  render(out: string[]): void;
}

abstract class Base<Child> implements Family {
  protected readonly children = new Map<string, { values: string[]; child: Child }>();

  constructor(
    readonly name: string,
    protected readonly help: string,
    protected readonly type: 'counter' | 'gauge' | 'histogram',
    protected readonly labelNames: readonly string[],
  ) {}

  protected abstract create(): Child;

  /** The child for these label values (create it once and keep it on hot paths). */
  labels(labels: Labels = {}): Child {
    const values = this.labelNames.map((n) => labels[n] ?? '');
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { values, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected header(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
  }

  abstract render(out: string[]): void;
}

export class Counter extends Base<{ value: number; inc(by?: number): void }> {
  protected create() {
    return {
      value: 0,
      inc(by = 1) {
        this.value += by;
      },
    };
  }
  inc(labels: Labels = {}, by = 1): void {
    this.labels(labels).inc(by);
  }
  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.children.values()) out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
  }
}

export class Gauge extends Base<{ value: number }> {
  /** When set, called at each scrape; its rows replace any set() values. */
  collect?: () => Iterable<readonly [Labels, number]>;

  protected create() {
    return { value: 0 };
  }
  set(labels: Labels, value: number): void {
    this.labels(labels).value = value;
  }
  render(out: string[]): void {
    this.header(out);
    if (this.collect !== undefined) {
      for (const [labels, v] of this.collect()) out.push(`${this.name}${labelText(this.labelNames, this.labelNames.map((n) => labels[n] ?? ''))} ${formatValue(v)}`);
      return;
    }
    for (const { values, child } of this.children.values()) out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
  }
}

export class Histogram extends Base<{ counts: number[]; sum: number; count: number; observe(v: number): void }> {
  constructor(name: string, help: string, labelNames: readonly string[], private readonly buckets: readonly number[]) {
    super(name, help, 'histogram', labelNames);
  }
  protected create() {
    const buckets = this.buckets;
    return {
      counts: buckets.map(() => 0),
      sum: 0,
      count: 0,
      observe(v: number) {
        for (let i = 0; i < buckets.length; i++) if (v <= (buckets[i] as number)) (this.counts[i] as number)++;
        this.sum += v;
        this.count++;
      },
    };
  }
  observe(labels: Labels, v: number): void {
    this.labels(labels).observe(v);
  }
  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.children.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${formatValue(b)}"`)} ${child.counts[i]}`));
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${child.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(child.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, values)} ${child.count}`);
    }
  }
}

export class Registry {
  readonly #families: Family[] = [];

  #add<F extends Family>(f: F): F {
    if (this.#families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} registered twice`);
    this.#families.push(f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, 'counter', labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: () => Iterable<readonly [Labels, number]>): Gauge {
    const g = this.#add(new Gauge(name, help, 'gauge', labelNames));
    if (collect !== undefined) g.collect = collect;
    return g;
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  names(): string[] {
    return this.#families.map((f) => f.name);
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.#families) f.render(out);
    return out.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
