// The esbuild plugin that turns a `.wgsl` import into the shader and its layout, at build time.
//
// An import of shaders/<op>.wgsl gives { name, code, entryPoints } (src/gpu/layout.ts):
// - code: the file with its includes resolved. A line `//#include "lib/grid.wgsl"` is replaced by
//   that file (the path is relative to the including file), each file at most once per shader, so
//   shaders/lib/ holds what several shaders share. WGSL has no includes of its own; the directive
//   is a comment, so an unresolved file still parses.
// - entryPoints: per @compute entry point, its bindings, uniform struct layouts, workgroup size
//   and the `override` constants it uses, read with wgsl_reflect here, so the engine checks every
//   bind against them without shipping the WGSL parser.
// Every bundle of the engine (build.mjs, the test and bench pages, the CLI) goes through this.
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

const INCLUDE = /^[ \t]*\/\/#include\s+"([^"]+)"[ \t]*$/gm;

/** The text of `file` with its includes resolved (depth first, each file once), and every file read. */
export async function resolveIncludes(file, seen = new Set()) {
  seen.add(file);
  const text = await readFile(file, 'utf8');
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(INCLUDE)) {
    parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    const target = resolve(dirname(file), match[1]);
    if (seen.has(target)) {
      parts.push(`// (${match[1]} is included above)`);
      continue;
    }
    const included = await resolveIncludes(target, seen).catch((error) => {
      throw new Error(`${file}: cannot include "${match[1]}" (${error.code === 'ENOENT' ? `no file ${target}` : error.message})`);
    });
    parts.push(included.code.trimEnd());
  }
  parts.push(text.slice(last));
  return { code: parts.join(''), files: [...seen] };
}

const SCALARS = new Set(['f32', 'u32', 'i32']);

function binding(where, variable) {
  if (variable.group !== 0) throw new Error(`${where}: binding '${variable.name}' is in @group(${variable.group}); only @group(0) is supported`);
  if (variable.resourceType !== 0 && variable.resourceType !== 1) {
    throw new Error(`${where}: binding '${variable.name}' is not a buffer; only buffers are supported`);
  }
  const kind = variable.resourceType === 0 ? 'uniform' : variable.access === 'read' ? 'read-only-storage' : 'storage';
  if (variable.type.isArray) {
    const format = variable.type.format;
    const elementType = format.format?.name ?? format.name;
    return { name: variable.name, binding: variable.binding, kind, elementType, stride: variable.stride, fixedSize: 0 };
  }
  return { name: variable.name, binding: variable.binding, kind, elementType: null, stride: variable.size, fixedSize: variable.size };
}

function uniformLayout(where, variable) {
  const members = (variable.members ?? []).map((m) => {
    if (!SCALARS.has(m.type.name)) {
      throw new Error(`${where}: uniform ${variable.name}.${m.name} is ${m.type.name}; only scalar f32/u32/i32 members are supported`);
    }
    return { name: m.name, offset: m.offset, type: m.type.name };
  });
  return { size: variable.size, members };
}

/**
 * Module-scope `override` declarations: name, type, and whether a default is given. (wgsl_reflect
 * lists the names and types but not the defaults.)
 */
function overridesOf(code) {
  const declared = new Map();
  for (const m of code.matchAll(/^override\s+([A-Za-z_]\w*)\s*(?::\s*(\w+))?\s*(=)?[^;]*;/gm)) {
    declared.set(m[1], { name: m[1], type: m[2] ?? 'f32', required: m[3] === undefined });
  }
  return declared;
}

/**
 * The overrides named in the entry point or any function it calls (wgsl_reflect's own list follows
 * no calls). A name in a comment there counts too: at worst the engine asks for a constant that
 * WebGPU would not need.
 */
function overridesUsed(lines, entry, declared) {
  const bodies = [];
  const visit = (fn, done) => {
    if (done.has(fn)) return;
    done.add(fn);
    bodies.push(lines.slice(fn.startLine - 1, fn.endLine).join('\n'));
    for (const callee of fn.calls ?? []) visit(callee, done);
  };
  visit(entry, new Set());
  const text = bodies.join('\n');
  return [...declared.values()].filter((o) => new RegExp(`\\b${o.name}\\b`).test(text));
}

/**
 * Per dimension of the entry point's @workgroup_size, the override that sets it, or null (a
 * literal or const). wgsl_reflect gives the sizes with each override at its default only.
 */
function workgroupOverrides(code, entry, declared) {
  const attribute = new RegExp(`@workgroup_size\\(([^)]*)\\)[^;{}]*?\\bfn\\s+${entry.name}\\b`).exec(code);
  const args = attribute ? attribute[1].split(',').map((a) => a.trim()) : [];
  return [0, 1, 2].map((i) => (declared.has(args[i]) ? args[i] : null));
}

/** The layout data of every @compute entry point of `code` (see src/gpu/layout.ts). */
export function reflectShader(name, code) {
  const reflection = new WgslReflect(code);
  const declared = overridesOf(code);
  const lines = code.split('\n');
  const entryPoints = {};
  for (const entry of reflection.entry.compute) {
    const where = `${name} ${entry.name}`;
    const bindings = entry.resources.map((r) => binding(where, r)).sort((a, b) => a.binding - b.binding);
    const uniforms = {};
    for (const r of entry.resources) if (r.resourceType === 0) uniforms[r.name] = uniformLayout(where, r);
    const size = entry.workgroupSize ?? [1, 1, 1];
    const workgroupSize = [0, 1, 2].map((i) => Number(size[i] ?? 1));
    if (!workgroupSize.every((n) => Number.isInteger(n) && n > 0)) {
      throw new Error(`${where}: @workgroup_size must be constant or an override with a default (got ${JSON.stringify(size)})`);
    }
    const sizedBy = workgroupOverrides(code, entry, declared);
    const used = overridesUsed(lines, entry, declared);
    const overrides = [...used, ...[...declared.values()].filter((o) => sizedBy.includes(o.name) && !used.includes(o))];
    entryPoints[entry.name] = { bindings, uniforms, workgroupSize, workgroupOverrides: sizedBy, overrides };
  }
  return entryPoints;
}

/** The shader module an import of `file` gives: name, code with includes, and its layout. */
export async function loadShader(file) {
  const { code, files } = await resolveIncludes(file);
  const name = basename(file);
  return { shader: { name, code, entryPoints: reflectShader(name, code) }, files };
}

/** esbuild plugin: `.wgsl` imports become loadShader()'s module, rebuilt when any included file changes. */
export function wgslPlugin() {
  return {
    name: 'wgsl',
    setup(build) {
      build.onLoad({ filter: /\.wgsl$/ }, async (args) => {
        try {
          const { shader, files } = await loadShader(args.path);
          return { contents: `export default ${JSON.stringify(shader)};\n`, loader: 'js', watchFiles: files };
        } catch (error) {
          return { errors: [{ text: `${relative(process.cwd(), args.path)}: ${error.message}` }] };
        }
      });
    },
  };
}
