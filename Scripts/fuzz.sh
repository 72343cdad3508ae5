#!/usr/bin/env bash
# Builds one libFuzzer target from the Datasets decoders and runs it for a given time.
# Usage: Scripts/fuzz.sh <inflate|png|jpeg|idx> [seconds=300] [extra libFuzzer flags...]
set -euo pipefail

target="${1:?usage: Scripts/fuzz.sh <inflate|png|jpeg|idx> [seconds] [libFuzzer flags...]}"
seconds="${2:-300}"
shift $(( $# >= 2 ? 2 : 1 ))

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/.build-fuzz"
formats="$root/Sources/Datasets/Formats"
fixtures="$root/Tests/DatasetsTests/Fixtures"
mkdir -p "$build"

case "$target" in
    inflate) entry=InflateFuzz.swift; seeds=("$fixtures"/deflate/*.zz "$fixtures"/deflate/*.gz "$fixtures"/deflate/*.deflate) ;;
    png) entry=PNGFuzz.swift; seeds=("$fixtures"/png/*.png) ;;
    jpeg) entry=JPEGFuzz.swift; seeds=("$fixtures"/jpeg/*.jpg) ;;
    idx) entry=ArrayFormatsFuzz.swift; seeds=("$fixtures"/idx/*-ubyte* "$fixtures"/cifar/*.bin) ;;
    *) echo "unknown fuzz target '$target' (inflate, png, jpeg, idx)" >&2; exit 2 ;;
esac

# The decoders and the error type only: no Tensor, no Foundation-heavy dataset code.
sources=(
    "$formats"/Checksums.swift "$formats"/Inflate*.swift "$formats"/ZlibDecoder.swift "$formats"/GzipDecoder.swift
    "$formats"/PNGDecoder*.swift "$formats"/JPEG*.swift "$formats"/IDXReader.swift "$formats"/CIFARReader.swift
    "$formats"/DecodedImage.swift "$root"/Sources/Datasets/Datasets/DatasetError.swift
)
binary="$build/fuzz-$target"
swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name FuzzDatasets \
    "${sources[@]}" "$root/Fuzz/$entry" -o "$binary" 2> >(grep -v "Cannot export local symbol" >&2)

corpus="$build/corpus-$target"
mkdir -p "$corpus"
cp -n "${seeds[@]}" "$corpus"/ 2>/dev/null || true

cd "$build"
# -rss_limit_mb bounds memory (a huge allocation is a finding); -timeout flags hangs.
exec "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "$@"
