/**
 * A model from a .safetensors file — `npm run train`/`study` output, this page's export, or
 * PyTorch's state_dict with the same names — loaded into a trainer of its own in a worker, so the
 * page can test it, look inside it and classify drawings with it. The file names its layers, not
 * its variant: batch-norm tensors make it the batch-norm model; otherwise it is evaluated as the
 * baseline (dropout and weight decay change training only, not the evaluated model).
 */
import type { Dataset } from '../src/data/dataset.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import type { VariantName } from '../src/model/variants.ts';
import { TrainingWorker } from '../src/worker/client.ts';
import { trainerOptions, type Settings } from './settings.ts';
import { runImages } from './trainers.ts';

/** The model a file's tensor names describe. */
export function variantOfWeights(names: Iterable<string>): VariantName {
  return [...names].some((n) => n.startsWith('bn1.')) ? 'batchnorm' : 'baseline';
}

/** The file's model in a worker of its own (the caller disposes it); a bad file is refused with its name, the worker freed. */
export async function importModel(file: { name: string; bytes: Uint8Array }, dataset: Dataset, settings: Settings): Promise<{ variant: VariantName; trainer: TrainingWorker }> {
  const variant = variantOfWeights(decodeSafetensors(file.bytes, file.name).tensors.keys());
  const trainer = await TrainingWorker.create({
    dataset: runImages(dataset, settings), transferDataset: true, options: trainerOptions(settings, variant, dataset.train.count),
  });
  try {
    await trainer.importWeights(file.bytes, file.name);
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
  return { variant, trainer };
}
