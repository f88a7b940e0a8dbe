/**
 * One weight layer's histogram as a small Chart.js bar chart in its variant's colour (the caption
 * beside it gives the L2 norm); the canvas carries data-layer, data-l2 and data-bins.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { Histogram } from './inside-stats.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export function histogramChart(canvas: HTMLCanvasElement, layer: string, hist: Histogram, l2: number, colour: string): Chart {
  const centres = hist.edges.slice(1).map((e, i) => (e + hist.edges[i]!) / 2);
  canvas.dataset.layer = layer;
  canvas.dataset.l2 = String(l2);
  canvas.dataset.bins = String(hist.shares.length);
  canvas.setAttribute('aria-label', `${layer} weights: histogram of ${hist.shares.length} bins from ${hist.edges[0]!.toFixed(3)} to ${hist.edges.at(-1)!.toFixed(3)}, L2 norm ${l2.toFixed(3)}`);
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: centres.map((c) => c.toFixed(3)), datasets: [{ data: hist.shares, backgroundColor: colour, barPercentage: 1, categoryPercentage: 1 }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${(100 * Number(item.raw)).toFixed(1)}% of the weights` } },
      },
      scales: {
        x: { ticks: { maxTicksLimit: 3, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { maxTicksLimit: 3, callback: (v) => `${Math.round(Number(v) * 100)}%` } },
      },
    },
  });
}
