// WGSL sources are imported as text by esbuild's `text` loader (see build.mjs).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
