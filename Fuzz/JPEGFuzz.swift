// libFuzzer entry for the baseline JPEG decoder: any input must decode to a consistent image
// or throw a DatasetError, never trap or hang. Built by Scripts/fuzz.sh jpeg.

@_cdecl("LLVMFuzzerTestOneInput")
public func jpegFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoder = JPEGDecoder(maximumPixelCount: 1 << 20)
    if let image = try? decoder.decode(bytes) {
        precondition(image.width * image.height <= 1 << 20, "JPEG decoder exceeded its pixel cap")
        precondition(image.samples.count == image.width * image.height * image.channels, "inconsistent JPEG image")
        precondition(image.samples.allSatisfy { $0 <= 255 }, "JPEG sample above 255")
    }
    return 0
}
