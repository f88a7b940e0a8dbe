/**
 * The drawing pad: ink from a mouse, a finger or a pen (pointer events), and a dropped or picked
 * picture turned into ink. The canvas is transparent, its alpha the ink, so what the user sees
 * (black on the page's white) is what ./draw-frame.ts frames.
 */
import { imageInk, type Ink } from './draw-frame.ts';

export interface DrawPadEvents {
  /** After every change of the ink (several times per stroke). */
  changed(): void;
  /** A file dropped on the pad (the owner shows it, as a picked one, and reports a failure). */
  dropped(file: File): void;
}

export class DrawPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private pointer: number | null = null;

  constructor(readonly canvas: HTMLCanvasElement, private readonly events: DrawPadEvents) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const end of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) canvas.addEventListener(end, (e) => this.up(e));
    canvas.addEventListener('dragover', (e) => e.preventDefault());
    canvas.addEventListener('drop', (e) => {
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file) events.dropped(file);
    });
  }

  /** The ink: each pixel's alpha in [0, 1]. */
  ink(): Ink {
    const { width, height } = this.canvas;
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const values = new Float32Array(width * height);
    for (let p = 0; p < values.length; p++) values[p] = rgba[4 * p + 3]! / 255;
    return { width, height, values };
  }

  clear(): void {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.events.changed();
  }

  /** Replace the drawing with a picture's ink (greyscale, inverted on light paper), fitted to the pad. */
  async showImage(file: Blob): Promise<void> {
    const bitmap = await createImageBitmap(file);
    const { width, height } = this.canvas;
    // Read at most the pad's size: the framing downsamples anyway, and a photo's megapixels would stall the page.
    const scale = Math.min(1, width / bitmap.width, height / bitmap.height);
    const w = Math.max(1, Math.round(bitmap.width * scale)), h = Math.max(1, Math.round(bitmap.height * scale));
    const picture = document.createElement('canvas');
    picture.width = w;
    picture.height = h;
    const context = picture.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0, w, h);
    bitmap.close();
    const ink = imageInk(context.getImageData(0, 0, w, h).data, w, h);
    const out = context.createImageData(w, h);
    for (let p = 0; p < ink.values.length; p++) out.data[4 * p + 3] = Math.round(255 * ink.values[p]!);
    context.putImageData(out, 0, 0);
    const fit = Math.min(width / w, height / h);
    this.context.clearRect(0, 0, width, height);
    this.context.drawImage(picture, (width - w * fit) / 2, (height - h * fit) / 2, w * fit, h * fit);
    this.events.changed();
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) * this.canvas.width) / rect.width, y: ((e.clientY - rect.top) * this.canvas.height) / rect.height };
  }

  private down(e: PointerEvent): void {
    if (this.pointer !== null || e.button !== 0) return;
    e.preventDefault();
    this.pointer = e.pointerId;
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.at(e);
    this.stroke([this.last]);
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.pointer) return;
    // A fast stroke delivers several positions per frame: draw through all of them.
    const events = e.getCoalescedEvents?.() ?? [];
    this.stroke((events.length ? events : [e]).map((c) => this.at(c)));
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.pointer) return;
    this.pointer = null;
    this.last = null;
  }

  /** A round-capped line from the last position through `points`, about a twelfth of the pad wide (MNIST's pen, once framed). */
  private stroke(points: { x: number; y: number }[]): void {
    const c = this.context;
    c.lineWidth = this.canvas.width / 12;
    c.lineCap = c.lineJoin = 'round';
    c.strokeStyle = '#000';
    c.beginPath();
    const from = this.last ?? points[0]!;
    c.moveTo(from.x, from.y);
    // A tap is a dot: a zero-length round-capped line.
    for (const p of points) c.lineTo(p.x + (p === from ? 0.01 : 0), p.y);
    c.stroke();
    this.last = points.at(-1)!;
    this.events.changed();
  }
}
