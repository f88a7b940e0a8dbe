/**
 * The data section: which dataset, from where (this site, a URL, or local files), and once loaded
 * its sizes and one sample image per class. A failed load says why and keeps the previous dataset.
 */
import type { Dataset, DatasetName } from '../src/data/dataset.ts';
import { byId } from './dom.ts';
import { classSamples } from './images.ts';
import { DATASET_LABELS, dataBase, describeSource, loadDataset, type Source } from './sources.ts';

export interface LoadedDataset {
  dataset: Dataset;
  /** Where it came from, for the export. */
  source: string;
}

export class DataPanel {
  loaded: LoadedDataset | null = null;
  private readonly form = byId<HTMLFormElement>('data-form');
  private readonly name = byId<HTMLSelectElement>('dataset');
  private readonly url = byId<HTMLInputElement>('data-url');
  private readonly files = byId<HTMLInputElement>('data-files');
  private readonly status = byId('data-status');
  private readonly samples = byId('samples');
  private loads = 0;

  constructor(private readonly onLoaded: (loaded: LoadedDataset) => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.load();
    });
    this.form.addEventListener('change', (event) => {
      this.showSourceFields();
      // Picking files, or another dataset or source, loads at once; a typed URL waits for Load.
      if (event.target !== this.url && this.sourceKind() !== 'url' && this.source()) void this.load();
    });
    this.showSourceFields();
  }

  private sourceKind(): Source['kind'] {
    return (this.form.elements.namedItem('source') as RadioNodeList).value as Source['kind'];
  }

  private showSourceFields(): void {
    for (const element of this.form.querySelectorAll<HTMLElement>('[data-source]')) element.hidden = element.dataset.source !== this.sourceKind();
  }

  private source(): Source | null {
    const kind = this.sourceKind();
    if (kind === 'url') return this.url.value.trim() ? { kind, url: this.url.value.trim() } : null;
    if (kind === 'files') return this.files.files?.length ? { kind, files: [...this.files.files] } : null;
    return { kind };
  }

  async load(): Promise<void> {
    const name = this.name.value as DatasetName;
    const label = DATASET_LABELS[name];
    const source = this.source();
    if (!source) {
      this.say(this.sourceKind() === 'url' ? 'Type the URL of a folder holding the four IDX files, then Load.' : 'Pick the four IDX files.', false);
      return;
    }
    const ticket = ++this.loads;
    this.say(`Loading ${label}…`, false);
    try {
      const dataset = await loadDataset(name, source, location.href);
      if (ticket !== this.loads) return; // A newer choice was made meanwhile.
      this.loaded = { dataset, source: describeSource(source, name, location.href) };
      this.say(`${label}: ${dataset.train.count.toLocaleString('en')} training and ${dataset.test.count.toLocaleString('en')} test images.`, false);
      this.samples.replaceChildren(...classSamples(dataset.train, dataset.classNames));
      this.onLoaded(this.loaded);
    } catch (error) {
      if (ticket !== this.loads) return;
      const e = error as Error;
      const hint = source.kind === 'server'
        ? ` This site has no ${label} at ${new URL(`${name}/`, dataBase(location.href)).href}: with \`npm start\`, put the four .gz files in ` +
          `./data/${name}/${name === 'fashion-mnist' ? ' or run `apt-get install dataset-fashion-mnist`' : ''}; on a static host, add ` +
          `?data=<URL of a folder holding ${name}/> to the address; or pick the files from your computer.`
        : '';
      const kept = this.loaded ? ` Still using ${this.loaded.dataset.name} from before.` : '';
      this.say(`Could not load ${label}: ${e.message}.${hint}${kept}`, true);
    }
  }

  private say(text: string, isError: boolean): void {
    this.status.textContent = text;
    this.status.className = isError ? 'message' : '';
  }

  set disabled(value: boolean) {
    for (const element of this.form.elements) (element as HTMLInputElement).disabled = value;
  }
}
