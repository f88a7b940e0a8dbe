/**
 * The settings form, built from FIELDS: every field says its allowed range (bounded by the loaded
 * dataset once there is one), and a value outside it is refused at the field (message beside it,
 * the input marked invalid) as soon as it is typed. Below the fields: the split a run will use.
 */
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { h } from './dom.ts';
import {
  DEFAULT_SETTINGS, FIELDS, QUIRKS_HELP, QUICK_RUN, fieldRange, quickRun, parseSettings, rangeText, splitText, toRaw,
  type DatasetSize, type FieldKey, type Parsed, type RawSettings, type Settings,
} from './settings.ts';

/** Stable hooks for tools that drive the page (tests, scripts). */
const TEST_IDS: Partial<Record<FieldKey, string>> = { epochs: 'epochs', trainLimit: 'train-images', testLimit: 'test-images', batchSize: 'batch-size' };

export class SettingsForm {
  private readonly inputs = new Map<FieldKey, HTMLInputElement | HTMLSelectElement>();
  private readonly hints = new Map<FieldKey, HTMLElement>();
  private readonly messages = new Map<string, HTMLElement>();
  private readonly variantBoxes: HTMLInputElement[] = [];
  private readonly quirks: HTMLInputElement;
  /** The loaded dataset's size, from the last check(). */
  private size: DatasetSize | undefined;
  private readonly split = h('p', { className: 'note', id: 'split', 'data-testid': 'split', 'aria-live': 'polite' });

  constructor(private readonly form: HTMLFormElement, private readonly onChange: () => void) {
    for (const f of FIELDS) {
      const id = `setting-${f.key}`;
      const input = f.kind === 'choice'
        ? h('select', { id, name: f.key }, ...f.choices.map((c) => h('option', { value: c.value }, c.label)))
        : h('input', { id, name: f.key, type: 'text', inputMode: f.kind === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', 'aria-describedby': `${id}-hint ${id}-message`, 'data-testid': TEST_IDS[f.key] });
      const hint = h('span', { className: 'hint', id: `${id}-hint` });
      const message = h('span', { id: `${id}-message`, className: 'field-message', 'aria-live': 'polite' });
      form.append(h('div', { className: 'field' }, h('label', { for: id }, f.label), input, hint, message));
      this.inputs.set(f.key, input);
      this.hints.set(f.key, hint);
      this.messages.set(f.key, message);
    }
    const variants = h('fieldset', { className: 'field wide' }, h('legend', {}, 'Variants'));
    for (const name of VARIANT_NAMES) {
      const box = h('input', { type: 'checkbox', name: 'variants', value: name });
      this.variantBoxes.push(box);
      variants.append(h('label', { className: 'check' }, box, ` ${DISPLAY_NAMES[name]}`));
    }
    const variantMessage = h('span', { className: 'field-message', 'aria-live': 'polite' });
    variants.append(variantMessage);
    this.messages.set('variants', variantMessage);
    this.quirks = h('input', { type: 'checkbox', id: 'setting-quirks', name: 'quirks' });
    const quick = h('button', { type: 'button', id: 'quick-run', 'data-testid': 'quick-run' }, 'Quick run preset');
    quick.addEventListener('click', () => this.apply(quickRun(this.current(), this.size)));
    const defaults = h('button', { type: 'button', id: 'study-defaults' }, 'Original study');
    defaults.addEventListener('click', () => this.apply(DEFAULT_SETTINGS));
    form.append(variants, h('div', { className: 'field wide' },
      h('label', { className: 'check' }, this.quirks, ' Original study’s evaluation quirks'), h('span', { className: 'hint' }, QUIRKS_HELP)),
    h('div', { className: 'field wide presets' }, h('div', { className: 'row' }, quick, defaults,
      h('span', { className: 'hint' }, `Quick run: ${QUICK_RUN.epochs} epochs on ${QUICK_RUN.trainLimit!.toLocaleString('en')} images. Original study: 50 epochs on all 48,000.`)), this.split));
    this.set(DEFAULT_SETTINGS);
    form.addEventListener('input', onChange);
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  raw(): RawSettings {
    const raw: RawSettings = { variants: this.variantBoxes.filter((b) => b.checked).map((b) => b.value), quirks: this.quirks.checked };
    for (const [key, input] of this.inputs) raw[key] = input.value;
    return raw;
  }

  /** Show these settings in the fields (a preset, or what was saved). */
  set(settings: Settings): void {
    const raw = toRaw(settings);
    for (const [key, input] of this.inputs) input.value = raw[key] ?? '';
    for (const box of this.variantBoxes) box.checked = settings.variants.includes(box.value as Settings['variants'][number]);
    this.quirks.checked = settings.quirks;
  }

  private apply(settings: Settings): void {
    this.set(settings);
    this.onChange();
  }

  /** The settings as they parse without the dataset's limits, else the defaults (a preset keeps the rest). */
  private current(): Settings {
    return parseSettings(this.raw()).settings ?? DEFAULT_SETTINGS;
  }

  /** Parse, and show each field's verdict beside it, its range for this dataset and the split a run would use. */
  check(size?: DatasetSize): Parsed {
    this.size = size;
    const raw = this.raw();
    const parsed = parseSettings(raw, size);
    const loose = parseSettings(raw).settings;
    for (const f of FIELDS) {
      if (f.kind === 'choice') continue;
      const range = fieldRange(f, loose ?? {}, size);
      this.hints.get(f.key)!.textContent = `${rangeText(range).replace(/^(0 \(all\) or )?a (whole )?number in /, '$1')}${f.help ? ` · ${f.help}` : ''}`;
    }
    for (const [key, message] of this.messages) {
      const text = parsed.errors[key as keyof Parsed['errors']] ?? '';
      message.textContent = text;
      const input = this.inputs.get(key as FieldKey);
      input?.setAttribute('aria-invalid', String(text !== ''));
      if (input instanceof HTMLInputElement) input.setCustomValidity(text);
    }
    this.split.textContent = parsed.settings && size ? `This run: ${splitText(parsed.settings, size)}.` : '';
    return parsed;
  }

  set disabled(value: boolean) {
    for (const element of this.form.elements) (element as HTMLInputElement).disabled = value;
  }
}
