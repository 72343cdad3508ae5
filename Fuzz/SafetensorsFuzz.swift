// libFuzzer entry for the safetensors reader: any input must parse into a consistent file or
// throw a SafetensorsError; every tensor of a parsed file must read back, and rewriting it
// with the builder must give an equal file. Built by Scripts/fuzz.sh safetensors.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func safetensorsFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    let file: Safetensors
    do {
        file = try Safetensors(bytes: bytes, file: "fuzz")
    } catch is SafetensorsError {
        return 0
    } catch {
        preconditionFailure("the reader threw \(type(of: error)), not a SafetensorsError")
    }
    if let checksum = file.dataChecksum {
        // The reader verified it; recomputing here checks that it verified the right bytes.
        let dataStart = size - file.tensorInfos.reduce(0) { $0 + $1.dataOffsets.count }
        let found = bytes[dataStart...].withUnsafeBytes { CRC32C.checksum(of: $0) }
        precondition(Safetensors.parseChecksum(checksum) == found, "accepted data whose checksum differs")
    }
    // The builder writes I32 as I64, so only files without I32 can come back equal.
    var rewritten: SafetensorsBuilder? = SafetensorsBuilder(metadata: file.metadata)
    for info in file.tensorInfos {
        precondition(info.dataOffsets.count == info.scalarCount * info.dtype.byteWidth, "byte count disagrees with shape")
        guard (try? file.rawBytes(named: info.name))?.count == info.dataOffsets.count else {
            preconditionFailure("raw bytes of \(info.name) unreadable or of the wrong size")
        }
        if info.dtype.isFloatingPoint {
            guard let floats = try? file.tensor(named: info.name, as: Float.self),
                  let doubles = try? file.tensor(named: info.name, as: Double.self)
            else { preconditionFailure("floating-point tensor \(info.name) did not read") }
            precondition(floats.shape == info.shape && doubles.shape == info.shape, "tensor shape differs from header")
            precondition(floats.scalars.count == info.scalarCount && doubles.scalars.count == info.scalarCount,
                         "tensor element count differs from header")
            precondition((try? file.integers(named: info.name)) == nil, "a float tensor read as integers")
            if info.dtype == .float32 {
                try! rewritten?.add(floats, named: info.name)
            } else {
                try! rewritten?.add(doubles, named: info.name)
            }
        } else {
            guard let integers = try? file.integers(named: info.name) else {
                preconditionFailure("integer tensor \(info.name) did not read")
            }
            precondition(integers.shape == info.shape && integers.scalars.count == info.scalarCount,
                         "integer tensor disagrees with header")
            precondition((try? file.tensor(named: info.name, as: Double.self)) == nil, "an integer tensor read as Double")
            if info.dtype == .int64 {
                try! rewritten?.add(integers: integers.scalars, shape: integers.shape, named: info.name)
            } else {
                rewritten = nil
            }
        }
    }
    if let rewritten {
        let bytes = try! rewritten.serialized()
        precondition(try! Safetensors(bytes: bytes) == file, "rewriting the file changed it")
    }
    return 0
}
