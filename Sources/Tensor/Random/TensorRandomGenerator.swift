// A counter-based seeded generator: value i of a stream is a hash of (seed, i), so any
// thread can produce any part of a stream and the result never depends on the thread count.

/// A seeded, reproducible random number generator whose stream is addressable by position.
///
/// The i-th output is SplitMix64's output function applied to `key + i·γ` (γ the 64-bit
/// golden-ratio constant, `key` derived from the seed): the SplitMix64 sequence, which
/// passes BigCrush. Because each value depends only on (seed, position), tensor fills split
/// over threads give the same numbers as a single thread, and the generator's whole state is
/// two integers that a checkpoint can store.
public struct TensorRandomGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The seed this stream was created with.
    public let seed: UInt64
    /// How many 64-bit values have been drawn so far (the next value's position).
    public var position: UInt64

    /// Creates the stream for `seed`, at position 0 (or at `position` to resume one).
    public init(seed: UInt64, position: UInt64 = 0) {
        self.seed = seed
        self.position = position
    }

    var key: UInt64 { SplitMix64.finalize(seed &* SplitMix64.increment &+ 0x1234_5678_9ABC_DEF1) }

    /// The value at `index` of the stream with the given key.
    @inline(__always)
    static func value(key: UInt64, index: UInt64) -> UInt64 {
        SplitMix64.finalize(key &+ (index &+ 1) &* SplitMix64.increment)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = TensorRandomGenerator.value(key: key, index: position)
        position &+= 1
        return result
    }

    /// Reserves `count` consecutive stream positions and returns the first; fills use this to
    /// split a range over threads.
    mutating func reserve(_ count: Int) -> UInt64 {
        let start = position
        position &+= UInt64(count)
        return start
    }

    /// An independent stream derived from this generator's next value (for a worker or a
    /// sub-task that must not consume this stream's positions in a thread-dependent order).
    public mutating func split() -> TensorRandomGenerator {
        TensorRandomGenerator(seed: next())
    }
}
