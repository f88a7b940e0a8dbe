"""Train one LeNet-5 variant in PyTorch exactly as the engine did (cli/parity.ts drives this).

The job folder (written by cli/parity/torch.ts) holds job.json and initial.safetensors: the
engine's initial weights, each epoch's sample order, the variant and the protocol. This script
trains `steps` Adam steps on the same batches, with the engine's dropout masks mirrored bit for
bit (mirror of shaders/dropout.wgsl), and writes result.json (per-step losses, test accuracy)
and final.safetensors (the state_dict after training). It trains the same run in float64 too
(final_float64.safetensors, rounded to f32 on writing): the f32-vs-f64 differences of torch
itself show how much each quantity is moved by f32 rounding alone.
Usage: /usr/bin/python3 cli/parity/torch_train.py JOB_DIR
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- safetensors (the package is not installed here; the format is small) ----

DTYPES = {'F32': (np.float32, torch.float32), 'I64': (np.int64, torch.int64)}


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    header.pop('__metadata__', None)
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        np_dtype, _ = DTYPES[info['dtype']]
        start, end = info['data_offsets']
        array = np.frombuffer(body[start:end], dtype=np.dtype(np_dtype).newbyteorder('<')).reshape(info['shape'])
        tensors[name] = torch.from_numpy(array.astype(np_dtype))
    return tensors


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        kind = 'I64' if t.dtype == torch.int64 else 'F32'
        raw = t.detach().cpu().numpy().astype(DTYPES[kind][0]).astype(np.dtype(DTYPES[kind][0]).newbyteorder('<')).tobytes()
        header[name] = {'dtype': kind, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))

# ---- the engine's dropout mask: src/random.ts counterHash, in uint32 arithmetic ----

def pcg_hash(v):
    v = v.astype(np.uint32)
    state = v * np.uint32(747796405) + np.uint32(2891336453)
    word = ((state >> ((state >> np.uint32(28)) + np.uint32(4))) ^ state) * np.uint32(277803737)
    return (word >> np.uint32(22)) ^ word


def counter_hash(seed, step, layer, index):
    with np.errstate(over='ignore'):
        h = pcg_hash(index)
        h = pcg_hash(h + np.uint32(layer))
        h = pcg_hash(h + np.uint32(step))
        return pcg_hash(h + np.uint32(seed))


def keep_mask(seed, step, layer, count, p):
    """Element i is kept iff (hash >> 8) >= ceil(p * 2^24) (shaders/dropout.wgsl's integer test)."""
    index = np.arange(count, dtype=np.uint32)
    return (counter_hash(seed, step, layer, index) >> np.uint32(8)) >= np.uint32(int(np.ceil(p * 2 ** 24)))

# ---- the model: the study's LeNet-5 (bench/device/pytorch_parity.py), dropout by a given mask ----


class LeNet5(nn.Module):
    def __init__(self, batch_norm):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        if batch_norm:
            self.bn1 = nn.BatchNorm2d(6, eps=1e-5, momentum=0.1)
            self.bn2 = nn.BatchNorm2d(16, eps=1e-5, momentum=0.1)
            self.bn3 = nn.BatchNorm2d(120, eps=1e-5, momentum=0.1)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)
        self.batch_norm = batch_norm

    def norm(self, name, x):
        return getattr(self, name)(x) if self.batch_norm else x

    def forward(self, x, dropout=None):
        """dropout: None, or the [N, 16, 5, 5] multiplier (mask · 1/(1−p)) applied before conv3."""
        x = F.avg_pool2d(torch.tanh(self.norm('bn1', self.conv1(x))), 2)
        x = F.avg_pool2d(torch.tanh(self.norm('bn2', self.conv2(x))), 2)
        if dropout is not None:
            x = x * dropout
        x = self.norm('bn3', self.conv3(x)).flatten(1)
        return self.fc2(torch.tanh(self.fc1(x)))

# ---- data ----


def read_idx(path, dims):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def normalize(pixels, scale, shift):
    """The engine's gather (shaders/batch-gather.wgsl): f32(pixel)·scale + shift, all in f32."""
    return torch.from_numpy(pixels.astype(np.float32) * np.float32(scale) + np.float32(shift)).unsqueeze(1)


def evaluate(model, images, labels, scale, shift):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(normalize(images[i:i + 1000], scale, shift)) for i in range(0, len(images), 1000)])
    return float((logits.argmax(1) == torch.from_numpy(labels.astype(np.int64))).double().mean())


def eval_logit_agreement(reference, other, x):
    """Eval-mode logits of two models on the same images: max|Δ| / max|reference|, and the share of
    images with the same predicted class."""
    with torch.no_grad():
        ours = reference.eval()(x.to(next(reference.parameters()).dtype)).double()
        theirs = other.eval()(x.to(next(other.parameters()).dtype)).double()
    return {
        'images': int(len(x)),
        'logitMaxRelDiff': float((ours - theirs).abs().max() / ours.abs().max()),
        'argmaxAgreement': float((ours.argmax(1) == theirs.argmax(1)).double().mean()),
    }


