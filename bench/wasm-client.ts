/** The page's side of a tfjs-wasm peer: its worker (bench/wasm-worker.ts), called one message at a time. */
import { VARIANT_NAMES } from '../src/model/variants.ts';
import type { Peer, PeerFactory } from './peer.ts';
import type { WasmApi } from './wasm-worker.ts';

type Call = <K extends keyof WasmApi>(name: K, ...args: Parameters<WasmApi[K]>) => Promise<Awaited<ReturnType<WasmApi[K]>>>;

function connect(worker: Worker): Call {
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
    const call = pending.get(data.id)!;
    pending.delete(data.id);
    if (data.error !== undefined) call.reject(new Error(data.error));
    else call.resolve(data.result);
  };
  worker.onerror = (e) => {
    for (const call of pending.values()) call.reject(new Error(`tfjs-wasm worker: ${e.message}`));
    pending.clear();
  };
  return ((name, ...args) => new Promise((resolve, reject) => {
    pending.set(next, { resolve: resolve as (v: unknown) => void, reject });
    worker.postMessage({ id: next++, name, args });
  })) as Call;
}

/** A tfjs-wasm peer with `threads` XNNPACK threads; its worker script is served at `scriptUrl`. */
export function tfjsWasmPeer(threads: 1 | 2, scriptUrl: string, wasmUrl: string, dataUrl: string): PeerFactory {
  return async (_dataset, sizes): Promise<Peer> => {
    const call = connect(new Worker(scriptUrl, { type: 'module' }));
    const facts = await call('init', { ...sizes, threads, dataUrl, wasmUrl });
    if (facts.backend !== 'wasm' || facts.threads !== threads) {
      throw new Error(`tfjs-wasm-${threads}t runs on ${facts.backend} with ${facts.threads} threads`);
    }
    const none = { submits: 0, readbacks: 0 };
    const { version, backend, ...details } = facts;
    return {
      info: { engine: `tfjs-wasm-${threads}t`, version, backend, variants: [...VARIANT_NAMES], details },
      gpuErrors: [],
      open: (name, batch, seed) => call('open', name, batch, seed),
      train: async (steps) => ({ seconds: await call('train', steps), counts: none }),
      infer: async (batch) => ({ ...(await call('infer', batch)), counts: none }),
      accuracy: (batch) => call('accuracy', batch),
      close: () => call('close'),
    };
  };
}
