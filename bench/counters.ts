/**
 * Counts of queue submits and buffer maps (readbacks) in this page, for both engines: the
 * prototypes are wrapped once, so every device — ours and TF.js's — is counted.
 */
export interface Counts {
  submits: number;
  readbacks: number;
}

const counts: Counts = { submits: 0, readbacks: 0 };

export function installCounters(): void {
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    counts.submits++;
    return submit.call(this, buffers);
  };
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, mode: GPUMapModeFlags, offset?: number, size?: number) {
    counts.readbacks++;
    return mapAsync.call(this, mode, offset, size);
  };
}

export function snapshot(): Counts {
  return { ...counts };
}

export function between(start: Counts, end: Counts): Counts {
  return { submits: end.submits - start.submits, readbacks: end.readbacks - start.readbacks };
}

export function since(start: Counts): Counts {
  return between(start, counts);
}
