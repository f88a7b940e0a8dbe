// Installs what `npm start` (the demo) or `npm test` needs and is missing: Debian packages through
// apt-get when root or with passwordless sudo (otherwise it stops with the one command to run),
// then the npm dependencies when node_modules is absent or older than package-lock.json.
// Plain Node with no dependencies: it runs before `npm ci` has.
// Usage: node scripts/setup.mjs demo|test
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What each use needs from the system, and how to tell whether it is there. */
export const REQUIREMENTS = {
  chromium: {
    what: 'Chromium, the browser the tests drive (or set CHROME_PATH to a Chrome/Chromium)',
    present: () => existsSync(process.env.CHROME_PATH || '/usr/bin/chromium'),
  },
  'dataset-fashion-mnist': {
    what: 'Fashion-MNIST, the default dataset (or set FASHION_MNIST_DIR)',
    present: () => existsSync(`${process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist'}/t10k-images-idx3-ubyte.gz`),
  },
  libvulkan1: {
    what: 'the Vulkan loader, for the engine in Node (Dawn on SwiftShader)',
    present: () => /libvulkan\.so\.1/.test(run('ldconfig', ['-p']) ?? ''),
    // Its recommended Mesa drivers are not needed (and print warnings).
    noRecommends: true,
  },
  'python3-torch': {
    what: 'PyTorch for the system Python 3, for the training-parity test',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  },
};

export const NEEDS = {
  demo: ['dataset-fashion-mnist'],
  test: ['chromium', 'dataset-fashion-mnist', 'libvulkan1', 'python3-torch'],
};

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/**
 * The apt-get command lines that install `missing` (recommends off where a package says so),
 * prefixed with sudo unless root.
 */
export function aptCommands(missing, asRoot) {
  const sudo = asRoot ? [] : ['sudo'];
  const plain = missing.filter((p) => !REQUIREMENTS[p].noRecommends);
  const lean = missing.filter((p) => REQUIREMENTS[p].noRecommends);
  return [
    [...sudo, 'apt-get', 'update', '-qq'],
    ...(plain.length ? [[...sudo, 'apt-get', 'install', '-y', '-qq', ...plain]] : []),
    ...(lean.length ? [[...sudo, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...lean]] : []),
  ];
}

/** node_modules must be (re)installed when it is missing or older than the lock file. */
export function dependenciesStale(root = '.') {
  const installed = `${root}/node_modules/.package-lock.json`;
  return !existsSync(installed) || statSync(installed).mtimeMs < statSync(`${root}/package-lock.json`).mtimeMs;
}

function installSystemPackages(missing) {
  const isRoot = process.getuid?.() === 0;
  const canSudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  const commands = aptCommands(missing, isRoot);
  const shown = commands.slice(1).map((c) => c.filter((a) => a !== '-qq').join(' ')).join(' && ');
  const list = missing.map((p) => `  - ${p}: ${REQUIREMENTS[p].what}`).join('\n');
  if (!hasApt || (!isRoot && !canSudo)) {
    console.error(`setup: missing\n${list}\nInstall ${missing.length === 1 ? 'it' : 'them'} with:\n  ${shown}${hasApt ? '' : '\n(no apt-get here: install the equivalents with your package manager)'}`);
    process.exit(1);
  }
  console.log(`setup: installing\n${list}`);
  for (const command of commands) {
    const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) {
      console.error(`setup: \`${command.join(' ')}\` failed (exit ${result.status}); run it yourself, then try again`);
      process.exit(1);
    }
  }
}

function main(use) {
  if (!NEEDS[use]) {
    console.error(`setup: usage: node scripts/setup.mjs ${Object.keys(NEEDS).join('|')}`);
    process.exit(2);
  }
  const missing = NEEDS[use].filter((p) => !REQUIREMENTS[p].present());
  if (missing.length) installSystemPackages(missing);
  if (dependenciesStale()) {
    console.log('setup: installing the npm dependencies (npm ci)');
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv[2]);
