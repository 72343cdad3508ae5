// libFuzzer entry for the PNG decoder: any input must decode to a consistent image or throw
// a DatasetError, never trap or allocate past the pixel cap. Built by Scripts/fuzz.sh png.

@_cdecl("LLVMFuzzerTestOneInput")
public func pngFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoder = PNGDecoder(maximumPixelCount: 1 << 20)
    if let image = try? decoder.decode(bytes) {
        precondition(image.width * image.height <= 1 << 20, "PNG decoder exceeded its pixel cap")
        precondition(image.samples.count == image.width * image.height * image.channels, "inconsistent PNG image")
        let maximum = UInt16((1 << image.bitDepth) - 1)
        precondition(image.samples.allSatisfy { $0 <= maximum }, "PNG sample above its bit depth")
        _ = image.planes(outputChannels: 3)
    }
    return 0
}
