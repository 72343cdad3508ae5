// Tensor: a strided view (shape, strides, offset) over copy-on-write storage.

/// An n-dimensional array of `Float` or `Double`: a shape, strides and an offset over shared,
/// copy-on-write storage.
///
/// Views (``permuted(_:)``, ``transposed()``, ``sliced(axis:start:end:step:)``,
/// ``expanded(to:)``, ``reshaped(_:)`` when the strides allow) share storage with their base
/// and copy nothing. A tensor is a value: writing through one tensor never changes another,
/// because mutation first copies storage that is shared.
///
/// Strides count elements, not bytes; a stride of 0 repeats an element along that axis
/// (broadcasting). Shape errors stop the program with a message naming the operation and the
/// shapes involved, as array index errors do.
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    // @unchecked: storage is a class, but every mutation goes through copy-on-write, so a
    // tensor shared between threads is only read.
    var storage: TensorStorage<Scalar>

    /// The extent of each axis, outermost first.
    public internal(set) var shape: [Int]

    /// The element step of each axis in storage (0 for a broadcast axis).
    public internal(set) var strides: [Int]

    /// The index in storage of the element at all-zero coordinates.
    public internal(set) var offset: Int

    init(storage: TensorStorage<Scalar>, shape: [Int], strides: [Int], offset: Int) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// Creates a contiguous tensor whose elements are not initialised; every element must be
    /// written before it is read.
    init(uninitializedShape shape: [Int]) {
        Tensor.validate(shape: shape, operation: "Tensor")
        let count = shape.reduce(1, *)
        self.init(storage: TensorStorage(uninitializedCount: count), shape: shape,
                  strides: Tensor.contiguousStrides(for: shape), offset: 0)
    }

    /// Creates a tensor of the given shape from its elements in row-major order.
    ///
    /// - Parameters:
    ///   - shape: the extent of each axis, e.g. `[batch, channels, height, width]`.
    ///   - scalars: `shape.reduce(1, *)` elements, last axis fastest.
    public init(shape: [Int], scalars: [Scalar]) {
        let count = shape.reduce(1, *)
        precondition(scalars.count == count,
                     "Tensor(shape:scalars:): shape \(shape) needs \(count) elements, got \(scalars.count)")
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { source in
            storage.base.update(from: source.baseAddress!, count: count)
        }
    }

    /// Creates a rank-0 tensor holding one value.
    public init(_ value: Scalar) {
        self.init(shape: [], scalars: [value])
    }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The number of elements (`shape.reduce(1, *)`; 1 for a rank-0 tensor).
    public var scalarCount: Int { shape.reduce(1, *) }

    /// Whether the elements lie in storage in row-major order without gaps, starting at
    /// `offset`.
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    static func validate(shape: [Int], operation: String) {
        precondition(shape.allSatisfy { $0 >= 0 }, "\(operation): negative extent in shape \(shape)")
    }
}

// MARK: - Element access

extension Tensor {
    func storageIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == rank,
                     "Tensor subscript: \(indices.count) indices for a tensor of shape \(shape)")
        var position = offset
        for axis in 0..<rank {
            let index = indices[axis]
            precondition(index >= 0 && index < shape[axis],
                         "Tensor subscript: index \(indices) out of range for shape \(shape)")
            position += index * strides[axis]
        }
        return position
    }

    /// The element at the given coordinates, one per axis.
    public subscript(_ indices: Int...) -> Scalar {
        get { storage.base[storageIndex(indices)] }
        set {
            makeUniqueContiguousIfShared()
            storage.base[storageIndex(indices)] = newValue
        }
    }

    /// The value of a tensor with exactly one element.
    public var scalar: Scalar {
        precondition(scalarCount == 1, "Tensor.scalar: tensor of shape \(shape) has \(scalarCount) elements")
        return storage.base[offset]
    }

    /// The elements in row-major order.
    public var scalars: [Scalar] {
        let dense = contiguous()
        return Array(UnsafeBufferPointer(start: dense.storage.base + dense.offset, count: dense.scalarCount))
    }

    /// Calls `body` with the elements in row-major order (copying first only when the tensor
    /// is not contiguous).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        let dense = contiguous()
        return try withExtendedLifetime(dense) {
            try body(UnsafeBufferPointer(start: dense.storage.base + dense.offset, count: dense.scalarCount))
        }
    }

    /// Calls `body` with mutable access to the elements in row-major order; the tensor is
    /// first made contiguous and unique, so writes affect only this tensor.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUniqueContiguous()
        return try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: scalarCount))
    }

    /// Ensures this tensor owns its storage alone and is dense, so kernels can write to it.
    mutating func makeUniqueContiguous() {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || hasBroadcastAxes {
            self = copied()
        }
    }

    /// Copy-on-write for single-element stores, which keep any strided layout.
    mutating func makeUniqueContiguousIfShared() {
        if !isKnownUniquelyReferenced(&storage) || hasBroadcastAxes {
            self = copied()
        }
    }

    /// Whether some element repeats (stride 0 on an axis longer than 1). An empty tensor
    /// repeats nothing: its row-major strides are 0 on the axes before a 0 extent, and
    /// counting those made `copied()` recurse forever on shapes such as [3, 0].
    var hasBroadcastAxes: Bool {
        scalarCount > 0 && zip(shape, strides).contains { $0.0 > 1 && $0.1 == 0 }
    }

    /// Pointer to the first element (at `offset`); valid while `self` is alive.
    var basePointer: UnsafeMutablePointer<Scalar> { storage.base + offset }
}

// MARK: - Description

extension Tensor: CustomStringConvertible {
    /// A short summary: dtype, shape and up to the first 8 elements.
    public var description: String {
        let values = scalars
        let shown = values.prefix(8).map { "\($0)" }.joined(separator: ", ")
        let more = values.count > 8 ? ", ..." : ""
        return "Tensor<\(Scalar.dtypeName)>\(shape) [\(shown)\(more)]"
    }
}
