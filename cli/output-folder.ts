/**
 * A command's --out folder, checked before any work starts, and the record of what the command
 * wrote there (.lenet-webgpu-outputs.json). Only files in that record are ever replaced or
 * removed: a user's own files beside them are never touched, whatever the options.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MANIFEST = '.lenet-webgpu-outputs.json';
const MANIFEST_FORMAT = 'lenet-webgpu-outputs/1';

interface Manifest {
  format: typeof MANIFEST_FORMAT;
  command: string;
  /** Paths relative to the folder, each written by the command. */
  files: string[];
}

/** Refused --out folders and unreadable records: bad usage, exit code 2. */
export class OutputFolderError extends Error {
  override name = 'OutputFolderError';
}

export interface FolderPlan {
  /** The command that owns the folder ('train', 'study'). */
  command: string;
  /** The file whose presence marks a previous run of this command (results.json, metrics.json). */
  marker: string;
  /** Every file this run may write, relative to the folder. */
  files: readonly string[];
  /** --resume was given; `resume: null` for a command that has no --resume (it redoes its work). */
  resume: boolean | null;
  force: boolean;
}

/** Write through a temporary file and a rename, so a kill mid-write never leaves half a file. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const temporary = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

/** Everything in `dir`, as paths relative to it (folders listed by their files; empty folders as "name/"). */
function contents(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (!e.isDirectory()) return [path];
    const inner = contents(dir, path);
    return inner.length ? inner : [`${path}/`];
  });
}

function listed(paths: string[], limit = 4): string {
  return paths.length > limit ? `${paths.slice(0, limit).join(', ')} and ${paths.length - limit} more` : paths.join(', ');
}

export class OutputFolder {
  private constructor(readonly dir: string, private readonly manifest: Manifest) {}

  /**
   * Check `dir` for this run and create it if needed, or throw an OutputFolderError that names the
   * folder, what is in the way and the choices. Nothing is written or removed before the checks pass.
   *  - missing or empty: used as it is;
   *  - a previous run of the command (its marker is there): only with --resume (continue it) or
   *    --force (its recorded files are removed, the user's are kept);
   *  - other files: only with --force, and never when one of them has a name this run writes.
   */
  static prepare(dir: string, plan: FolderPlan): OutputFolder {
    const how = `choose another --out${plan.resume ? '' : ', or pass --force'}`;
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputFolderError(`--out ${dir} is a file, not a folder; choose another --out`);
    const present = existsSync(dir) ? contents(dir) : [];
    const stored = OutputFolder.readManifest(dir, present);
    if (stored && stored.command !== plan.command) {
      throw new OutputFolderError(`--out ${dir} holds the outputs of \`${stored.command}\`, not \`${plan.command}\`; choose another --out`);
    }
    const previous = present.includes(plan.marker);
    if (plan.resume) {
      if (!previous) throw new OutputFolderError(`--resume: ${dir} holds no ${plan.command} run to continue (no ${plan.marker}); start one without --resume`);
      // A run made before the record existed: what it wrote carries this run's names.
      const files = stored?.files ?? present.filter((p) => plan.files.includes(p));
      return OutputFolder.create(dir, plan.command, files);
    }
    const ours = new Set(stored?.files ?? (previous ? present.filter((p) => plan.files.includes(p)) : []));
    const foreign = present.filter((p) => p !== MANIFEST && !ours.has(p));
    if (previous && !plan.force) {
      throw new OutputFolderError(`--out ${dir} already holds a ${plan.command} run (${plan.marker}); ${plan.resume === null ? '' : 'continue it with --resume, '}${how} to replace its outputs (files it did not write are kept)`);
    }
    if (!previous && foreign.length && !plan.force) {
      throw new OutputFolderError(`--out ${dir} is not empty and holds no ${plan.command} run (${listed(foreign)}); ${how} to write beside those files (they are never replaced)`);
    }
    const collisions = foreign.filter((p) => plan.files.includes(p));
    if (collisions.length) {
      throw new OutputFolderError(`--out ${dir}: ${listed(collisions)} ${collisions.length > 1 ? 'were' : 'was'} not written by ${plan.command} and would be replaced; move ${collisions.length > 1 ? 'them' : 'it'} or choose another --out`);
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new OutputFolderError(`--out ${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose another --out`);
    }
    const folder = OutputFolder.create(dir, plan.command, [...ours]);
    for (const file of ours) folder.remove(file);
    return folder;
  }

  private static readManifest(dir: string, present: string[]): Manifest | null {
    if (!present.includes(MANIFEST)) return null;
    const file = join(dir, MANIFEST);
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new OutputFolderError(`${file} cannot be read (${(error as Error).message}); it records what the command wrote there — restore it or choose another --out`);
    }
    const m = manifest as Partial<Manifest> | null;
    if (m?.format !== MANIFEST_FORMAT || typeof m.command !== 'string' || !Array.isArray(m.files) || !m.files.every((f) => typeof f === 'string')) {
      throw new OutputFolderError(`${file} is not a record of outputs (expected format ${MANIFEST_FORMAT}); restore it or choose another --out`);
    }
    return m as Manifest;
  }

  private static create(dir: string, command: string, files: string[]): OutputFolder {
    return new OutputFolder(dir, { format: MANIFEST_FORMAT, command, files: [...new Set(files)] });
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** The bytes of `file` if this command wrote it and it is there, else null. */
  read(file: string): Buffer | null {
    return this.manifest.files.includes(file) && existsSync(this.path(file)) ? readFileSync(this.path(file)) : null;
  }

  /** Write `file` atomically, recorded first (a kill between the two leaves a record of a missing file, never an unrecorded file). */
  write(file: string, data: string | Uint8Array): void {
    const parent = dirname(file);
    // A folder the command creates (checkpoints/) is recorded too, so it can be removed once empty.
    const added = [...(parent !== '.' && !existsSync(this.path(parent)) ? [`${parent}/`] : []), file].filter((f) => !this.manifest.files.includes(f));
    if (added.length) {
      this.manifest.files.push(...added);
      this.saveManifest();
    }
    mkdirSync(this.path(parent), { recursive: true });
    writeAtomic(this.path(file), data);
  }

  /** Remove `file` if this command wrote it (and its folder, if the command made it and it is now empty); anything else stays. */
  remove(file: string): void {
    if (!this.manifest.files.includes(file)) return;
    if (file.endsWith('/')) {
      if (existsSync(this.path(file)) && readdirSync(this.path(file)).length > 0) return;
      if (existsSync(this.path(file))) rmdirSync(this.path(file));
    } else {
      rmSync(this.path(file), { force: true });
    }
    this.manifest.files = this.manifest.files.filter((f) => f !== file);
    this.saveManifest();
    const parent = `${dirname(file)}/`;
    if (!file.endsWith('/') && this.manifest.files.includes(parent)) this.remove(parent);
  }

  private saveManifest(): void {
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(this.path(MANIFEST), `${JSON.stringify(this.manifest, null, 2)}\n`);
  }
}
