/**
 * TF.js's WASM backend (4.22) registers no Conv2DBackpropFilter kernel, so training any model
 * with a conv2d fails there ("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'").
 * This bench-only kernel fills the gap with the backend's own Conv3DBackpropFilterV2 (C++ in
 * the same wasm binary): a 2-D convolution is a 3-D one of depth 1, so x and dy get a unit
 * depth axis (their heap data is unchanged) and the depth-1 filter gradient is the answer.
 * Stride 1 only: that backend's Conv3DBackpropFilterV2 is itself wrong for spatial strides > 1
 * (its filter gradient differs from the CPU backend's; LeNet-5 needs none). Checked against the
 * CPU backend in tests/wasm-kernel.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

/** Adds a unit depth axis after the batch: NHWC → NDHWC with D = 1, same data. */
const withDepth = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.shape[0]!, 1, ...t.shape.slice(1)] });

function conv2dBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs & Record<'x' | 'dy', tf.TensorInfo>;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  // A numeric or explicit pad would also pad the depth axis of the 3-D kernel; LeNet needs neither.
  const stride1 = typeof strides === 'number' ? strides === 1 : strides.every((s) => s === 1);
  if (dataFormat !== 'NHWC' || dimRoundingMode !== undefined || (pad !== 'same' && pad !== 'valid') || !stride1) {
    throw new Error(`bench Conv2DBackpropFilter for wasm: only NHWC, stride 1, 'same' or 'valid' padding (got ${dataFormat}, strides ${JSON.stringify(strides)}, pad ${JSON.stringify(pad)}, rounding ${dimRoundingMode})`);
  }
  const conv3d = tf.getKernel(tf.Conv3DBackpropFilterV2, 'wasm');
  if (!conv3d) throw new Error('the wasm backend has no Conv3DBackpropFilterV2 kernel to build Conv2DBackpropFilter on');
  const dw = conv3d.kernelFunc({
    inputs: { x: withDepth(x), dy: withDepth(dy) },
    backend,
    attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] },
  }) as tf.TensorInfo;
  // Drop the unit depth axis again: [1, KH, KW, Ci, Co] → [KH, KW, Ci, Co].
  return { dataId: dw.dataId, dtype: dw.dtype, shape: [...filterShape] };
}

export function registerWasmConv2dBackpropFilter(): void {
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilter });
}
