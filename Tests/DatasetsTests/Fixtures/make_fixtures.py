#!/usr/bin/env python3
"""Writes the DatasetsTests fixtures: small files in every format the Datasets module reads,
made by independent encoders (Pillow's PNG/JPEG writers, Python's zlib/gzip, numpy), and the
values the decoders must reproduce, taken from Pillow's own decoding of the same files.

Run once from this folder (python3 make_fixtures.py; needs `pip install pillow numpy`); the
outputs are committed. Re-running rewrites them identically (fixed seeds, fixed encoders up
to the Pillow/libjpeg-turbo version: Pillow 13.0.0, numpy 2.4.6 made the committed files).

manifest.json lists every image fixture with its size and the raw file of expected samples
(uint8, or big-endian uint16 for 16-bit images) in [height, width, channels] order.
"""
import gzip
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240601)
manifest = {"png": [], "jpeg": []}


def path(*parts):
    full = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def smooth_image(height, width, channels, noise=12.0, seed=0):
    """A photograph-like test card: gradients, a few sinusoids and some noise."""
    local = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        base = 128 + 70 * np.sin(x / (5.0 + 3 * c) + c) * np.cos(y / (7.0 + c))
        base += 40 * (x / max(width - 1, 1) - 0.5) + 30 * (y / max(height - 1, 1) - 0.5) * (c - 1)
        base += local.normal(0, noise, size=(height, width))
        planes.append(base)
    return np.clip(np.stack(planes, axis=-1), 0, 255).round().astype(np.uint8)


def pillow_pixels(file, mode=None):
    image = Image.open(file)
    if mode is not None:
        image = image.convert(mode)
    return np.array(image)


