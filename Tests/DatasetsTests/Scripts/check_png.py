#!/usr/bin/env python3
"""Independent checks of the Swift PNG and deflate encoders, run by PNGEncoderTests.

Usage: check_png.py MANIFEST.json

The manifest is {"cases": [...]}; each case has a "name", a "kind" and paths:
  png:        "file" (the PNG), "raw" (expected samples, [height, width, channels] bytes),
              "width", "height", "color" ("gray", "rgb", "rgba"), optional "pillow": true
              to also decode with Pillow.
  zlib:       "file" (a zlib stream), "raw" (the expected inflated bytes).
  deflate:    "file" (a raw deflate stream), "raw".
  pil-rotate: "file" (an 8-bit gray PNG), "angle"; returns Pillow's
              Image.rotate(angle, resample=BICUBIC) samples as "pixels".
Prints {"results": [{"name", "ok", "error", ...}]} as JSON. Only the standard library is
needed (zlib, struct, json); Pillow only for the cases that ask for it.
"""

import json
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {"gray": 1, "rgb": 3, "rgba": 4}
COLOR_TYPES = {"gray": 0, "rgb": 2, "rgba": 6}
PILLOW_MODES = {"gray": "L", "rgb": "RGB", "rgba": "RGBA"}


def inflate_exactly(data, wbits):
    """Inflates a whole stream, insisting it ends exactly at the end of the data."""
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data)
    if not decompressor.eof:
        raise ValueError("stream is truncated (no final block)")
    if decompressor.unused_data:
        raise ValueError("%d bytes follow the end of the stream" % len(decompressor.unused_data))
    return out


def read_chunks(data):
    """Splits a PNG into (type, payload) pairs, verifying every CRC."""
    if data[:8] != SIGNATURE:
        raise ValueError("bad signature %r" % data[:8])
    chunks = []
    offset = 8
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError("truncated chunk header at byte %d" % offset)
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        payload = data[offset + 8:offset + 8 + length]
        if len(payload) != length:
            raise ValueError("chunk %r is truncated" % kind)
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        expected = zlib.crc32(kind + payload) & 0xFFFFFFFF
        if crc != expected:
            raise ValueError("chunk %r CRC %08x, expected %08x" % (kind, crc, expected))
        chunks.append((kind.decode("latin-1"), payload))
        offset += 12 + length
    return chunks


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def unfilter(data, width, height, channels):
    """Reverses PNG filtering (PNG spec section 9); returns samples and the filter types."""
    stride = width * channels
    if len(data) != height * (stride + 1):
        raise ValueError("inflated %d bytes, expected %d" % (len(data), height * (stride + 1)))
    out = bytearray()
    previous = bytearray(stride)
    filters = []
    for row in range(height):
        start = row * (stride + 1)
        kind = data[start]
        filters.append(kind)
        line = bytearray(data[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) // 2
            elif kind == 4:
                predictor = paeth(a, b, c)
            else:
                raise ValueError("row %d has filter type %d" % (row, kind))
            line[i] = (line[i] + predictor) & 0xFF
        out += line
        previous = line
    return bytes(out), filters


def check_png(case):
    data = open(case["file"], "rb").read()
    expected = open(case["raw"], "rb").read()
    chunks = read_chunks(data)
    kinds = [kind for kind, _ in chunks]
    if kinds[0] != "IHDR" or kinds[-1] != "IEND" or chunks[-1][1]:
        raise ValueError("chunk order %s" % kinds)
    idat_positions = [i for i, kind in enumerate(kinds) if kind == "IDAT"]
    if not idat_positions or idat_positions != list(range(idat_positions[0], idat_positions[-1] + 1)):
        raise ValueError("IDAT chunks missing or not consecutive: %s" % kinds)
    header = chunks[0][1]
    if len(header) != 13:
        raise ValueError("IHDR has %d bytes" % len(header))
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", header)
    wanted = (case["width"], case["height"], 8, COLOR_TYPES[case["color"]], 0, 0, 0)
    if (width, height, depth, color, compression, filtering, interlace) != wanted:
        raise ValueError("IHDR %s, expected %s" % ((width, height, depth, color, compression, filtering, interlace), wanted))
    stream = b"".join(payload for kind, payload in chunks if kind == "IDAT")
    if (stream[0] * 256 + stream[1]) % 31 != 0 or stream[0] & 0x0F != 8:
        raise ValueError("bad zlib header %02x %02x" % (stream[0], stream[1]))
    samples, filters = unfilter(inflate_exactly(stream, 15), width, height, CHANNELS[case["color"]])
    if samples != expected:
        first = next(i for i in range(min(len(samples), len(expected))) if samples[i] != expected[i])
        raise ValueError("sample %d is %d, expected %d" % (first, samples[first], expected[first]))
    result = {"filters": sorted(set(filters)), "idatChunks": len(idat_positions)}
    if case.get("pillow"):
        from PIL import Image
        with Image.open(case["file"]) as image:
            image.load()
            if image.mode != PILLOW_MODES[case["color"]] or image.size != (width, height):
                raise ValueError("Pillow reads mode %s size %s" % (image.mode, image.size))
            if image.tobytes() != expected:
                raise ValueError("Pillow decodes different samples")
        result["pillow"] = True
    return result


def check_stream(case, wbits):
    data = open(case["file"], "rb").read()
    expected = open(case["raw"], "rb").read()
    inflated = inflate_exactly(data, wbits)
    if inflated != expected:
        raise ValueError("inflated %d bytes differ from the %d expected" % (len(inflated), len(expected)))
    return {}


def pil_rotate(case):
    from PIL import Image
    with Image.open(case["file"]) as image:
        rotated = image.rotate(case["angle"], resample=Image.Resampling.BICUBIC)
        return {"pixels": list(rotated.tobytes())}


def main():
    manifest = json.load(open(sys.argv[1]))
    results = []
    for case in manifest["cases"]:
        result = {"name": case["name"], "ok": True, "error": ""}
        try:
            if case["kind"] == "png":
                result.update(check_png(case))
            elif case["kind"] == "zlib":
                result.update(check_stream(case, 15))
            elif case["kind"] == "deflate":
                result.update(check_stream(case, -15))
            elif case["kind"] == "pil-rotate":
                result.update(pil_rotate(case))
            else:
                raise ValueError("unknown kind %r" % case["kind"])
        except Exception as error:  # report every failure, keep checking the others
            result["ok"] = False
            result["error"] = "%s: %s" % (type(error).__name__, error)
        results.append(result)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
