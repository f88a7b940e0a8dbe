/**
 * float64 reference of softmax cross-entropy over logits [N, C] with integer labels (PyTorch's
 * F.cross_entropy with mean reduction). A label ≥ C adds 0 loss, is never correct and gets a
 * zero gradient row, as the shader does.
 */

export interface SoftmaxCrossEntropyResult {
  /** Per-sample loss −log softmax(logits)[label]. */
  losses: number[];
  /** Gradient of the mean loss: (softmax − onehot) / N. */
  dLogits: number[];
  correct: number;
  predictions: number[];
}

/** First index of the maximum, as torch.argmax. */
function argmaxRows(classes: number, logits: number[]): number[] {
  const predictions: number[] = [];
  for (let row = 0; row < logits.length; row += classes) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[row + c]! > logits[row + best]!) best = c;
    predictions.push(best);
  }
  return predictions;
}

export function softmaxCrossEntropy(classes: number, logits: number[], labels: number[]): SoftmaxCrossEntropyResult {
  const batch = labels.length;
  const predictions = argmaxRows(classes, logits);
  const losses: number[] = [];
  const dLogits = new Array<number>(batch * classes).fill(0);
  let correct = 0;
  for (let n = 0; n < batch; n++) {
    const label = labels[n]!;
    const row = logits.slice(n * classes, (n + 1) * classes);
    if (label >= classes) {
      losses.push(0);
      continue;
    }
    const peak = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - peak), 0);
    losses.push(peak - row[label]! + Math.log(sum));
    for (let c = 0; c < classes; c++) dLogits[n * classes + c] = (Math.exp(row[c]! - peak) / sum - (c === label ? 1 : 0)) / batch;
    if (predictions[n] === label) correct++;
  }
  return { losses, dLogits, correct, predictions };
}

/** The mean loss, as a function of the logits alone (for finite differences). */
export function meanCrossEntropy(classes: number, logits: number[], labels: number[]): number {
  return softmaxCrossEntropy(classes, logits, labels).losses.reduce((a, b) => a + b, 0) / labels.length;
}
