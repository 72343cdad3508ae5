// libFuzzer entry for the DEFLATE, zlib and gzip decoders: any input must decode or throw a
// DatasetError, within the output cap, never trap. Built by Scripts/fuzz.sh inflate.

@_cdecl("LLVMFuzzerTestOneInput")
public func inflateFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limit = 1 << 20
    if let result = try? Inflate.decompress(bytes, maximumOutputCount: limit) {
        precondition(result.output.count <= limit && result.endOffset <= bytes.count, "inflate broke its limits")
    }
    if let output = try? ZlibDecoder.decompress(bytes, maximumOutputCount: limit) {
        precondition(output.count <= limit && Adler32.checksum(output) == Adler32.checksum(output), "zlib broke its limit")
    }
    if let output = try? GzipDecoder.decompress(bytes, maximumOutputCount: limit) {
        precondition(output.count <= limit, "gzip broke its limit")
    }
    return 0
}
