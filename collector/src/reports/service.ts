/**
 * ReportService: what the CLI, the read API and the scheduler call. It builds practice reports
 * (serving the archive when a month has been archived), the organisation summary and its medians,
 * and generates + archives a whole month. Created once by the composition root.
 */
import { rm, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../shared/src/log.ts';
import { N3monError } from '../../../shared/src/errors.ts';
import { SHARED_READ_DIR_MODE } from '../../../shared/src/private-files.ts';
import { type ReportArchive, ORGANISATION_NAME, writeFileAtomic } from './archive.ts';
import type { ReportSources } from './build.ts';
import { eachLimited, inProcessBuilder, type RenderedFile, type ReportBuilder } from './builder.ts';
import type { PracticeFacts } from './context.ts';
import { contentTypeOf, renderOrganisation, REPORT_FORMATS, type Rendered, type ReportFormat } from './formats.ts';
import type { PracticeReport } from './model.ts';
import { monthFrame, previousMonth } from './month.ts';
import { buildOrgSummary, type OrgSummary } from './organisation.ts';
import { buildSummary, headlineOf, orgBaseline, type Headline, type OrgBaseline } from './sections/summary.ts';

/** Sends a practice its report (the email notification channel, in production). */
export interface ReportMailer {
  send(msg: {
    to: readonly string[];
    subject: string;
    text: string;
    attachments: Array<{ filename: string; content: Buffer; contentType: string }>;
  }): Promise<void>;
}

export interface ReportServiceDeps {
  sources: ReportSources;
  /** Every practice known to the collector, with its report facts. */
  practices: () => PracticeFacts[] | Promise<PracticeFacts[]>;
  /** Who receives a practice's PDF (practices[].reportTo). */
  recipients?: (ods: string) => readonly string[];
  organisation: string;
  archive?: ReportArchive;
  mailer?: ReportMailer;
  /** Who builds and renders (default: this thread; the collector's: its report worker pool, workers/). */
  builder?: ReportBuilder;
  log: Logger;
}

export interface GenerateResult {
  month: string;
  generated: string[];
  /** Already archived (kept; re-generation is explicit). */
  skipped: string[];
  /** No data at all for the month: nothing archived for them. */
  empty: string[];
  failed: Array<{ ods: string; error: string }>;
  emailed: string[];
  ms: number;
}

const RECENT_REPORTS = 32;
/**
 * A month in progress changes every minute, so its report is not kept for long: built at most once
 * per practice-month at a time (concurrent requests share the build) and served from memory for
 * this long after (docs/api.md). A practice key asking in a loop costs one build a minute.
 */
export const IN_PROGRESS_CACHE_MS = 60_000;
const IN_PROGRESS_REPORTS = 256;

/** A practice without data in the month: grey everywhere, no figures (never in a median). */
function noDataHeadline(ods: string, month: string): Headline {
  return {
    ods,
    month,
    overall: 'grey',
    areas: { apps: 'grey', link: 'grey', lan: 'grey', branch: 'grey', incidents: 'grey', servers: 'grey', completeness: 'grey' },
    figures: {
      'link-availability-core': null,
      'link-rtt-p95': null,
      'app-availability-core': null,
      'app-http-p95': null,
      'lan-rtt-p95': null,
      completeness: null,
    },
  };
}

/** A month counts as closed (its figures will not change) a day after it ends. */
const CLOSED_AFTER_MS = 24 * 3_600_000;

export class ReportService {
  readonly #deps: ReportServiceDeps;
  readonly #builder: ReportBuilder;
  readonly #baselines = new Map<string, OrgBaseline>();
  readonly #headlines = new Map<string, Headline | null>();
  /** Reports of closed months built on demand (html, then pdf, then csv of one month is common). */
  readonly #recent = new Map<string, PracticeReport>();
  /** Reports of months in progress, with when they were built (IN_PROGRESS_CACHE_MS). */
  readonly #fresh = new Map<string, { at: number; report: PracticeReport }>();
  /** Builds under way, shared by concurrent requests for the same practice-month. */
  readonly #building = new Map<string, Promise<PracticeReport>>();
  #generating = false;

  constructor(deps: ReportServiceDeps) {
    this.#deps = deps;
    this.#builder = deps.builder ?? inProcessBuilder(deps.sources);
  }

  get archive(): ReportArchive | undefined {
    return this.#deps.archive;
  }

  #closed(month: string): boolean {
    return this.#deps.sources.now() >= monthFrame(month).end + CLOSED_AFTER_MS;
  }

  async #facts(ods: string): Promise<PracticeFacts> {
    const f = await this.#deps.sources.practice(ods);
    if (f === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${ods} is not known to this collector`);
    return f;
  }

  /** The practice's report: the archived one when the month was archived, else built now. */
  async practiceReport(ods: string, month: string): Promise<PracticeReport> {
    await this.#facts(ods);
    const archived = await this.#deps.archive?.readPractice(month, ods);
    if (archived !== undefined) return archived;
    const key = `${ods}/${month}`;
    const recent = this.#recent.get(key);
    if (recent !== undefined) return recent;
    const fresh = this.#fresh.get(key);
    if (fresh !== undefined && this.#deps.sources.now() - fresh.at < IN_PROGRESS_CACHE_MS) return fresh.report;
    const pending = this.#building.get(key);
    if (pending !== undefined) return pending;
    const work = this.#buildReport(ods, month);
    this.#building.set(key, work);
    try {
      return await work;
    } finally {
      this.#building.delete(key);
    }
  }

  async #buildReport(ods: string, month: string): Promise<PracticeReport> {
    const key = `${ods}/${month}`;
    const started = performance.now();
    // The organisation median only when it is known (archive or memory): computing it means
    // building every practice's month, which a single report request must not do.
    const [previous, org] = [await this.headline(ods, previousMonth(month)), await this.knownBaseline(month)];
    const report = (await this.#builder.build(ods, month, { previous, org })).report;
    this.#deps.log.info({ ods, month, ms: Math.round(performance.now() - started) }, 'practice report built');
    if (this.#closed(month)) {
      this.#recent.set(key, report);
      if (this.#recent.size > RECENT_REPORTS) this.#recent.delete(this.#recent.keys().next().value as string);
    } else {
      const now = this.#deps.sources.now();
      this.#fresh.delete(key);
      this.#fresh.set(key, { at: now, report });
      for (const [k, v] of this.#fresh) if (this.#fresh.size > IN_PROGRESS_REPORTS || now - v.at >= IN_PROGRESS_CACHE_MS) this.#fresh.delete(k);
    }
    return report;
  }

  /** The archived file when the month was archived, else rendered now. */
  async renderPracticeReport(ods: string, month: string, format: ReportFormat): Promise<Rendered> {
    await this.#facts(ods);
    const stored = await this.#deps.archive?.readFile(month, ods, format);
    if (stored !== undefined) return { body: stored, contentType: contentTypeOf(format), ext: format };
    const [file] = await this.#builder.render(await this.practiceReport(ods, month), [format]);
    return { body: (file as RenderedFile).body, contentType: contentTypeOf(format), ext: format };
  }

  /** Headline of a practice-month (archive, cache or a build); null when it has no data. */
  async headline(ods: string, month: string): Promise<Headline | null> {
    const key = `${ods}/${month}`;
    if (this.#headlines.has(key)) return this.#headlines.get(key) ?? null;
    if (monthFrame(month).start > this.#deps.sources.now()) return null;
    const archived = await this.#deps.archive?.readPractice(month, ods);
    let h: Headline | null;
    if (archived !== undefined) h = headlineOf(archived);
    else {
      const built = await this.#builder.build(ods, month);
      h = built.hasData ? headlineOf(built.report) : null;
    }
    if (this.#closed(month)) this.#headlines.set(key, h);
    return h;
  }

  /** Organisation medians of the month's headline figures (practices with data only); builds every practice's month when not known. */
  async baseline(month: string): Promise<OrgBaseline> {
    const known = await this.knownBaseline(month);
    if (known !== null) return known;
    const b = orgBaseline(await this.#headlinesOf(month));
    if (this.#closed(month)) this.#baselines.set(month, b);
    return b;
  }

  /** The organisation medians if already known (memory, or the archived summary); else null. */
  async knownBaseline(month: string): Promise<OrgBaseline | null> {
    const cached = this.#baselines.get(month);
    if (cached !== undefined) return cached;
    const archived = await this.#deps.archive?.readOrganisation(month);
    if (archived === undefined) return null;
    const b = { practices: archived.practices.filter((p) => p.overall !== 'grey').length, medians: archived.medians };
    this.#baselines.set(month, b);
    return b;
  }

  async #headlinesOf(month: string): Promise<Headline[]> {
    const out: Headline[] = [];
    for (const p of await this.#deps.practices()) {
      const h = await this.headline(p.ods, month);
      if (h !== null) out.push(h);
    }
    return out;
  }

  /** The organisation summary from this month's headlines of `practices` and last month's. */
  async #summaryOf(month: string, practices: readonly { ods: string; name: string }[], current: Headline[]): Promise<OrgSummary> {
    return buildOrgSummary({
      month,
      organisation: this.#deps.organisation,
      names: new Map(practices.map((p) => [p.ods, p.name])),
      current,
      previous: await this.#headlinesOf(previousMonth(month)),
      generatedAt: this.#deps.sources.now(),
    });
  }

  async organisationSummary(month: string): Promise<OrgSummary> {
    const archived = await this.#deps.archive?.readOrganisation(month);
    if (archived !== undefined) return archived;
    const practices = await this.#deps.practices();
    const current: Headline[] = [];
    for (const p of practices) current.push((await this.headline(p.ods, month)) ?? noDataHeadline(p.ods, month));
    return this.#summaryOf(month, practices, current);
  }

  /**
   * The organisation summary: the archived one, else (`compute`) built from every practice's
   * month now — minutes for a large organisation, so the read API serves archived months only.
   */
  async renderOrganisationSummary(month: string, format: ReportFormat, opts: { compute: boolean } = { compute: true }): Promise<Rendered> {
    const stored = await this.#deps.archive?.readFile(month, ORGANISATION_NAME, format);
    if (stored !== undefined) return { body: stored, contentType: contentTypeOf(format), ext: format };
    if (!opts.compute) {
      throw new N3monError(
        'N3MON_ERR_NOT_FOUND',
        `the organisation summary of ${month} is not archived yet: it is made on the 1st of the next month, or by \`n3mon report --archive --month ${month}\``,
      );
    }
    return renderOrganisation(await this.organisationSummary(month), format);
  }

  /**
   * Build and archive every practice's report for a finished month, then the organisation
   * summary. Archived practices are kept unless `force` (re-generation is explicit). Two passes:
   * models are built and staged first, so each report can carry the organisation medians.
   */
  async generateMonth(month: string, opts: { force?: boolean; email?: boolean } = {}): Promise<GenerateResult> {
    const archive = this.#deps.archive;
    if (archive === undefined) throw new N3monError('N3MON_ERR_INTERNAL', 'report archive not configured');
    const now = this.#deps.sources.now();
    if (now < monthFrame(month).end) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `month ${month} has not finished yet`);
    if (this.#generating) throw new N3monError('N3MON_ERR_UNAVAILABLE', 'a report generation is already running');
    this.#generating = true;
    const started = performance.now();
    const result: GenerateResult = { month, generated: [], skipped: [], empty: [], failed: [], emailed: [], ms: 0 };
    const log = this.#deps.log.child({ component: 'reports', month });
    const staging = join(archive.root, month, '.staging');
    try {
      this.#baselines.delete(month);
      for (const k of [...this.#recent.keys()]) if (k.endsWith(`/${month}`)) this.#recent.delete(k);
      await mkdir(staging, { recursive: true, mode: SHARED_READ_DIR_MODE });
      const practices = await this.#deps.practices();
      // Pass 1: every model, staged on disk; `concurrency` practices at a time (the worker pool's
      // size + 1, or one in this thread), the results kept in practice order.
      const first: Array<{ kind: 'skipped' | 'empty' | 'built'; headline?: Headline } | { kind: 'failed'; error: string }> = [];
      await eachLimited(practices, this.#builder.concurrency, async (p, i) => {
        try {
          if (!opts.force && archive.has(month, p.ods)) {
            const old = await archive.readPractice(month, p.ods);
            first[i] = { kind: 'skipped', ...(old === undefined ? {} : { headline: headlineOf(old) }) };
            return;
          }
          const b = await this.#builder.build(p.ods, month, { previous: await this.headline(p.ods, previousMonth(month)) });
          if (!b.hasData) {
            first[i] = { kind: 'empty' };
            return;
          }
          await writeFileAtomic(join(staging, `${p.ods}.json`), JSON.stringify(b.report));
          first[i] = { kind: 'built', headline: headlineOf(b.report) };
        } catch (err) {
          first[i] = { kind: 'failed', error: (err as Error).message };
          log.error({ ods: p.ods, err }, 'report build failed');
        }
      });
      const headlines: Headline[] = [];
      const built: string[] = [];
      practices.forEach((p, i) => {
        const f = first[i] ?? { kind: 'failed', error: 'not built' };
        if (f.kind === 'failed') result.failed.push({ ods: p.ods, error: f.error });
        else if (f.kind === 'empty') result.empty.push(p.ods);
        else {
          (f.kind === 'built' ? built : result.skipped).push(p.ods);
          if (f.headline !== undefined) headlines.push(f.headline);
        }
      });
      // Pass 2: each report with the organisation medians, rendered and archived.
      const org = orgBaseline(headlines);
      const second: Array<{ ok: true; emailed: boolean } | { ok: false; error: string }> = [];
      await eachLimited(built, this.#builder.concurrency, async (ods, i) => {
        try {
          const report = JSON.parse(await readFile(join(staging, `${ods}.json`), 'utf8')) as PracticeReport;
          const previous = await this.headline(ods, previousMonth(month));
          report.summary = buildSummary(report, previous, org);
          const files = await this.#builder.render(report, REPORT_FORMATS);
          await archive.write(month, ods, report, files);
          this.#headlines.set(`${ods}/${month}`, headlineOf(report));
          second[i] = { ok: true, emailed: opts.email === true && (await this.#email(report, files, log)) };
        } catch (err) {
          second[i] = { ok: false, error: (err as Error).message };
          log.error({ ods, err }, 'report render/archive failed');
        }
      });
      built.forEach((ods, i) => {
        const s = second[i] ?? { ok: false, error: 'not rendered' };
        if (!s.ok) return void result.failed.push({ ods, error: s.error });
        result.generated.push(ods);
        if (s.emailed) result.emailed.push(ods);
      });
      // A month without any data is not archived (nothing to keep; data may still arrive).
      if (result.generated.length + result.skipped.length > 0) {
        const summary = await this.#freshOrgSummary(month);
        const orgFiles: Array<{ ext: ReportFormat; body: Buffer }> = [];
        for (const f of REPORT_FORMATS) orgFiles.push({ ext: f, body: (await renderOrganisation(summary, f)).body });
        await archive.write(month, ORGANISATION_NAME, summary, orgFiles);
      }
    } finally {
      this.#generating = false;
      await rm(staging, { recursive: true, force: true });
    }
    result.ms = performance.now() - started;
    log.info(
      {
        generated: result.generated.length,
        skipped: result.skipped.length,
        empty: result.empty.length,
        failed: result.failed.length,
        emailed: result.emailed.length,
        ms: Math.round(result.ms),
      },
      'monthly reports archived',
    );
    return result;
  }

  async #freshOrgSummary(month: string): Promise<OrgSummary> {
    const practices = await this.#deps.practices();
    const current: Headline[] = [];
    for (const p of practices) {
      const r = await this.#deps.archive?.readPractice(month, p.ods);
      current.push(r === undefined ? noDataHeadline(p.ods, month) : headlineOf(r));
    }
    return this.#summaryOf(month, practices, current);
  }

  /** True when the practice was sent its PDF. */
  async #email(report: PracticeReport, files: readonly RenderedFile[], log: Logger): Promise<boolean> {
    const to = this.#deps.recipients?.(report.practice.ods) ?? [];
    const pdf = files.find((f) => f.ext === 'pdf');
    if (this.#deps.mailer === undefined || to.length === 0 || pdf === undefined) return false;
    try {
      await this.#deps.mailer.send({
        to,
        subject: `CFH Applications Monitoring Report — ${report.practice.name} (${report.practice.ods}) — ${report.month}`,
        text: `The monthly network and national applications performance report for ${report.practice.name} (${report.practice.ods}), ${report.month}, is attached.\n\nOverall: ${report.summary.overall}. Accounting rules version ${report.rulesVersion}.\n`,
        attachments: [{ filename: `n3mon-${report.practice.ods}-${report.month}.pdf`, content: pdf.body, contentType: 'application/pdf' }],
      });
      return true;
    } catch (err) {
      log.warn({ ods: report.practice.ods, err }, 'report email failed');
      return false;
    }
  }
}
