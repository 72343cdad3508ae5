// The worker pool runs every chunk of a loop exactly once, also when loops are nested in a
// chunk, started from several threads at once, or started after the workers have parked.

import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Tensor

@Suite("Worker pool")
struct WorkerPoolTests {
    /// Runs a loop of `chunks` on the shared pool and returns how often each chunk ran.
    private func counts(chunks: Int, nested: Int = 0) -> [Int] {
        let tallies = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        defer { tallies.deallocate() }
        tallies.initialize(repeating: 0)
        WorkerPool.shared.run(chunks: chunks) { chunk in
            // Disjoint slots: each chunk writes only its own.
            if nested > 0 { tallies[chunk] = counts(chunks: nested).reduce(0, +) == nested ? 1 : -100 }
            else { tallies[chunk] += 1 }
        }
        return Array(tallies)
    }

    @Test("each chunk runs once, for loops of 1 to 64 chunks, many times over")
    func eachChunkOnce() {
        for chunks in [1, 2, 3, 7, 64] {
            for _ in 0..<200 { #expect(counts(chunks: chunks) == Array(repeating: 1, count: chunks)) }
        }
    }

    @Test("a loop nested in a chunk runs inline, each of its chunks once")
    func nested() {
        #expect(counts(chunks: 4, nested: 5) == Array(repeating: 1, count: 4))
    }

    @Test("loops started from several threads at once each run every chunk once")
    func concurrentCallers() {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<100 where counts(chunks: 3) != [1, 1, 1] { failures.wrappingAdd(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test("a loop after the workers have parked still runs every chunk once")
    func afterParking() {
        _ = counts(chunks: 2)
        Thread.sleep(forTimeInterval: 0.02)  // 20 times the spin time: the workers are parked
        for _ in 0..<5 {
            #expect(counts(chunks: 2) == [1, 1])
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}
