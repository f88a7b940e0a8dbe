/**
 * The npm package as a user gets it: `npm pack` in the repository (its prepack builds dist/), then
 * the tarball installed offline into a fresh folder, as an app's only dependency. Done once per
 * test process; the package, worker and Node suites share it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface InstalledPackage {
  tarball: string;
  /** The app folder: package.json and node_modules/lenet-webgpu. */
  app: string;
  /** node_modules/lenet-webgpu inside the app. */
  packageDir: string;
}

export const REPO = join(import.meta.dirname, '..', '..');
export const run = promisify(execFile);

let installed: Promise<InstalledPackage> | null = null;

async function packAndInstall(): Promise<InstalledPackage> {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-package-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  // npm prints the tarball's name last, after whatever prepack's build printed.
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir], { cwd: REPO });
  const tarball = join(dir, stdout.trim().split('\n').at(-1)!);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // Offline: the package brings all its code. Its one dependency, the WebGPU type declarations
  // (types only), is given from the repository's node_modules, the registry's same version.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball, join(REPO, 'node_modules', '@webgpu', 'types')], { cwd: app });
  return { tarball, app, packageDir: join(app, 'node_modules', 'lenet-webgpu') };
}

export function installedPackage(): Promise<InstalledPackage> {
  installed ??= packAndInstall();
  return installed;
}
