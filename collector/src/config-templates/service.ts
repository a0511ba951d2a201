/**
 * The service desk's templated config (docs/configuration.md): change → render and validate
 * every practice the new snapshot concerns → publish as a new version (with the audit entry), or
 * refuse with every problem and publish nothing. Agents read their practice's rendering; the
 * ETag is a hash of the rendered checks, so a change elsewhere does not make an agent re-apply.
 *
 * Created once per collector (the templates route module) with ConfigService.open; holds only
 * caches keyed by immutable inputs (a version's snapshot never changes, nor does a source text's
 * parse), so another collector publishing meanwhile cannot make them wrong: every agent pull first
 * reads the current version number from the shared database.
 */
import { N3monError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';
import type { AuditAction, Meta } from '../meta/index.ts';
import type { Catalogue } from './catalogue.ts';
import { etagOf, practicesOf, redact, renderPractice, type RenderDeps, type Rendered } from './render.ts';
import type { Assignment, PracticeValues, Snapshot, StoredValue, ValueInput } from './schema.ts';
import type { SecretBox } from './secrets.ts';
import { ConfigStore, migrateConfigTemplates } from './store.ts';
import { parseSource, type ParsedSource } from './template.ts';

export interface ServiceDeps {
  meta: Meta;
  catalogue: Catalogue;
  /** The secret key (configTemplates.secretKeyFile), if configured. */
  key: Buffer | undefined;
  box: SecretBox | undefined;
  log: Logger;
  clock: Clock;
}

export interface Who {
  actor: string;
  from: string;
}

/** Most problems one refusal lists (then `…and N more`). */
const MAX_PROBLEMS = 200;

export class ConfigService {
  readonly store: ConfigStore;
  readonly #deps: ServiceDeps;
  readonly #parsed = new Map<string, ParsedSource>();
  #cache: { version: number; snapshot: Snapshot; byPractice: Map<string, Rendered & { etag: string }> } = {
    version: -1,
    snapshot: { templates: {}, practices: {} },
    byPractice: new Map(),
  };

  private constructor(deps: ServiceDeps, store: ConfigStore) {
    this.#deps = deps;
    this.store = store;
  }

  /** Migrates the config tables on the state database, then refuses a store holding secrets without a key. */
  static async open(deps: ServiceDeps): Promise<ConfigService> {
    await migrateConfigTemplates(deps.meta.state);
    const store = new ConfigStore(deps.meta.state);
    if (deps.box === undefined && (await store.hasSecrets())) {
      throw new N3monError(
        'N3MON_ERR_CONFIG_INVALID',
        'configTemplates.secretKeyFile: the templated config holds secret practice values but no key is configured; set configTemplates.secretKeyFile to the key file they were stored with (docs/security.md)',
      );
    }
    return new ConfigService(deps, store);
  }

  get catalogue(): Catalogue {
    return this.#deps.catalogue;
  }

  #renderDeps(): RenderDeps {
    return {
      catalogue: this.#deps.catalogue,
      box: this.#deps.box,
      parse: (label, text, shape) => {
        const k = `${shape}\u0000${label}\u0000${text}`;
        let p = this.#parsed.get(k);
        if (p === undefined) {
          if (this.#parsed.size > 5000) this.#parsed.clear();
          p = parseSource(label, text, shape);
          this.#parsed.set(k, p);
        }
        return p;
      },
    };
  }

  render(snapshot: Snapshot, ods: string, secrets: 'open' | 'redact'): Rendered {
    return renderPractice(snapshot, ods, this.#renderDeps(), secrets);
  }

  /** The published rendering of a practice for its agents (secrets open), cached per version. */
  async forAgent(ods: string): Promise<{ version: number; rendered: Rendered & { etag: string }; snapshot: Snapshot }> {
    // The snapshot is parsed once per version, not per pull.
    if (this.#cache.version !== (await this.store.currentVersion())) {
      const { version, snapshot } = await this.store.current();
      // Another pull may have loaded a newer version meanwhile: keep the newest.
      if (version > this.#cache.version) this.#cache = { version, snapshot, byPractice: new Map() };
    }
    const cache = this.#cache;
    let r = cache.byPractice.get(ods);
    if (r === undefined) {
      const rendered = this.render(cache.snapshot, ods, 'open');
      r = { ...rendered, etag: etagOf(rendered.checks, this.#deps.key) };
      cache.byPractice.set(ods, r);
    }
    return { version: cache.version, rendered: r, snapshot: cache.snapshot };
  }

  /** `text` with each of the practice's secret values replaced by `<secret>` (an agent's problem text could quote one). */
  async redactSecrets(ods: string, text: string): Promise<string> {
    const { snapshot } = await this.forAgent(ods);
    const box = this.#deps.box;
    const own = snapshot.practices[ods];
    if (box === undefined || own === undefined) return text;
    const secrets = new Set(Object.values(own.values).flatMap((v) => ('sealed' in v ? [box.open(v.sealed)] : [])));
    return redact(text, secrets);
  }

  /** Validate `next` for every practice it concerns; publish it as a new version or throw 400 with every problem. */
  async publish(
    next: Snapshot,
    who: Who,
    change: { action: AuditAction; target: string; practice?: string; detail?: Record<string, unknown> },
    base: number,
  ): Promise<number> {
    const practices = practicesOf(next, await this.#deps.meta.practices.codes());
    const problems: string[] = [];
    const byPractice = new Map<string, Rendered & { etag: string }>();
    for (const ods of practices) {
      const r = this.render(next, ods, 'open');
      problems.push(...r.problems);
      byPractice.set(ods, { ...r, etag: etagOf(r.checks, this.#deps.key) });
    }
    if (problems.length > 0) {
      const shown = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `…and ${problems.length - MAX_PROBLEMS} more`] : problems;
      this.#deps.log.info({ action: change.action, target: change.target, problems: problems.length }, 'config change refused');
      throw new N3monError('N3MON_ERR_REQUEST_INVALID', `the change does not validate for ${countPractices(problems)} practice(s); nothing was published`, {
        problems: shown,
      });
    }
    const at = this.#deps.clock.now();
    const version = await this.store.publish(base, { at, actor: who.actor, action: change.action, target: change.target, snapshot: next });
    if (version === undefined)
      throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'the config changed meanwhile (another change was published); reload and try again');
    // The agents' next pulls take these renderings (validated just now) instead of rendering again.
    if (version > this.#cache.version) this.#cache = { version, snapshot: next, byPractice };
    await this.#deps.meta.audit.record({
      ...who,
      action: change.action,
      target: change.target,
      practice: change.practice ?? null,
      detail: { version, ...change.detail },
      at,
    });
    this.#deps.log.info({ version, action: change.action, target: change.target, practices: practices.length, actor: who.actor }, 'config version published');
    return version;
  }

  async putTemplate(name: string, body: { source: string; practices: Assignment }, who: Who): Promise<number> {
    const { version, snapshot } = await this.store.current();
    const existed = snapshot.templates[name] !== undefined;
    const next: Snapshot = { ...snapshot, templates: { ...snapshot.templates, [name]: { source: body.source, practices: body.practices } } };
    return this.publish(
      next,
      who,
      {
        action: 'template.put',
        target: `template:${name}`,
        detail: { created: !existed, practices: body.practices === 'all' ? 'all' : body.practices.length },
      },
      version,
    );
  }

  async deleteTemplate(name: string, who: Who): Promise<number> {
    const { version, snapshot } = await this.store.current();
    if (snapshot.templates[name] === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no template ${name}`);
    const { [name]: _gone, ...templates } = snapshot.templates;
    return this.publish({ ...snapshot, templates }, who, { action: 'template.delete', target: `template:${name}` }, version);
  }

  async putValues(ods: string, body: { values: Record<string, ValueInput>; extraChecks?: string }, who: Who): Promise<number> {
    const { version, snapshot } = await this.store.current();
    const before = snapshot.practices[ods];
    const values: Record<string, StoredValue> = {};
    const problems: string[] = [];
    for (const [name, input] of Object.entries(body.values)) {
      if (typeof input !== 'object') values[name] = { plain: input };
      else if (input.secret === true) {
        const kept = before?.values[name];
        if (kept === undefined || !('sealed' in kept))
          problems.push(`body.values.${name}: { secret: true } keeps a stored secret, but ${name} has none; send { secret: "…" }`);
        else values[name] = kept;
      } else if (this.#deps.box === undefined) {
        problems.push(`body.values.${name}: secret values need configTemplates.secretKeyFile on the collector (docs/security.md)`);
      } else values[name] = { sealed: this.#deps.box.seal(input.secret) };
    }
    if (problems.length > 0) throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'invalid practice values', { problems });
    const entry: PracticeValues = { values, extraChecks: body.extraChecks ?? '' };
    const next: Snapshot = { ...snapshot, practices: { ...snapshot.practices, [ods]: entry } };
    const secret = Object.entries(values)
      .filter(([, v]) => 'sealed' in v)
      .map(([k]) => k);
    return this.publish(
      next,
      who,
      { action: 'config-values.put', target: `practice:${ods}`, practice: ods, detail: { variables: Object.keys(values).sort(), secret } },
      version,
    );
  }

  async rollback(to: number, who: Who): Promise<number> {
    const old = await this.store.snapshotOf(to);
    if (old === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `no config version ${to}`);
    const { version } = await this.store.current();
    return this.publish(old, who, { action: 'config.rollback', target: `version:${to}`, detail: { from: version } }, version);
  }
}

function countPractices(problems: readonly string[]): number {
  return new Set(problems.map((p) => /^practice (\S+?),?\s/.exec(p)?.[1])).size;
}
