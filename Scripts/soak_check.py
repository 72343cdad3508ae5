#!/usr/bin/env python3
"""Invariants of a training folder after kill -9 (used by Scripts/soak.sh; stdlib only).

checkpoints FOLDER   every *.safetensors parses and its data matches its CRC-32C
log LOG [REFERENCE]  every (epoch, batch) appears once, in order; with REFERENCE, the same
                     numbers line for line (times aside)
data A B             the data sections of two safetensors files are byte-identical (sha256)
"""
import hashlib, json, os, struct, sys

def crc32c_table():
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ 0x82F63B78 if value & 1 else value >> 1
        table.append(value)
    return table

TABLE = crc32c_table()

def crc32c(data):
    value = 0xFFFFFFFF
    for byte in data:
        value = TABLE[(value ^ byte) & 0xFF] ^ (value >> 8)
    return value ^ 0xFFFFFFFF

def read(path):
    with open(path, "rb") as file:
        blob = file.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    return header, blob[8 + length:]

def check_checkpoints(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".safetensors"))
    for name in names:
        header, data = read(os.path.join(folder, name))
        stored = header.get("__metadata__", {}).get("data_checksum")
        if stored != "crc32c:%08x" % crc32c(data):
            sys.exit(f"{folder}/{name}: data checksum {stored} does not match the data")
    temporaries = [n for n in os.listdir(folder) if n.endswith(".tmp")]
    print(f"{len(names)} checkpoints valid ({', '.join(names)}); {len(temporaries)} temporaries")

def parse(path):
    rows = []
    for line in open(path):
        parts = line.split()
        if len(parts) != 12 or parts[0] != "epoch":
            sys.exit(f"{path}: malformed line {line!r}")
        rows.append(((int(parts[1]), int(parts[3])), " ".join(parts[:10])))
    return rows

def check_log(path, reference=None):
    rows = parse(path)
    positions = [p for p, _ in rows]
    if len(set(positions)) != len(positions):
        sys.exit(f"{path}: {len(positions) - len(set(positions))} repeated lines")
    if positions != sorted(positions):
        sys.exit(f"{path}: lines out of order")
    if reference is not None and [t for _, t in rows] != [t for _, t in parse(reference)]:
        sys.exit(f"{path}: differs from {reference}")
    print(f"{len(rows)} log lines, each batch once" + (", equal to the uninterrupted run's" if reference else ""))

def check_data(a, b):
    first, second = hashlib.sha256(read(a)[1]).hexdigest(), hashlib.sha256(read(b)[1]).hexdigest()
    if first != second:
        sys.exit(f"final weights differ: {a} {first[:16]} vs {b} {second[:16]}")
    print(f"final weights identical (sha256 {first[:16]}…)")

if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"checkpoints": check_checkpoints, "log": check_log, "data": check_data}[command](*arguments)
