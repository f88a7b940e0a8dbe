// Serves the built demo (dist/demo) and the datasets on 127.0.0.1 (WebGPU needs a secure origin,
// and loopback is one). Static files come from sirv, which refuses paths outside its folders.
import http from 'node:http';
import { existsSync } from 'node:fs';
import sirv from 'sirv';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);

/** Where each dataset's IDX files are looked for, first match wins. */
export const DATASET_DIRS = {
  'fashion-mnist': ['data/fashion-mnist', '/usr/share/datasets/fashion-mnist'],
  mnist: ['data/mnist', '/usr/share/datasets/mnist'],
};

const page = sirv('dist/demo', { dev: false, etag: true });
const datasets = Object.fromEntries(
  Object.entries(DATASET_DIRS).flatMap(([name, dirs]) => {
    const dir = dirs.find((d) => existsSync(`${d}/t10k-images-idx3-ubyte.gz`));
    return dir ? [[name, sirv(dir, { dev: false })]] : [];
  }),
);

const notFound = (res) => { res.statusCode = 404; res.end('not found'); };

const server = http.createServer((req, res) => {
  const match = /^\/data\/([a-z-]+)(\/.*)$/.exec(req.url ?? '');
  if (match) {
    const handler = datasets[match[1]];
    if (!handler) return notFound(res);
    req.url = match[2];
    return handler(req, res, () => notFound(res));
  }
  return page(req, res, () => notFound(res));
});

server.listen(port, host, () => {
  console.log(`demo on http://${host}:${server.address().port}/`);
  if (!datasets['fashion-mnist']) {
    console.log('Fashion-MNIST not found: install it with `apt-get install dataset-fashion-mnist`, or put the four ' +
      'IDX .gz files in ./data/fashion-mnist/');
  }
});
