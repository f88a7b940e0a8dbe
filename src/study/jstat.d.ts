// The one function of jstat (no published types) that statistics.ts uses.
declare module 'jstat' {
  const jstat: { jStat: { studentt: { inv(p: number, dof: number): number } } };
  export default jstat;
}
