// A process-wide cache of freed tensor buffers, so a training loop that allocates the same
// sizes every step stops paying for fresh pages.
//
// glibc returns large freed blocks to the kernel, and every new 16 MiB activation then takes
// ~4000 page faults (measured: 2 ms of a 2.5 ms exp over 4M floats). Buffers are kept by size
// class and handed out again; a byte cap bounds what the cache holds.

import Foundation
import Synchronization

/// The tensor buffer cache. Thread-safe; its state is behind one lock.
public enum BufferPool {
    /// Buffers below this size go straight to malloc, which is fast for them.
    static let minimumPooledBytes = 1 << 16

    private struct State {
        // Addresses, not pointers: the lock's state must be Sendable.
        var free: [Int: [UInt]] = [:]
        var cachedBytes = 0
    }

    private static let state = Mutex(State())
    // Allocation accounting for one thread at a time (``measuringThisThread(_:)``): other
    // threads, such as a data loader, must not disturb what a measurement sees.
    private static let measuredThread = Atomic<UInt>(0)
    private static let measuredLive = Atomic<Int>(0)
    private static let measuredPeak = Atomic<Int>(0)

    /// Runs `body` while counting the tensor bytes this thread allocates and frees: inside it,
    /// ``measuredLiveBytes`` and ``measuredPeakBytes`` start at zero. One measurement at a
    /// time; a nested or concurrent call runs `body` without a measurement of its own.
    public static func measuringThisThread<T>(_ body: () throws -> T) rethrows -> T {
        let me = UInt(pthread_self())
        guard measuredThread.compareExchange(expected: 0, desired: me, ordering: .sequentiallyConsistent).exchanged else {
            return try body()
        }
        measuredLive.store(0, ordering: .relaxed)
        measuredPeak.store(0, ordering: .relaxed)
        defer { measuredThread.store(0, ordering: .sequentiallyConsistent) }
        return try body()
    }

    /// Inside ``measuringThisThread(_:)``: bytes this thread allocated minus those it freed.
    public static var measuredLiveBytes: Int { measuredLive.load(ordering: .relaxed) }

    /// Inside ``measuringThisThread(_:)``: the most ``measuredLiveBytes`` reached since the
    /// start or ``resetMeasuredPeak()``, what a computation held at once, independent of what
    /// malloc and the cache keep resident.
    public static var measuredPeakBytes: Int { measuredPeak.load(ordering: .relaxed) }

    /// Starts a new peak from ``measuredLiveBytes``.
    public static func resetMeasuredPeak() { measuredPeak.store(measuredLiveBytes, ordering: .relaxed) }

    @inline(__always)
    private static func account(_ bytes: Int) {
        let thread = measuredThread.load(ordering: .relaxed)
        guard thread != 0, thread == UInt(pthread_self()) else { return }
        let now = measuredLive.wrappingAdd(bytes, ordering: .relaxed).newValue
        if now > measuredPeak.load(ordering: .relaxed) { measuredPeak.store(now, ordering: .relaxed) }
    }

    /// The most bytes the cache holds: `RGFLOW_BUFFER_CACHE_MB` if set, else half the physical
    /// memory. A training step frees and reallocates its whole activation set (15 GB for the
    /// paper's network); a smaller cap sends most of it back to the kernel and refaults it
    /// every step (measured: 25.6 s instead of 17.5 s per paper-size step with a 2 GiB cap).
    public static let capacityBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["RGFLOW_BUFFER_CACHE_MB"], let megabytes = Int(text), megabytes >= 0 {
            return megabytes << 20
        }
        return Int(ProcessInfo.processInfo.physicalMemory / 2)
    }()

    /// Rounds up to a size class: 2^k · {4, 5, 6, 7} / 4, so at most 25% is wasted.
    static func sizeClass(_ bytes: Int) -> Int {
        let exponent = Int.bitWidth - (bytes - 1).leadingZeroBitCount  // 2^exponent >= bytes
        let quarter = Swift.max(1, (1 << exponent) / 8)
        return (bytes + quarter - 1) / quarter * quarter
    }

    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        account(byteCount)
        guard byteCount >= minimumPooledBytes else {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        }
        let size = sizeClass(byteCount)
        let reused = state.withLock { state -> UInt? in
            guard let address = state.free[size]?.popLast() else { return nil }
            state.cachedBytes -= size
            return address
        }
        if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return pointer }
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    }

    static func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        account(-byteCount)
        guard byteCount >= minimumPooledBytes else {
            pointer.deallocate()
            return
        }
        let size = sizeClass(byteCount)
        let address = UInt(bitPattern: pointer)
        let kept = state.withLock { state -> Bool in
            guard state.cachedBytes + size <= capacityBytes else { return false }
            state.free[size, default: []].append(address)
            state.cachedBytes += size
            return true
        }
        if !kept { pointer.deallocate() }
    }

    /// Returns every cached buffer to the system (e.g. before a memory measurement).
    public static func releaseCachedBuffers() {
        let buffers = state.withLock { state -> [UInt] in
            let all = state.free.values.flatMap { $0 }
            state.free = [:]
            state.cachedBytes = 0
            return all
        }
        for address in buffers { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// Bytes currently held in the cache (not in use by any tensor).
    public static var cachedBytes: Int { state.withLock { $0.cachedBytes } }
}
