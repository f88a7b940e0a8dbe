"""PyTorch's training throughput on the study's LeNet-5 and protocol, for comparison with ours.

The four variants (cli/parity/torch_train.py's model: dropout 0.5 before conv3, coupled L2 1e-3
through Adam's weight_decay, batch norm after each conv), Adam 1e-3, softmax cross-entropy, at
each batch size, in each mode this PyTorch offers: eager; CUDA graphs (the whole step captured,
Adam with capturable=True); torch.compile (if it compiles here). Inputs are random images already
on the device, as ours are resident: the step is what is timed. Each figure is min/median/max
samples/s over repetitions of `steps` steps after a warm-up, timed with the device synchronized.
Also one full epoch (48,000 images at batch 64, batches gathered from resident data by a random
permutation, as ours) per variant in the fastest mode that ran.
Usage: python3 bench/device/pytorch_bench.py [--device cuda] [--quick] > pytorch-bench.json
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, 'cli/parity')
from torch_train import LeNet5  # noqa: E402  (the parity replay's model: one definition)

VARIANTS = {
    'baseline': {'dropout': 0.0, 'weight_decay': 0.0, 'batch_norm': False},
    'dropout': {'dropout': 0.5, 'weight_decay': 0.0, 'batch_norm': False},
    'weight-decay': {'dropout': 0.0, 'weight_decay': 1e-3, 'batch_norm': False},
    'batchnorm': {'dropout': 0.0, 'weight_decay': 0.0, 'batch_norm': True},
}


def make_step(variant, device, capturable):
    v = VARIANTS[variant]
    model = LeNet5(v['batch_norm']).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=v['weight_decay'], capturable=capturable)

    def step(x, y):
        optimizer.zero_grad(set_to_none=False)
        mask = None
        if v['dropout'] > 0:
            mask = F.dropout(torch.ones(x.shape[0], 16, 5, 5, device=device), p=v['dropout'], training=True)
        loss = F.cross_entropy(model(x, mask), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def graphed(step, x, y):
    """The whole step (forward, backward, Adam) captured once into a CUDA graph and replayed."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):  # warm-up on a side stream, as CUDA graph capture requires
            step(x, y)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step(x, y)
    return lambda xs, ys: (x.copy_(xs), y.copy_(ys), graph.replay())


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def measure(run, batch, device, steps, warmup, repetitions):
    x = torch.randn(batch, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    for _ in range(warmup):
        run(x, y)
    sync(device)
    rates = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(steps):
            run(x, y)
        sync(device)
        rates.append(steps * batch / (time.perf_counter() - start))
    return {'min': min(rates), 'median': statistics.median(rates), 'max': max(rates)}


def runner(mode, variant, batch, device):
    if mode == 'eager':
        return make_step(variant, device, capturable=False)
    if mode == 'cuda-graph':
        x = torch.randn(batch, 1, 28, 28, device=device)
        y = torch.randint(0, 10, (batch,), device=device)
        return graphed(make_step(variant, device, capturable=True), x, y)
    if mode == 'compile':
        return torch.compile(make_step(variant, device, capturable=False))
    raise ValueError(mode)


def epoch_seconds(run, device, images=48_000, batch=64):
    data = torch.randn(images, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (images,), device=device)
    order = torch.randperm(images, device=device)
    sync(device)
    start = time.perf_counter()
    for first in range(0, images - batch + 1, batch):
        index = order[first:first + batch]
        run(data[index], labels[index])
    sync(device)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--quick', action='store_true', help='a smoke run: few steps, one batch size')
    args = parser.parse_args()
    device = args.device
    modes = ['eager'] + (['cuda-graph'] if device.startswith('cuda') else []) + ['compile']
    batches = [16] if args.quick else [64, 256]
    steps, warmup, repetitions = (4, 2, 2) if args.quick else (200, 50, 5)
    report = {
        'torch': torch.__version__, 'device': torch.cuda.get_device_name() if device.startswith('cuda') else 'cpu',
        'protocol': 'Adam 1e-3, batch as given, softmax cross-entropy, f32; random resident inputs',
        'entries': [], 'failures': [], 'epochs': [],
    }
    torch.manual_seed(0)
    for mode in modes:
        for variant in VARIANTS:
            for batch in batches:
                try:
                    rate = measure(runner(mode, variant, batch, device), batch, device, steps, warmup, repetitions)
                except Exception as error:  # noqa: BLE001  (a mode this install cannot run is reported, not fatal)
                    report['failures'].append({'mode': mode, 'variant': variant, 'batch': batch, 'error': f'{type(error).__name__}: {error}'.split('\n')[0]})
                    print(f'{mode} {variant} batch {batch}: {report["failures"][-1]["error"]}', file=sys.stderr)
                    break
                report['entries'].append({'engine': f'pytorch-{mode}', 'variant': variant, 'batch': batch, 'samplesPerSec': rate})
                print(f'{mode} {variant} batch {batch}: {rate["median"]:,.0f} samples/s', file=sys.stderr)
    for variant in VARIANTS:
        ran = [e for e in report['entries'] if e['variant'] == variant and e['batch'] == batches[0]]
        if not ran:
            continue
        best = max(ran, key=lambda e: e['samplesPerSec']['median'])['engine'].removeprefix('pytorch-')
        images = 4 * batches[0] * 4 if args.quick else 48_000
        seconds = epoch_seconds(runner(best, variant, batches[0], device), device, images, batches[0])
        report['epochs'].append({'variant': variant, 'mode': best, 'images': images, 'batch': batches[0], 'seconds': seconds})
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == '__main__':
    main()
