/**
 * A map from hour starts to values, stored in an array by hour offset from a base hour. A report
 * keeps ~150,000 hour buckets per practice-month; epoch-ms keys are not small integers, so a Map
 * boxes and hashes each one — this is several times cheaper and reads like a ReadonlyMap.
 */
import { HOUR_MS } from './month.ts';

export class HourMap<T> implements ReadonlyMap<number, T> {
  readonly #base: number;
  readonly #slots: Array<T | undefined>;
  #size = 0;

  /** Hours from `from` (aligned down to the hour) for `hours` hours; keys outside are ignored on set. */
  constructor(from: number, hours: number) {
    this.#base = Math.floor(from / HOUR_MS) * HOUR_MS;
    this.#slots = new Array<T | undefined>(Math.max(0, Math.ceil(hours)));
  }

  #index(h: number): number {
    const i = (h - this.#base) / HOUR_MS;
    return Number.isInteger(i) && i >= 0 && i < this.#slots.length ? i : -1;
  }

  get size(): number {
    return this.#size;
  }

  get(h: number): T | undefined {
    const i = this.#index(h);
    return i < 0 ? undefined : this.#slots[i];
  }

  has(h: number): boolean {
    return this.get(h) !== undefined;
  }

  /** False when the hour is outside the map's range (nothing stored). */
  set(h: number, value: T): boolean {
    const i = this.#index(h);
    if (i < 0) return false;
    if (this.#slots[i] === undefined) this.#size++;
    this.#slots[i] = value;
    return true;
  }

  delete(h: number): boolean {
    const i = this.#index(h);
    if (i < 0 || this.#slots[i] === undefined) return false;
    this.#slots[i] = undefined;
    this.#size--;
    return true;
  }

  *entries(): MapIterator<[number, T]> {
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i];
      if (v !== undefined) yield [this.#base + i * HOUR_MS, v];
    }
  }

  *keys(): MapIterator<number> {
    for (const [h] of this.entries()) yield h;
  }

  *values(): MapIterator<T> {
    for (const v of this.#slots) if (v !== undefined) yield v;
  }

  [Symbol.iterator](): MapIterator<[number, T]> {
    return this.entries();
  }

  forEach(fn: (value: T, key: number, map: ReadonlyMap<number, T>) => void): void {
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i];
      if (v !== undefined) fn(v, this.#base + i * HOUR_MS, this);
    }
  }
}

/** Visit every entry without allocating an [hour, value] pair per entry (hot loops). */
export function eachHour<T>(map: ReadonlyMap<number, T>, fn: (hour: number, value: T) => void): void {
  map.forEach((v, h) => fn(h, v));
}
