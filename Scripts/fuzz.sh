#!/usr/bin/env bash
# Builds one libFuzzer target (the Datasets decoders, or the safetensors reader) and runs it
# for a given time. Usage: Scripts/fuzz.sh <inflate|png|jpeg|idx|safetensors> [seconds=300] [flags...]
set -euo pipefail

target="${1:?usage: Scripts/fuzz.sh <inflate|png|jpeg|idx|safetensors> [seconds] [libFuzzer flags...]}"
seconds="${2:-300}"
shift $(( $# >= 2 ? 2 : 1 ))

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/.build-fuzz"
formats="$root/Sources/Datasets/Formats"
fixtures="$root/Tests/DatasetsTests/Fixtures"
mkdir -p "$build"

max_len=65536
dictionary=()
case "$target" in
    inflate) entry=InflateFuzz.swift; seeds=("$fixtures"/deflate/*.zz "$fixtures"/deflate/*.gz "$fixtures"/deflate/*.deflate) ;;
    png) entry=PNGFuzz.swift; seeds=("$fixtures"/png/*.png) ;;
    jpeg) entry=JPEGFuzz.swift; seeds=("$fixtures"/jpeg/*.jpg) ;;
    idx) entry=ArrayFormatsFuzz.swift; seeds=("$fixtures"/idx/*-ubyte* "$fixtures"/cifar/*.bin) ;;
    safetensors)
        entry=SafetensorsFuzz.swift
        seeds=("$root"/Fuzz/Seeds/safetensors/*.safetensors)
        golden="${RGFLOW_GOLDEN_DIR:-$root/../shared/golden}"
        # Cut to max_len, the golden weights (110-285 kB) keep their whole headers (9-19 kB of
        # real names and shapes) for header mutations; whole, they would slow each run 20x.
        for file in "$golden"/*/weights.safetensors; do [[ -f "$file" ]] && seeds+=("$file"); done
        dictionary=(-dict="$root/Fuzz/safetensors.dict")
        ;;
    *) echo "unknown fuzz target '$target' (inflate, png, jpeg, idx, safetensors)" >&2; exit 2 ;;
esac

binary="$build/fuzz-$target"
quiet() { grep -v "Cannot export local symbol" >&2; }
if [[ "$target" == safetensors ]]; then
    # The reader imports Tensor: compile that module first (instrumented too, as the reader
    # writes into its storage), then the reader's files against it. Tensor is rebuilt only
    # when one of its sources is newer than the object.
    tensor="$build/tensor-module"
    mkdir -p "$tensor"
    tensor_sources=()
    while IFS= read -r file; do tensor_sources+=("$file"); done < <(find "$root/Sources/Tensor" -name '*.swift' | sort)
    if [[ ! -f "$tensor/Tensor.o" ]] || [[ -n "$(find "$root/Sources/Tensor" -name '*.swift' -newer "$tensor/Tensor.o")" ]]; then
        swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name Tensor -emit-module \
            -emit-module-path "$tensor/Tensor.swiftmodule" -c "${tensor_sources[@]}" -o "$tensor/Tensor.o" 2> >(quiet)
    fi
    # The reader, and the builder that rewrites what it read.
    sources=("$root"/Sources/RGFlow/Serialization/*.swift)
    swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name FuzzSafetensors -I "$tensor" \
        "${sources[@]}" "$root/Fuzz/$entry" "$tensor/Tensor.o" -o "$binary" 2> >(quiet)
else
    # The decoders and the error type only: no Tensor, no Foundation-heavy dataset code.
    sources=(
        "$formats"/Checksums.swift "$formats"/Inflate*.swift "$formats"/ZlibDecoder.swift "$formats"/GzipDecoder.swift
        "$formats"/PNGDecoder*.swift "$formats"/JPEG*.swift "$formats"/IDXReader.swift "$formats"/CIFARReader.swift
        "$formats"/DecodedImage.swift "$root"/Sources/Datasets/Datasets/DatasetError.swift
    )
    swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name FuzzDatasets \
        "${sources[@]}" "$root/Fuzz/$entry" -o "$binary" 2> >(quiet)
fi

corpus="$build/corpus-$target"
mkdir -p "$corpus"
if [[ "$target" == safetensors ]]; then
    # Several seeds share a file name (every golden case has weights.safetensors).
    for seed in "${seeds[@]}"; do
        [[ -f "$seed" ]] && cp -n "$seed" "$corpus/$(basename "$(dirname "$seed")")-$(basename "$seed")"
    done
else
    cp -n "${seeds[@]}" "$corpus"/ 2>/dev/null || true
fi

cd "$build"
# -rss_limit_mb bounds memory (a huge allocation is a finding); -timeout flags hangs.
exec "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -print_final_stats=1 "${dictionary[@]}" "$@"
