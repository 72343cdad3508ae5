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
        /// Pooled buffers handed out and not yet returned (size-class bytes).
        var liveBytes = 0
        /// Live plus cached bytes of pooled buffers may not exceed this (``limitResidentBytes(to:)``).
        var residentLimit = Int.max

        /// Takes cached buffers, largest first, until live + cached fits the limit.
        mutating func evict() -> [(UInt, Int)] {
            var evicted: [(UInt, Int)] = []
            while liveBytes + cachedBytes > residentLimit, let size = free.keys.max() {
                // An emptied size class is removed where it empties, but stay safe if one is left.
                guard let address = free[size]?.popLast() else {
                    free[size] = nil
                    continue
                }
                if free[size]?.isEmpty == true { free[size] = nil }
                cachedBytes -= size
                evicted.append((address, size))
            }
            return evicted
        }
    }

    /// Bounds what the pool holds, in use and cached together, by `bytes` (nil: no bound but
    /// ``capacityBytes`` on the cache): a freed buffer that would pass it is returned to the
    /// system, and a new one evicts cached buffers first. A memory budget needs this: the cache
    /// would otherwise keep buffers of sizes the next step does not ask for.
    public static func limitResidentBytes(to bytes: Int?) {
        let evicted = state.withLock { state -> [(UInt, Int)] in
            state.residentLimit = bytes ?? Int.max
            return state.evict()
        }
        for (address, size) in evicted { systemDeallocate(address, size) }
    }

    private static let state = Mutex(State())
    // Allocation accounting per measuring thread (``measuringThisThread(_:)``): other
    // threads, such as a data loader or a parallel test, must not disturb what one sees.
    private struct Counter: Sendable { var live = 0, peak = 0 }
    private static let activeMeasurements = Atomic<Int>(0)
    private static let counters = Mutex([UInt: Counter]())

    /// Runs `body` while counting the tensor bytes this thread allocates and frees: inside it,
    /// ``measuredLiveBytes`` and ``measuredPeakBytes`` start at zero. Threads measure
    /// independently; a nested call on the same thread continues the outer measurement.
    public static func measuringThisThread<T>(_ body: () throws -> T) rethrows -> T {
        let me = UInt(pthread_self())
        let started = counters.withLock { table -> Bool in
            guard table[me] == nil else { return false }
            table[me] = Counter()
            return true
        }
        guard started else { return try body() }
        activeMeasurements.wrappingAdd(1, ordering: .sequentiallyConsistent)
        defer {
            activeMeasurements.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            _ = counters.withLock { $0.removeValue(forKey: me) }
        }
        return try body()
    }

    /// Inside ``measuringThisThread(_:)``: bytes this thread allocated minus those it freed.
    public static var measuredLiveBytes: Int { counters.withLock { $0[UInt(pthread_self())]?.live ?? 0 } }

    /// Inside ``measuringThisThread(_:)``: the most ``measuredLiveBytes`` reached since the
    /// start or ``resetMeasuredPeak()``, what a computation held at once, independent of what
    /// malloc and the cache keep resident.
    public static var measuredPeakBytes: Int { counters.withLock { $0[UInt(pthread_self())]?.peak ?? 0 } }

    /// Starts a new peak from ``measuredLiveBytes``.
    public static func resetMeasuredPeak() {
        let me = UInt(pthread_self())
        counters.withLock { table in table[me].map { table[me]!.peak = $0.live } }
    }

    @inline(__always)
    private static func account(_ bytes: Int) {
        guard activeMeasurements.load(ordering: .relaxed) > 0 else { return }
        let me = UInt(pthread_self())
        counters.withLock { table in
            guard var counter = table[me] else { return }
            counter.live += bytes
            counter.peak = Swift.max(counter.peak, counter.live)
            table[me] = counter
        }
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

    /// A pooled buffer from the system: mapped on its own, so returning it gives its pages back.
    /// (glibc serves blocks up to a moving threshold of 32 MiB from its heap, and a freed heap
    /// block stays resident: a paper-size step under an 8 GiB limit peaked at 9.1 GiB with
    /// 4.5 GiB resident between steps.)
    private static func systemAllocate(_ size: Int) -> UnsafeMutableRawPointer {
        guard let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              pointer != MAP_FAILED else {
            fatalError("BufferPool: the system refused \(size) bytes (out of memory)")
        }
        return pointer
    }

    private static func systemDeallocate(_ address: UInt, _ size: Int) {
        if let pointer = UnsafeMutableRawPointer(bitPattern: address) { munmap(pointer, size) }
    }

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
        let (reused, evicted) = state.withLock { state -> (UInt?, [(UInt, Int)]) in
            state.liveBytes += size
            if let address = state.free[size]?.popLast() {
                // An empty class left behind would end an eviction early (it stops at the
                // largest class), leaving buffers past the resident limit cached.
                if state.free[size]?.isEmpty == true { state.free[size] = nil }
                state.cachedBytes -= size
                return (address, [])
            }
            return (nil, state.evict())
        }
        for (address, size) in evicted { systemDeallocate(address, size) }
        if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return pointer }
        return systemAllocate(size)
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
            state.liveBytes -= size
            guard state.cachedBytes + size <= capacityBytes, state.liveBytes + state.cachedBytes + size <= state.residentLimit
            else { return false }
            state.free[size, default: []].append(address)
            state.cachedBytes += size
            return true
        }
        if !kept { systemDeallocate(address, size) }
    }

    /// Runs `body` with `count` uninitialised scalars of kernel scratch taken from the pool
    /// and returned to it afterwards: the per-call buffers of the GEMM and the column sums
    /// reach hundreds of KiB, and fresh pages for them on every call were page faults.
    static func withScratch<Scalar, Result>(
        _: Scalar.Type, count: Int, _ body: (UnsafeMutablePointer<Scalar>) throws -> Result
    ) rethrows -> Result {
        let byteCount = Swift.max(1, count * MemoryLayout<Scalar>.stride)
        let raw = allocate(byteCount: byteCount)
        defer { deallocate(raw, byteCount: byteCount) }
        return try body(raw.bindMemory(to: Scalar.self, capacity: count))
    }

    /// Returns every cached buffer to the system (e.g. before a memory measurement).
    public static func releaseCachedBuffers() {
        let buffers = state.withLock { state -> [(UInt, Int)] in
            let all = state.free.flatMap { size, addresses in addresses.map { ($0, size) } }
            state.free = [:]
            state.cachedBytes = 0
            return all
        }
        for (address, size) in buffers { systemDeallocate(address, size) }
    }

    /// Bytes currently held in the cache (not in use by any tensor).
    public static var cachedBytes: Int { state.withLock { $0.cachedBytes } }
}
