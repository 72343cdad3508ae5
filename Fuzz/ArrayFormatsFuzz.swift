// libFuzzer entry for the MNIST IDX (raw and gzip) and CIFAR-10 readers: decode or throw,
// with sizes that agree with the headers. Built by Scripts/fuzz.sh idx.

@_cdecl("LLVMFuzzerTestOneInput")
public func arrayFormatsFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let array = try? IDXReader.decode(bytes) {
        precondition(array.bytes.count == array.dimensions.reduce(1, *), "IDX size disagrees with its dimensions")
    }
    if let batch = try? CIFARReader.decode(bytes) {
        precondition(batch.pixels.count == batch.count * 3072 && batch.labels.allSatisfy { $0 <= 9 }, "bad CIFAR batch")
    }
    return 0
}