def train(job, dtype, images, labels, initial):
    """`job['steps']` Adam steps in `dtype` on the engine's batches; returns the model and the losses."""
    v = job['variant']
    model = LeNet5(v['batchNorm'])
    model.load_state_dict(initial, strict=True)
    model.to(dtype)
    o = job['optimizer']
    optimizer = torch.optim.Adam(model.parameters(), lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'],
                                 weight_decay=v['weightDecay'])
    scale, shift = job['normalization']['scale'], job['normalization']['shift']
    batch_size, steps_per_epoch, orders = job['batchSize'], job['stepsPerEpoch'], job['epochOrders']
    dropout_scale = np.float32(1 / (1 - v['dropout'])) if v['dropout'] > 0 else None
    losses = []
    for step in range(job['steps']):
        epoch, k = divmod(step, steps_per_epoch)
        index = np.asarray(orders[epoch][k * batch_size:(k + 1) * batch_size], dtype=np.int64)
        x = normalize(images[index], scale, shift).to(dtype)
        y = torch.from_numpy(labels[index])
        dropout = None
        if dropout_scale is not None:
            # The engine's counter: its seed, the 1-based global step, dropout layer 0, flat index.
            keep = keep_mask(job['seed'], step + 1, 0, len(index) * 16 * 5 * 5, v['dropout'])
            multiplier = np.where(keep, dropout_scale, np.float32(0)).astype(np.float32).reshape(len(index), 16, 5, 5)
            dropout = torch.from_numpy(multiplier).to(dtype)
        model.train()
        loss = F.cross_entropy(model(x, dropout), y)  # mean over the batch, as the engine's d_logits
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return model, losses


def main():
    job_dir = sys.argv[1]
    job = json.load(open(f'{job_dir}/job.json'))
    torch.set_num_threads(job.get('threads', 1))
    v = job['variant']
    scale, shift = job['normalization']['scale'], job['normalization']['shift']
    images = read_idx(f"{job['dataDir']}/train-images-idx3-ubyte.gz", 3)
    labels = read_idx(f"{job['dataDir']}/train-labels-idx1-ubyte.gz", 1).astype(np.int64)
    initial = read_safetensors(f'{job_dir}/initial.safetensors')

    model, losses = train(job, torch.float32, images, labels, initial)
    # The control: the same run in float64 shows how far f32 rounding alone moves each quantity.
    model64, losses64 = train(job, torch.float64, images, labels, initial)
    result = {'torch': torch.__version__, 'losses': losses, 'lossesFloat64': losses64, 'testAccuracy': None}

    test_images = read_idx(f"{job['dataDir']}/t10k-images-idx3-ubyte.gz", 3)
    test_labels = read_idx(f"{job['dataDir']}/t10k-labels-idx1-ubyte.gz", 1)
    if job.get('evaluateTest'):
        limit = job.get('testLimit') or len(test_images)
        result['testAccuracy'] = evaluate(model, test_images[:limit], test_labels[:limit], scale, shift)
    if job.get('evalCheckImages'):
        engine_model = LeNet5(v['batchNorm'])
        engine_model.load_state_dict(read_safetensors(f'{job_dir}/engine_final.safetensors'), strict=True)
        x = normalize(test_images[:job['evalCheckImages']], scale, shift)
        result['evalCheck'] = eval_logit_agreement(model, engine_model, x)
        result['evalCheckFloat64'] = eval_logit_agreement(model, model64, x)
    if 'inputCheck' in job:
        c = job['inputCheck']
        engine = np.asarray(c['engineInputs'], dtype=np.float32)
        mine = normalize(images[np.asarray(c['indices'])], scale, shift).numpy().reshape(-1)
        result['inputCheck'] = {'count': int(len(engine)), 'mismatches': int((mine != engine).sum()),
                                'maxAbsDiff': float(np.abs(mine - engine).max())}
    if 'maskCheck' in job:
        c = job['maskCheck']
        engine = np.frombuffer(bytes(c['engineKeep']), dtype=np.uint8).astype(bool)
        mine = keep_mask(c['seed'], c['step'], c['layer'], len(engine), c['p'])
        result['maskCheck'] = {'count': int(len(engine)), 'mismatches': int((mine != engine).sum()), 'kept': int(mine.sum())}
    write_safetensors(f'{job_dir}/final.safetensors', model.state_dict())
    write_safetensors(f'{job_dir}/final_float64.safetensors', model64.state_dict())
    json.dump(result, open(f'{job_dir}/result.json', 'w'))


if __name__ == '__main__':
    main()