def record(kind, name, array, bit_depth):
    """Writes the expected samples of fixture `name` and adds it to the manifest."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[:, :, None]
    height, width, channels = array.shape
    expected = name + ".expected"
    if bit_depth == 16:
        data = array.astype(">u2").tobytes()
    else:
        data = array.astype(np.uint8).tobytes()
    with open(path(kind, expected), "wb") as handle:
        handle.write(data)
    manifest[kind].append({"file": name, "expected": expected, "width": width, "height": height,
                           "channels": channels, "bitDepth": bit_depth})


# ------------------------------------------------ zlib, raw DEFLATE and gzip, Python's zlib
def write_deflate_streams():
    words = [b"renormalization", b"group", b"flow", b"image", b"the", b"of", b"MERA", b"bijective", b"\n"]
    text = b" ".join(words[i] for i in rng.integers(0, len(words), size=3000))
    noise = rng.integers(0, 256, size=66000, dtype=np.uint8).tobytes()  # incompressible: stored blocks
    run = b"a" * 40000 + b"b" * 3 + b"a" * 300  # distance-1 copies overlapping their own output
    sources = {"text": text, "noise": noise, "run": run, "empty": b""}
    for name, data in sources.items():
        with open(path("deflate", f"{name}.raw"), "wb") as handle:
            handle.write(data)
        for level in (0, 1, 9):
            if (name == "noise") != (level == 0):
                continue  # noise only stored (level 0, over 65535 bytes: several blocks); the rest compressed
            with open(path("deflate", f"{name}.level{level}.zz"), "wb") as handle:
                handle.write(zlib.compress(data, level))
        if name == "noise":
            continue
        fixed = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_FIXED)
        with open(path("deflate", f"{name}.fixed.zz"), "wb") as handle:
            handle.write(fixed.compress(data) + fixed.flush())
        raw = zlib.compressobj(6, zlib.DEFLATED, -15)
        with open(path("deflate", f"{name}.deflate"), "wb") as handle:
            handle.write(raw.compress(data) + raw.flush())
    # gzip: two members (the second with a file name), and a member with a header CRC.
    member1 = gzip.compress(text[:10000], mtime=0)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="second.txt", mode="wb", fileobj=buffer, mtime=0) as handle:
        handle.write(text[10000:])
    with open(path("deflate", "text.two-members.gz"), "wb") as handle:
        handle.write(member1 + buffer.getvalue())
    header = bytes([0x1F, 0x8B, 8, 0x02 | 0x10, 0, 0, 0, 0, 0, 255]) + b"a comment\0"
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = body.compress(run) + body.flush()
    trailer = struct.pack("<II", zlib.crc32(run) & 0xFFFFFFFF, len(run))
    with open(path("deflate", "run.header-crc.gz"), "wb") as handle:
        handle.write(header + payload + trailer)


# ---------------------------------------------------------------- PNG, Pillow's encoder
def pillow_png(name, image, expected_mode=None, **options):
    file = path("png", name)
    image.save(file, "PNG", **options)
    return file


def write_pillow_pngs():
    rgb = smooth_image(23, 31, 3, seed=1)
    gray = smooth_image(17, 13, 1, seed=2)[:, :, 0]
    alpha = smooth_image(17, 13, 1, seed=3)[:, :, 0]
    rgba = np.dstack([rgb, smooth_image(23, 31, 1, seed=4)])
    for name, image, mode in [
        ("pillow_gray8.png", Image.fromarray(gray), None),
        ("pillow_gray_alpha8.png", Image.merge("LA", [Image.fromarray(gray), Image.fromarray(alpha)]), None),
        ("pillow_rgb8.png", Image.fromarray(rgb), None),
        ("pillow_rgba8.png", Image.fromarray(rgba), None),
        ("pillow_gray1.png", Image.fromarray(gray > 128), "L"),
    ]:
        file = pillow_png(name, image)
        record("png", name, pillow_pixels(file, mode), 8)
    # 16-bit gray: Pillow keeps all 16 bits (mode I;16).
    gray16 = (rng.integers(0, 65536, size=(9, 11))).astype(np.uint16)
    file = pillow_png("pillow_gray16.png", Image.fromarray(gray16))
    decoded = pillow_pixels(file)
    assert np.array_equal(decoded.astype(np.uint16), gray16)
    record("png", "pillow_gray16.png", decoded, 16)
    # Palette, with and without transparency, and a 4-bit palette.
    palette_image = Image.fromarray(rgb).quantize(colors=40, method=Image.Quantize.MEDIANCUT)
    file = pillow_png("pillow_palette8.png", palette_image)
    record("png", "pillow_palette8.png", pillow_pixels(file, "RGB"), 8)
    small = Image.fromarray(rgb).quantize(colors=12)
    file = pillow_png("pillow_palette4.png", small, bits=4)
    assert Image.open(file).info.get("transparency") is None
    record("png", "pillow_palette4.png", pillow_pixels(file, "RGB"), 8)
    file = pillow_png("pillow_palette_trns.png", small, transparency=bytes([0, 128, 255] + [200] * 5))
    record("png", "pillow_palette_trns.png", pillow_pixels(file, "RGBA"), 8)


# ------------------------------------------- PNG, a direct encoder for filters and Adam7
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, bit_depth):
    """[h, w, c] integers -> list of packed row bytes (MSB first; 16-bit big-endian)."""
    rows = []
    for row in samples:
        flat = row.reshape(-1)
        if bit_depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per_byte = 8 // bit_depth
            padded = np.zeros(-(-len(flat) // per_byte) * per_byte, dtype=np.int64)
            padded[: len(flat)] = flat
            packed = np.zeros(len(padded) // per_byte, dtype=np.int64)
            for k in range(per_byte):
                packed = (packed << bit_depth) | padded[k::per_byte]
            rows.append(packed.astype(np.uint8).tobytes())
    return rows


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, previous, bpp):
    out = bytearray(len(row))
    for i, value in enumerate(row):
        left = row[i - bpp] if i >= bpp else 0
        up = previous[i]
        up_left = previous[i - bpp] if i >= bpp else 0
        predictor = [0, left, up, (left + up) // 2, paeth(left, up, up_left)][kind]
        out[i] = (value - predictor) % 256
    return bytes([kind]) + bytes(out)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def direct_png(name, samples, bit_depth, color_type, interlace=False, palette=None, trns=None, idat_pieces=1,
               level=6):
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    height, width, channels = samples.shape
    bpp = max(1, channels * bit_depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    row_number = 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        packed = pack_rows(sub, bit_depth)
        previous = bytes(len(packed[0]))
        for row in packed:
            raw += filter_row(row_number % 5, row, previous, bpp)  # every filter type in turn
            previous = row
            row_number += 1
    compressed = zlib.compress(raw, level)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    step = -(-len(compressed) // idat_pieces)
    for start in range(0, len(compressed), step):
        out += chunk(b"IDAT", compressed[start:start + step])
    out += chunk(b"IEND", b"")
    file = path("png", name)
    with open(file, "wb") as handle:
        handle.write(out)
    return file


def write_direct_pngs():
    rgb = smooth_image(19, 21, 3, seed=5)
    file = direct_png("filters_rgb8.png", rgb, 8, 2, idat_pieces=3)
    assert np.array_equal(pillow_pixels(file), rgb)
    record("png", "filters_rgb8.png", pillow_pixels(file), 8)
    file = direct_png("adam7_rgb8.png", rgb, 8, 2, interlace=True)
    assert np.array_equal(pillow_pixels(file), rgb)
    record("png", "adam7_rgb8.png", pillow_pixels(file), 8)
    tiny = smooth_image(3, 2, 3, seed=6)  # smaller than an Adam7 tile: some passes are empty
    file = direct_png("adam7_tiny_rgb8.png", tiny, 8, 2, interlace=True)
    record("png", "adam7_tiny_rgb8.png", pillow_pixels(file), 8)
    for depth in (1, 2, 4):
        levels = rng.integers(0, 1 << depth, size=(11, 13))
        scaled = levels * (255 // ((1 << depth) - 1))
        for interlace in (False, True):
            name = f"{'adam7_' if interlace else 'filters_'}gray{depth}.png"
            file = direct_png(name, levels, depth, 0, interlace=interlace)
            decoded = pillow_pixels(file, "L")
            assert np.array_equal(decoded, scaled), name
            record("png", name, decoded, 8)
        palette = rng.integers(0, 256, size=(1 << depth, 3))
        indices = rng.integers(0, 1 << depth, size=(7, 9))
        name = f"filters_palette{depth}.png"
        file = direct_png(name, indices, depth, 3, palette=palette, trns=[90, 255][: 1 << depth])
        decoded = pillow_pixels(file, "RGBA")
        assert np.array_equal(decoded[:, :, :3], palette[indices]), name
        record("png", name, decoded, 8)
    # 16-bit colour: Pillow reduces these to 8 bits, so the expectation is the encoded
    # source itself (the test also checks the high bytes against Pillow's 8-bit decode).
    for name, channels, color_type in [("filters_rgb16.png", 3, 2), ("adam7_rgba16.png", 4, 6),
                                       ("filters_gray_alpha16.png", 2, 4)]:
        source = rng.integers(0, 65536, size=(6, 10, channels)).astype(np.uint16)
        file = direct_png(name, source, 16, color_type, interlace=name.startswith("adam7"))
        high_bytes = pillow_pixels(file)
        if color_type == 4:  # Pillow opens 16-bit gray + alpha as RGBA with R = G = B
            high_bytes = high_bytes[:, :, [0, 3]]
        assert np.array_equal(high_bytes.reshape(source.shape), (source >> 8).astype(np.uint8)), name
        with open(path("png", name + ".pillow8"), "wb") as handle:
            handle.write(high_bytes.astype(np.uint8).tobytes())
        record("png", name, source, 16)
    gray_alpha = smooth_image(8, 9, 2, seed=7)
    file = direct_png("filters_gray_alpha8.png", gray_alpha, 8, 4, level=0)  # stored deflate blocks
    record("png", "filters_gray_alpha8.png", pillow_pixels(file), 8)


# ---------------------------------------------------------------- JPEG, Pillow's encoder
def write_jpegs():
    cases = [
        ("gray_q90.jpg", smooth_image(29, 37, 1, seed=8)[:, :, 0], "L", {"quality": 90}),
        ("rgb444_q90.jpg", smooth_image(29, 37, 3, seed=9), "RGB", {"quality": 90, "subsampling": 0}),
        ("rgb422_q85.jpg", smooth_image(29, 37, 3, seed=10), "RGB", {"quality": 85, "subsampling": 1}),
        ("rgb420_q75.jpg", smooth_image(29, 37, 3, seed=11), "RGB", {"quality": 75, "subsampling": 2}),
        ("rgb420_restart.jpg", smooth_image(40, 51, 3, seed=12), "RGB",
         {"quality": 80, "subsampling": 2, "restart_marker_blocks": 3}),
        ("gray_restart.jpg", smooth_image(21, 30, 1, seed=13)[:, :, 0], "L",
         {"quality": 80, "restart_marker_rows": 1}),
        ("rgb420_optimized.jpg", smooth_image(24, 24, 3, seed=14), "RGB",
         {"quality": 95, "subsampling": 2, "optimize": True}),
        ("rgb420_tiny.jpg", smooth_image(3, 5, 3, seed=15), "RGB", {"quality": 90, "subsampling": 2}),
        ("celeba_like.jpg", smooth_image(218, 178, 3, noise=6, seed=16), "RGB", {"quality": 90}),
    ]
    for name, array, _, options in cases:
        file = path("jpeg", name)
        Image.fromarray(array).save(file, "JPEG", **options)
        record("jpeg", name, pillow_pixels(file), 8)
    # Valid files in features the decoder rejects as unsupported.
    Image.fromarray(smooth_image(16, 16, 3, seed=17)).save(path("jpeg", "progressive.jpg"), "JPEG",
                                                                  progressive=True)
    Image.fromarray(smooth_image(16, 16, 3, seed=18)).convert("CMYK").save(path("jpeg", "cmyk.jpg"), "JPEG")


# ------------------------------------------------------------- IDX and CIFAR, with numpy
def write_idx_and_cifar():
    images = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=4, dtype=np.uint8)
    header = struct.pack(">IIII", 0x00000803, 4, 28, 28)
    with open(path("idx", "images-idx3-ubyte"), "wb") as handle:
        handle.write(header + images.tobytes())
    with gzip.GzipFile(path("idx", "images-idx3-ubyte.gz"), "wb", mtime=0) as handle:
        handle.write(header + images.tobytes())
    with open(path("idx", "labels-idx1-ubyte"), "wb") as handle:
        handle.write(struct.pack(">II", 0x00000801, 4) + labels.tobytes())
    padded = np.zeros((4, 1, 32, 32), dtype=np.float32)
    padded[:, 0, 2:30, 2:30] = images / np.float32(255)
    padded.astype("<f4").tofile(path("idx", "images-padded32.f32"))
    labels.tofile(path("idx", "labels.expected"))

    records = rng.integers(0, 256, size=(3, 3073), dtype=np.uint8)
    records[:, 0] = [3, 0, 9]
    records.tofile(path("cifar", "data_batch_1.bin"))
    (records[:, 1:].reshape(3, 3, 32, 32) / np.float32(255)).astype("<f4").tofile(path("cifar", "images.f32"))


# ----------------------------------------- transforms and dataset folders, with numpy
def area_matrix(source, target):
    """Rows: output pixels; entries: the fraction of each input pixel an output pixel covers."""
    scale = source / target
    matrix = np.zeros((target, source))
    for i in range(target):
        start, end = i * scale, (i + 1) * scale
        for j in range(int(np.floor(start)), int(np.ceil(end))):
            overlap = min(end, j + 1) - max(start, j)
            if overlap > 0:
                matrix[i, j] = overlap / scale
    return matrix


def crop_resize(pixels, crop, size):
    """Centre crop (torchvision's rounding) then area averaging, as [C, L, L] floats in [0, 1]."""
    height, width = pixels.shape[:2]
    top = int(round((height - crop) / 2.0))
    left = int(round((width - crop) / 2.0))
    cropped = pixels[top:top + crop, left:left + crop].astype(np.float64) / 255.0
    rows, cols = area_matrix(crop, size), area_matrix(crop, size)
    return np.stack([rows @ cropped[:, :, c] @ cols.T for c in range(cropped.shape[2])]).astype(np.float32)


def write_dataset_folders():
    # Transform reference: a lossless 178x218 input, crop 148, resize 32.
    card = smooth_image(218, 178, 3, seed=19)
    Image.fromarray(card).save(path("transforms", "card_178x218.png"))
    crop_resize(card, 148, 32).astype("<f4").tofile(path("transforms", "card_crop148_resize32.f32"))

    # CelebA layout: three aligned images, the official partition file (0 train, 1 valid, 2 test).
    names = ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"]
    splits = [0, 0, 1, 2]
    expected = []
    for index, name in enumerate(names):
        file = path("celeba", "img_align_celeba", name)
        Image.fromarray(smooth_image(218, 178, 3, noise=4, seed=30 + index)).save(file, "JPEG", quality=90)
        expected.append(crop_resize(pillow_pixels(file), 148, 32))
    with open(path("celeba", "list_eval_partition.txt"), "w") as handle:
        handle.writelines(f"{name} {split}\n" for name, split in zip(names, splits))
    np.stack(expected).astype("<f4").tofile(path("celeba", "expected_crop148_resize32.f32"))

    # A chair-like image (600x600 JPEG): crop 300, resize 32.
    file = path("chair", "chair.jpg")
    Image.fromarray(smooth_image(600, 600, 3, noise=3, seed=40)).save(file, "JPEG", quality=75)
    crop_resize(pillow_pixels(file), 300, 32).astype("<f4").tofile(path("chair", "chair_crop300_resize32.f32"))

    # An MSDS folder as `rgflow generate-msds` writes it.
    for split, count in [("train", 3), ("test", 2)]:
        pixels = []
        for index in range(count):
            image = smooth_image(32, 32, 3, noise=30, seed=50 + index + (10 if split == "test" else 0))
            Image.fromarray(image).save(path("msds", split, "0", f"{index:05d}.png"))
            pixels.append(image.transpose(2, 0, 1) / np.float32(255))
        with open(path("msds", split, "labels.csv"), "w") as handle:
            handle.write("image,ellipse,x,y,angle,r,g,b\n")
            for index in range(count):
                for ellipse in range(16):
                    handle.write(f"{index},{ellipse},{ellipse % 4 * 8 + 4},{ellipse // 4 * 8 + 4},45.0,100,150,200\n")
        np.stack(pixels).astype("<f4").tofile(path("msds", f"{split}_expected.f32"))


if __name__ == "__main__":
    write_deflate_streams()
    write_pillow_pngs()
    write_direct_pngs()
    write_jpegs()
    write_idx_and_cifar()
    write_dataset_folders()
    with open(path("manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("fixtures written:", sum(len(v) for v in manifest.values()), "images in the manifest")
