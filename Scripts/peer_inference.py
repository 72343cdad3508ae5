#!/usr/bin/env python3
"""Inference timing of the PyTorch peer (../shared/peer/torch_rgflow.py) under torch.no_grad().

    python3 Scripts/peer_inference.py --peer ../shared/peer/torch_rgflow.py --preset cpu-small

encode: pixels -> latents (logit transform, the flow's forward); sample: prior latents at T = 1
-> pixels (the flow's inverse, written here because the peer has none, then the inverse logit).
Prints one JSON line: median seconds per batch of each, images per second, peak RSS (VmHWM).
"""
import argparse, importlib.util, json, math, time

import torch


def load_peer(path):
    spec = importlib.util.spec_from_file_location('torch_rgflow', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inverse_coupling(layer, y):
    # The forward's halves in reverse order: each half keeps m * y and undoes the affine map on im.
    for s_layer, t_layer in reversed(list(zip(layer.s_layers, layer.t_layers))):
        for m, im in ((layer.mask_right, layer.mask_left), (layer.mask_left, layer.mask_right)):
            my = m * y
            s = im * s_layer(my)
            t = im * t_layer(my)
            y = my + im * ((y - t) * torch.exp(-s))
    return y


def inverse_flow(flow, z):
    B, C, K = z.shape[0], flow.C, flow.K
    x = z
    for layer, (i, j) in reversed(list(zip(flow.layers, flow.index))):
        blocks = x[:, :, i, j]
        nb = blocks.shape[2]
        blocks = blocks.permute(0, 2, 1, 3).reshape(B * nb, C, K, K)
        blocks = inverse_coupling(layer, blocks)
        blocks = blocks.reshape(B, nb, C, K * K).permute(0, 2, 1, 3)
        x = x.clone()
        x[:, :, i, j] = blocks
    return x


def inverse_logit(y, constraint=0.9):
    return ((torch.sigmoid(y) * 2 - 1) / constraint + 1) / 2


def median_seconds(body, steps):
    body()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def peak_rss_mib():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--peer', required=True)
    parser.add_argument('--preset', default='cpu-small')
    parser.add_argument('--dtype', default='float32', choices=['float32', 'float64'])
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--check', action='store_true', help='print the round-trip error of encode and sample')
    a = parser.parse_args()
    peer = load_peer(a.peer)
    if a.dtype == 'float64':
        torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    cfg = dict(peer.PRESETS[a.preset])
    cfg['prior'] = 'laplace'
    flow = peer.build(cfg, checkpoint=False).eval()
    B, C, L = cfg['batch_size'], cfg['nchannels'], cfg['L']
    pixels = torch.rand(B, C, L, L)
    b = 1 / math.sqrt(2)
    z = torch.distributions.Laplace(0.0, b).sample((B, C, L, L)).to(pixels.dtype)
    with torch.no_grad():
        if a.check:
            # At initialisation the Scale layers are zero and the flow is the identity, which
            # would make the round trip exact whatever the inverse; perturb every parameter.
            for parameter in flow.parameters():
                parameter.add_(0.1 * torch.randn_like(parameter))
            x, _ = peer.logit_transform(pixels, dequant=False)
            print(json.dumps({'round_trip_max_error': (inverse_flow(flow, flow(x)[0]) - x).abs().max().item()}))
            return
        encode = median_seconds(lambda: flow(peer.logit_transform(pixels, dequant=False)[0]), a.steps)
        sample = median_seconds(lambda: inverse_logit(inverse_flow(flow, z)), a.steps)
    print(json.dumps({'peer': 'pytorch ' + torch.__version__, 'threads': torch.get_num_threads(), 'preset': a.preset,
                      'dtype': a.dtype, 'batch': B, 'encode_s_median': encode, 'sample_s_median': sample,
                      'peak_rss_mib': peak_rss_mib()}))


if __name__ == '__main__':
    main()
