/**
 * The settings form, built from FIELDS: every field says its allowed range, and a value outside
 * it is refused at the field (message beside it, the input marked invalid) as soon as it is typed.
 */
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { h } from './dom.ts';
import { DEFAULT_SETTINGS, FIELDS, QUIRKS_HELP, parseSettings, rangeText, toRaw, type FieldKey, type Parsed, type RawSettings } from './settings.ts';

export class SettingsForm {
  private readonly inputs = new Map<FieldKey, HTMLInputElement | HTMLSelectElement>();
  private readonly messages = new Map<string, HTMLElement>();
  private readonly variantBoxes: HTMLInputElement[] = [];
  private readonly quirks: HTMLInputElement;

  constructor(private readonly form: HTMLFormElement, onChange: () => void) {
    const raw = toRaw(DEFAULT_SETTINGS);
    for (const f of FIELDS) {
      const id = `setting-${f.key}`;
      const input = f.kind === 'choice'
        ? h('select', { id, name: f.key }, ...f.choices.map((c) => h('option', { value: c.value }, c.label)))
        : h('input', { id, name: f.key, type: 'text', inputMode: f.kind === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', 'aria-describedby': `${id}-message` });
      input.value = raw[f.key] ?? '';
      const hint = f.kind === 'choice' ? '' : `${rangeText(f).replace(/^a (whole )?number in /, '')}${f.help ? ` · ${f.help}` : ''}`;
      const message = h('span', { id: `${id}-message`, className: 'field-message', 'aria-live': 'polite' });
      form.append(h('div', { className: 'field' }, h('label', { for: id }, f.label), input, h('span', { className: 'hint' }, hint), message));
      this.inputs.set(f.key, input);
      this.messages.set(f.key, message);
    }
    const variants = h('fieldset', { className: 'field wide' }, h('legend', {}, 'Variants'));
    for (const name of VARIANT_NAMES) {
      const box = h('input', { type: 'checkbox', name: 'variants', value: name, checked: DEFAULT_SETTINGS.variants.includes(name) });
      this.variantBoxes.push(box);
      variants.append(h('label', { className: 'check' }, box, ` ${name}`));
    }
    const variantMessage = h('span', { className: 'field-message', 'aria-live': 'polite' });
    variants.append(variantMessage);
    this.messages.set('variants', variantMessage);
    this.quirks = h('input', { type: 'checkbox', id: 'setting-quirks', name: 'quirks', checked: DEFAULT_SETTINGS.quirks });
    form.append(variants, h('div', { className: 'field wide' },
      h('label', { className: 'check' }, this.quirks, ' Original study’s evaluation quirks'), h('span', { className: 'hint' }, QUIRKS_HELP)));
    form.addEventListener('input', onChange);
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  raw(): RawSettings {
    const raw: RawSettings = { variants: this.variantBoxes.filter((b) => b.checked).map((b) => b.value), quirks: this.quirks.checked };
    for (const [key, input] of this.inputs) raw[key] = input.value;
    return raw;
  }

  /** Parse, and show each field's verdict beside it. */
  check(trainImages?: number): Parsed {
    const parsed = parseSettings(this.raw(), trainImages);
    for (const [key, message] of this.messages) {
      const text = parsed.errors[key as keyof Parsed['errors']] ?? '';
      message.textContent = text;
      const input = this.inputs.get(key as FieldKey);
      input?.setAttribute('aria-invalid', String(text !== ''));
      if (input instanceof HTMLInputElement) input.setCustomValidity(text);
    }
    return parsed;
  }

  set disabled(value: boolean) {
    for (const element of this.form.elements) (element as HTMLInputElement).disabled = value;
  }
}
