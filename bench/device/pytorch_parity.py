"""Load weights exported by `npm run train` into a PyTorch LeNet-5 and evaluate the same test set.

Checks that the .safetensors file has PyTorch's state_dict names and layouts (load_state_dict with
strict=True) and that PyTorch's test loss and accuracy equal the engine's (metrics.json).
Usage: python3 pytorch_parity.py RUN_DIR [RUN_DIR ...] --data DIR  (prints JSON)
"""
import argparse
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file


class LeNet5(nn.Module):
    def __init__(self, batch_norm: bool):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        if batch_norm:
            self.bn1, self.bn2, self.bn3 = nn.BatchNorm2d(6), nn.BatchNorm2d(16), nn.BatchNorm2d(120)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)
        self.batch_norm = batch_norm

    def forward(self, x):
        bn = (lambda layer, v: layer(v)) if self.batch_norm else (lambda layer, v: v)
        x = F.avg_pool2d(torch.tanh(bn(getattr(self, 'bn1', None), self.conv1(x))), 2)
        x = F.avg_pool2d(torch.tanh(bn(getattr(self, 'bn2', None), self.conv2(x))), 2)
        x = bn(getattr(self, 'bn3', None), self.conv3(x)).flatten(1)
        return self.fc2(torch.tanh(self.fc1(x)))


def read_idx(path, dims):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('runs', nargs='+')
    parser.add_argument('--data', required=True)
    args = parser.parse_args()
    images = read_idx(f'{args.data}/t10k-images-idx3-ubyte.gz', 3)
    labels = torch.from_numpy(read_idx(f'{args.data}/t10k-labels-idx1-ubyte.gz', 1).astype(np.int64))
    # ToTensor() then Normalize(0.5, 0.5), as in the study.
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.5) / 0.5
    x = x.unsqueeze(1)
    results = []
    for run in args.runs:
        metrics = json.load(open(f'{run}/metrics.json'))
        state = load_file(f'{run}/weights.safetensors')
        model = LeNet5(batch_norm=any(k.startswith('bn') for k in state))
        model.load_state_dict(state, strict=True)
        model.eval()
        out = {'run': run, 'variant': metrics['variant']}
        for dtype in (torch.float32, torch.float64):
            m = model.to(dtype)
            with torch.no_grad():
                logits = m(x.to(dtype))
            out[str(dtype)] = {
                'testLoss': F.cross_entropy(logits, labels).item(),
                'testAccuracy': (logits.argmax(1) == labels).double().mean().item(),
            }
        out['engine'] = {'testLoss': metrics['final']['testLoss'], 'testAccuracy': metrics['final']['testAccuracy']}
        out['accuracyEqual'] = out['engine']['testAccuracy'] == out['torch.float64']['testAccuracy']
        out['lossRelativeDifference'] = abs(out['engine']['testLoss'] - out['torch.float64']['testLoss']) / out['torch.float64']['testLoss']
        results.append(out)
    json.dump({'torch': torch.__version__, 'results': results}, sys.stdout, indent=2)
    print()


if __name__ == '__main__':
    main()
