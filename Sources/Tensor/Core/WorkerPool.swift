// Persistent worker threads that wait for the kernels' parallel loops by spinning briefly.
//
// `DispatchQueue.concurrentPerform` wakes its threads through the kernel on every call. A
// training step of the small preset makes thousands of parallel calls of 20 to 500 µs each,
// and a worker woken that way often arrived after the caller had run every chunk itself: in
// a two-thread profile the calling thread did 61% of the work. Here workers spin on one
// atomic ticket for about a millisecond after their last chunk, so the next call finds them
// awake, and only then park on a semaphore.

import Dispatch
import Foundation
import Synchronization

/// Runs the chunks of one parallel loop at a time on the calling thread and on persistent
/// workers. A second caller while a loop is in flight (another thread, or a loop nested in a
/// chunk) runs its chunks inline: results never depend on who runs a chunk, since chunks
/// write disjoint memory.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker spins before it parks.
    private static let spinNanoseconds: UInt64 = 1_000_000

    // The ticket packs the loop's generation, its chunk count and the next unclaimed chunk,
    // so a worker claims a chunk of the loop it saw and of no later one (one compare-exchange).
    private static let indexBits = 20
    private static let indexMask = (1 << indexBits) - 1
    private static func generation(of ticket: Int) -> Int { ticket >> (2 * indexBits) }
    private static func chunkCount(of ticket: Int) -> Int { (ticket >> indexBits) & indexMask }
    private let ticket = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// The loop body; written by the caller that holds `busy` before it publishes the ticket,
    /// read by workers only after claiming a chunk of that ticket.
    private var body: ((Int) -> Void)?
    private let workers = Mutex<[Parking]>([])

    private final class Parking: Sendable {
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    /// Runs `body(0) ... body(chunks - 1)`, spread over the caller and up to `chunks - 1`
    /// workers, and returns when all have run.
    func run(chunks: Int, _ body: (Int) -> Void) {
        precondition(chunks > 0 && chunks <= Self.indexMask, "WorkerPool: chunk count \(chunks) out of range")
        guard chunks > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let parked = startWorkers(count: chunks - 1)
        withoutActuallyEscaping(body) { body in
            self.body = body
            finished.store(0, ordering: .relaxed)
            let generation = Self.generation(of: ticket.load(ordering: .relaxed)) &+ 1
            let base = (generation << (2 * Self.indexBits)) | (chunks << Self.indexBits)
            ticket.store(base, ordering: .sequentiallyConsistent)
            for parking in parked where parking.asleep.exchange(false, ordering: .sequentiallyConsistent) {
                parking.wake.signal()
            }
            while let chunk = claim(seen: base) {
                body(chunk)
                finished.wrappingAdd(1, ordering: .releasing)
            }
            var spins = 0
            while finished.load(ordering: .acquiring) < chunks {
                spins &+= 1
                if spins & 1023 == 0 { sched_yield() }
            }
            self.body = nil
        }
    }

    /// Claims the next chunk of the loop whose ticket began as `seen` (its generation and
    /// count), or nil when that loop has none left or a later one has started.
    private func claim(seen: Int) -> Int? {
        var current = ticket.load(ordering: .acquiring)
        while true {
            guard current >> Self.indexBits == seen >> Self.indexBits else { return nil }
            let index = current & Self.indexMask
            guard index < Self.chunkCount(of: seen) else { return nil }
            let (exchanged, original) = ticket.compareExchange(
                expected: current, desired: current &+ 1, ordering: .acquiringAndReleasing)
            if exchanged { return index }
            current = original
        }
    }

    /// The parking records of the first `count` workers, starting any not yet running.
    private func startWorkers(count: Int) -> [Parking] {
        workers.withLock { list in
            while list.count < count {
                let parking = Parking()
                list.append(parking)
                let thread = Thread { [unowned self] in self.work(parking) }
                thread.name = "rgflow-worker-\(list.count)"
                thread.start()
            }
            return Array(list.prefix(count))
        }
    }

    private func work(_ parking: Parking) {
        var seen = ticket.load(ordering: .acquiring)
        while true {
            let current = waitForTicket(after: seen, parking)
            seen = current & ~Self.indexMask
            while let chunk = claim(seen: seen) {
                if let body { body(chunk) }
                finished.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    /// Spins until the ticket's generation differs from `seen`'s, parking after
    /// `spinNanoseconds` without one.
    private func waitForTicket(after seen: Int, _ parking: Parking) -> Int {
        var start: UInt64 = 0
        var spins = 0
        while true {
            let current = ticket.load(ordering: .acquiring)
            if Self.generation(of: current) != Self.generation(of: seen) { return current }
            spins &+= 1
            guard spins & 255 == 0 else { continue }
            let now = DispatchTime.now().uptimeNanoseconds
            if start == 0 { start = now }
            guard now - start > Self.spinNanoseconds else { continue }
            parking.asleep.store(true, ordering: .sequentiallyConsistent)
            if Self.generation(of: ticket.load(ordering: .sequentiallyConsistent)) == Self.generation(of: seen)
                || !parking.asleep.exchange(false, ordering: .sequentiallyConsistent) {
                // Either nothing new (sleep until a caller clears `asleep` and signals), or a
                // caller cleared `asleep` after we set it and owes us a signal: take it.
                parking.wake.wait()
            }
            start = 0
        }
    }
}
