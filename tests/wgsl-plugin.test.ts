/**
 * The build step behind every .wgsl import (wgsl-plugin.mjs): includes, the layout reflected
 * from the WGSL, and the engine's check of pipeline constants against it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadShader, reflectShader, resolveIncludes, wgslPlugin } from '../wgsl-plugin.mjs';
import { BindingError, pipelineConstants } from '../src/gpu/kernel.ts';
import type { EntryPointLayout, WgslShader } from '../src/gpu/layout.ts';

const test = suite('wgsl plugin');

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgsl-plugin-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('includes are resolved relative to the including file, each file once, and a missing one is named', async () => {
  const dir = folder({
    'op.wgsl': '// op\n//#include "lib/a.wgsl"\n//#include "lib/b.wgsl"\nfn op() {}\n',
    'lib/a.wgsl': '//#include "b.wgsl"\nfn a() {}\n',
    'lib/b.wgsl': 'fn b() {}\n',
    'bad.wgsl': '//#include "lib/none.wgsl"\n',
  });
  try {
    const { code, files } = await resolveIncludes(join(dir, 'op.wgsl'));
    assert.equal(code.match(/fn \w+\(\)/g), ['fn b()', 'fn a()', 'fn op()']);
    assert.is(files.length, 3);
    await resolveIncludes(join(dir, 'bad.wgsl')).then(() => assert.unreachable('bad.wgsl loaded'), (error: Error) => {
      assert.match(error.message, /bad\.wgsl: cannot include "lib\/none\.wgsl" \(no file .*lib\/none\.wgsl\)/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SHADER = `
struct Params { count: u32, scale: f32 }
override ELEMS: u32;
override FAST: bool = false;
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;
fn first(i: u32) -> u32 { return i * ELEMS; }
@compute @workgroup_size(64) fn scale(@builtin(local_invocation_index) lid: u32) {
  if (FAST) { return; }
  y[lid] = vec4<f32>(x[first(lid)] * params.scale);
}
@compute @workgroup_size(4, 2) fn copy(@builtin(local_invocation_index) lid: u32) { y[lid] = vec4<f32>(x[lid]); }
override WIDTH: u32 = 32u;
@compute @workgroup_size(WIDTH, 2)
fn wide(@builtin(local_invocation_index) lid: u32) { y[lid] = vec4<f32>(x[lid]); }
`;

test('the layout of each entry point: bindings, uniform members, workgroup size, and the overrides it uses', () => {
  const layout = reflectShader('t.wgsl', SHADER) as Record<string, EntryPointLayout>;
  assert.equal(Object.keys(layout), ['scale', 'copy', 'wide']);
  assert.equal(layout.scale!.bindings, [
    { name: 'params', binding: 0, kind: 'uniform', elementType: null, stride: 8, fixedSize: 8 },
    { name: 'x', binding: 1, kind: 'read-only-storage', elementType: 'f32', stride: 4, fixedSize: 0 },
    { name: 'y', binding: 2, kind: 'storage', elementType: 'f32', stride: 16, fixedSize: 0 },
  ]);
  assert.equal(layout.scale!.uniforms, { params: { size: 8, members: [{ name: 'count', offset: 0, type: 'u32' }, { name: 'scale', offset: 4, type: 'f32' }] } });
  assert.equal(layout.scale!.workgroupSize, [64, 1, 1]);
  // ELEMS only through a called function.
  assert.equal(layout.scale!.overrides, [{ name: 'ELEMS', type: 'u32', required: true }, { name: 'FAST', type: 'bool', required: false }]);
  assert.equal(layout.copy!.bindings.map((b) => b.name), ['x', 'y']);
  assert.equal(layout.copy!.workgroupSize, [4, 2, 1]);
  assert.equal(layout.copy!.overrides, []);
  assert.equal(layout.copy!.workgroupOverrides, [null, null, null]);
  // A size set by an override: its default, the override named, and the override usable.
  assert.equal(layout.wide!.workgroupSize, [32, 2, 1]);
  assert.equal(layout.wide!.workgroupOverrides, ['WIDTH', null, null]);
  assert.equal(layout.wide!.overrides, [{ name: 'WIDTH', type: 'u32', required: false }]);
});

test('bindings the engine cannot check are refused at build time, naming shader, entry point and binding', () => {
  assert.throws(() => reflectShader('g.wgsl', '@group(1) @binding(0) var<storage, read> x: array<f32>;\n@compute @workgroup_size(1) fn main() { _ = x[0]; }\n'),
    /g\.wgsl main: binding 'x' is in @group\(1\); only @group\(0\) is supported/);
  assert.throws(() => reflectShader('u.wgsl', 'struct P { v: vec2<f32> }\n@group(0) @binding(0) var<uniform> p: P;\n@compute @workgroup_size(1) fn main() { _ = p.v; }\n'),
    /u\.wgsl main: uniform p\.v is vec2.*only scalar f32\/u32\/i32 members/);
});

test('pipeline constants must name an override of the entry point, with its type, and give every required one', () => {
  const layout = (reflectShader('t.wgsl', SHADER) as Record<string, EntryPointLayout>).scale!;
  assert.equal(pipelineConstants('t.wgsl scale', layout, { ELEMS: 4, FAST: true }), { ELEMS: 4, FAST: 1 });
  const refused = (constants: Record<string, number | boolean>) => {
    try {
      pipelineConstants('t.wgsl scale', layout, constants);
    } catch (error) {
      assert.instance(error, BindingError);
      return (error as Error).message;
    }
    return assert.unreachable(`${JSON.stringify(constants)} was accepted`) as never;
  };
  assert.is(refused({ ELEMS: 4, SLOW: 1 }), "t.wgsl scale: there is no override named 'SLOW' (overrides: ELEMS, FAST)");
  assert.is(refused({ ELEMS: true }), 't.wgsl scale: override ELEMS is u32, got true');
  assert.is(refused({ ELEMS: 4, FAST: 1 }), 't.wgsl scale: override FAST is bool, got 1');
  assert.is(refused({}), 't.wgsl scale: override(s) ELEMS need a value');
});

test('an esbuild bundle imports a shader as its code and layout; every shader in shaders/ loads, 30 entry points at most', async () => {
  const dir = folder({ 'main.ts': "export { default } from './s.wgsl';\n", 's.wgsl': SHADER });
  try {
    const result = await esbuild.build({ entryPoints: [join(dir, 'main.ts')], bundle: true, write: false, format: 'esm', logLevel: 'silent', plugins: [wgslPlugin()] });
    const shader = (await import(`data:text/javascript,${encodeURIComponent(result.outputFiles[0]!.text)}`)).default as WgslShader;
    assert.is(shader.name, 's.wgsl');
    assert.is(shader.code, SHADER);
    assert.equal(Object.keys(shader.entryPoints), ['scale', 'copy', 'wide']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let entryPoints = 0;
  for (const file of readdirSync('shaders').filter((f) => f.endsWith('.wgsl'))) {
    const { shader } = await loadShader(join('shaders', file));
    assert.ok(Object.keys(shader.entryPoints).length > 0, `${file} has no @compute entry point`);
    assert.not.match(shader.code, /^[ \t]*\/\/#include/m, `${file} has an unresolved include`);
    entryPoints += Object.keys(shader.entryPoints).length;
  }
  assert.ok(entryPoints <= 30, `${entryPoints} @compute entry points in shaders/`);
});

test.run();
