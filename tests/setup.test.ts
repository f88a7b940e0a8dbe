/** scripts/setup.mjs: what `npm start` and `npm test` install before they run. */
import { chmodSync, copyFileSync, mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aptCommands, dependenciesStale, NEEDS, REQUIREMENTS } from '../scripts/setup.mjs';

test('the tests need Chromium, Fashion-MNIST, the Vulkan loader and PyTorch; the demo only the data', () => {
  assert.equal(NEEDS.test, ['chromium', 'dataset-fashion-mnist', 'libvulkan1', 'python3-torch']);
  assert.equal(NEEDS.demo, ['dataset-fashion-mnist']);
  // On this machine (and in CI, after setup ran) every one of them is present.
  for (const p of NEEDS.test) assert.ok(REQUIREMENTS[p as keyof typeof REQUIREMENTS].present(), `${p} is installed`);
});

test('apt-get commands: sudo unless root, the Vulkan loader without recommends', () => {
  assert.equal(aptCommands(['chromium', 'libvulkan1'], false), [
    ['sudo', 'apt-get', 'update', '-qq'],
    ['sudo', 'apt-get', 'install', '-y', '-qq', 'chromium'],
    ['sudo', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'libvulkan1'],
  ]);
  assert.equal(aptCommands(['python3-torch'], true), [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'python3-torch']]);
});

test('npm dependencies are reinstalled when node_modules is missing or older than the lock file', () => {
  const root = mkdtempSync(join(tmpdir(), 'lenet-setup-'));
  writeFileSync(join(root, 'package-lock.json'), '{}');
  assert.ok(dependenciesStale(root), 'no node_modules');
  mkdirSync(join(root, 'node_modules'));
  writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{}');
  utimesSync(join(root, 'package-lock.json'), new Date(1_000_000), new Date(1_000_000));
  assert.not.ok(dependenciesStale(root), 'installed after the lock');
  utimesSync(join(root, 'package-lock.json'), new Date(), new Date(Date.now() + 60_000));
  assert.ok(dependenciesStale(root), 'lock changed since');
});

test('without root or sudo it installs nothing and stops with the one command to run', () => {
  // As user nobody, with Chromium "missing": setup cannot install it, so it names it and the command.
  // A copy in a folder anyone can read: the checkout may be under a home nobody cannot enter (/root).
  const dir = mkdtempSync(join(tmpdir(), 'lenet-setup-'));
  copyFileSync('scripts/setup.mjs', join(dir, 'setup.mjs'));
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'setup.mjs'), 0o644);
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(dir, 'setup.mjs'), 'test'],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, CHROME_PATH: '/nonexistent/chromium' } });
  assert.is(result.status, 1, result.stderr);
  assert.match(result.stderr, /^setup: missing\n {2}- chromium: Chromium, the browser the tests drive/);
  assert.match(result.stderr, /Install it with:\n {2}sudo apt-get install -y chromium\n$/);
});

test('an unknown use is a usage error naming the uses', () => {
  const result = spawnSync(process.execPath, ['scripts/setup.mjs', 'deploy'], { encoding: 'utf8' });
  assert.is(result.status, 2);
  assert.match(result.stderr, /usage: node scripts\/setup\.mjs demo\|test/);
});

test.run();
