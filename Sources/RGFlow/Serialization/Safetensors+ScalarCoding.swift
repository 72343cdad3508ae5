// The byte loops between a safetensors data section (little-endian, possibly unaligned) and
// typed element buffers: one memcpy when the widths match, one tight convert loop otherwise.

import Foundation

extension Safetensors.DType {
    // Source buffers come from a file at any byte offset, so every typed read uses
    // `loadUnaligned`; the format is little-endian, so integers go through `littleEndian:` (a
    // no-op on little-endian hosts, a byte swap elsewhere).

    /// Decodes F32 or F64 bytes into Floats (F64 rounded to nearest).
    func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == destination.count * byteWidth, "DType.decode(_:into:) Float: byte count mismatch")
        switch self {
        case .float32:
            #if _endian(little)
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
            #else
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)
                destination[index] = Float(bitPattern: UInt32(littleEndian: bits))
            }
            #endif
        case .float64:
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
                destination[index] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
            }
        case .int32, .int64:
            preconditionFailure("DType.decode(_:into:) Float: integer dtype \(rawValue)")
        }
    }

    /// Decodes F32 or F64 bytes into Doubles (F32 widened exactly).
    func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Double>) {
        precondition(source.count == destination.count * byteWidth, "DType.decode(_:into:) Double: byte count mismatch")
        switch self {
        case .float64:
            #if _endian(little)
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
            #else
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
                destination[index] = Double(bitPattern: UInt64(littleEndian: bits))
            }
            #endif
        case .float32:
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)
                destination[index] = Double(Float(bitPattern: UInt32(littleEndian: bits)))
            }
        case .int32, .int64:
            preconditionFailure("DType.decode(_:into:) Double: integer dtype \(rawValue)")
        }
    }

    /// Decodes I32 or I64 bytes into Int64s (I32 sign-extended).
    func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Int64>) {
        precondition(source.count == destination.count * byteWidth, "DType.decode(_:into:) Int64: byte count mismatch")
        switch self {
        case .int64:
            #if _endian(little)
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
            #else
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
                destination[index] = Int64(bitPattern: UInt64(littleEndian: bits))
            }
            #endif
        case .int32:
            for index in destination.indices {
                let bits = source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)
                destination[index] = Int64(Int32(bitPattern: UInt32(littleEndian: bits)))
            }
        case .float32, .float64:
            preconditionFailure("DType.decode(_:into:) Int64: floating-point dtype \(rawValue)")
        }
    }
}

extension Safetensors {
    /// Calls `body` with `bytes` (native-endian elements of `elementWidth` bytes each) in
    /// little-endian order: the same memory on little-endian hosts, a byte-swapped copy elsewhere.
    static func withLittleEndianBytes<Result>(
        _ bytes: UnsafeRawBufferPointer, elementWidth: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        #if _endian(little)
        return try body(bytes)
        #else
        var swapped = [UInt8](bytes)
        for start in stride(from: 0, to: swapped.count, by: elementWidth) {
            swapped[start..<(start + elementWidth)].reverse()
        }
        return try swapped.withUnsafeBytes(body)
        #endif
    }
}
