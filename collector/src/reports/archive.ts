/**
 * The report archive: `<root>/<YYYY-MM>/<ODS>.{json,html,pdf,csv}` and
 * `<root>/<YYYY-MM>/organisation.{json,html,pdf,csv}`, where root is `reports.archiveDir` (a directory
 * several collectors share) or `<dataDir>/reports`. Every file is written atomically (temp
 * file in the same directory, fsync, rename, fsync of the directory), and the JSON model last, so
 * a JSON file means the whole set is there. The JSON is what month-on-month comparisons read.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { N3monError } from '../../../shared/src/errors.ts';
import { SHARED_READ_DIR_MODE, SHARED_READ_FILE_MODE } from '../../../shared/src/private-files.ts';
import { isMonth } from './month.ts';
import type { PracticeReport } from './model.ts';
import type { OrgSummary } from './organisation.ts';
import type { ReportFormat } from './formats.ts';

export const ORGANISATION_NAME = 'organisation';
const NAME_RE = /^[A-Z0-9]{3,12}$/;

export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const dir = join(file, '..');
  const tmp = join(dir, `.${file.slice(dir.length + 1)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', SHARED_READ_FILE_MODE);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export class ReportArchive {
  readonly root: string;

  /** `root`: reports.archiveDir when configured; absent: `<dataDir>/reports`. */
  constructor(dataDir: string, root?: string) {
    this.root = root ?? join(dataDir, 'reports');
  }

  /** Path of one archived file; refuses names that are not an ODS code or `organisation`. */
  path(month: string, name: string, ext: ReportFormat | 'json'): string {
    if (!isMonth(month)) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `month must be YYYY-MM (got ${JSON.stringify(month)})`);
    if (name !== ORGANISATION_NAME && !NAME_RE.test(name)) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `not an ODS code: ${JSON.stringify(name)}`);
    return join(this.root, month, `${name}.${ext}`);
  }

  has(month: string, name: string): boolean {
    return existsSync(this.path(month, name, 'json'));
  }

  /** Writes the rendered files, then the model (the set is complete once the JSON exists). */
  async write(month: string, name: string, model: PracticeReport | OrgSummary, files: ReadonlyArray<{ ext: ReportFormat; body: Buffer }>): Promise<string[]> {
    await mkdir(join(this.root, month), { recursive: true, mode: SHARED_READ_DIR_MODE });
    const written: string[] = [];
    for (const f of files) {
      const p = this.path(month, name, f.ext);
      await writeFileAtomic(p, f.body);
      written.push(p);
    }
    const json = this.path(month, name, 'json');
    await writeFileAtomic(json, JSON.stringify(model));
    written.push(json);
    return written;
  }

  async readFile(month: string, name: string, ext: ReportFormat): Promise<Buffer | undefined> {
    const p = this.path(month, name, ext);
    if (!this.has(month, name) || !existsSync(p)) return undefined;
    return readFile(p);
  }

  async readPractice(month: string, ods: string): Promise<PracticeReport | undefined> {
    const v = await this.readJson(month, ods);
    if (v === undefined) return undefined;
    const r = v as Partial<PracticeReport>;
    if (r.kind !== 'practice-report' || r.month !== month || r.practice?.ods !== ods)
      throw new N3monError('N3MON_ERR_STORE', `archived report ${this.path(month, ods, 'json')} does not describe ${ods} ${month}`);
    return r as PracticeReport;
  }

  async readOrganisation(month: string): Promise<OrgSummary | undefined> {
    const v = await this.readJson(month, ORGANISATION_NAME);
    if (v === undefined) return undefined;
    const s = v as Partial<OrgSummary>;
    if (s.kind !== 'organisation-summary' || s.month !== month)
      throw new N3monError('N3MON_ERR_STORE', `archived summary ${this.path(month, ORGANISATION_NAME, 'json')} does not describe ${month}`);
    return s as OrgSummary;
  }

  private async readJson(month: string, name: string): Promise<unknown> {
    const p = this.path(month, name, 'json');
    if (!existsSync(p)) return undefined;
    try {
      return JSON.parse(await readFile(p, 'utf8')) as unknown;
    } catch (err) {
      throw new N3monError('N3MON_ERR_STORE', `archived report ${p} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
}
