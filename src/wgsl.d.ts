// A .wgsl import is the shader with its includes resolved and its layout reflected, built by
// wgsl-plugin.mjs (used by every esbuild bundle: build.mjs, test, bench and CLI pages).
declare module '*.wgsl' {
  const shader: import('./gpu/layout.ts').WgslShader;
  export default shader;
}
