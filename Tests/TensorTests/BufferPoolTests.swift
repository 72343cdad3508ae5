// The tensor buffer cache: a resident limit bounds what it keeps, and a thread's measurement
// counts that thread's tensors only.

import Dispatch
import Tensor
import Testing

@Suite("Buffer pool", .serialized)
struct BufferPoolTests {
    @Test("a resident limit bounds the cache: freed buffers past it go back to the system")
    func residentLimit() {
        let limit = 8 << 20
        BufferPool.limitResidentBytes(to: limit)
        defer { BufferPool.limitResidentBytes(to: nil) }
        do {
            // Four 4 MiB tensors live at once (16 MiB), then all freed.
            let tensors = (0..<4).map { Tensor<Float>(repeating: Float($0), shape: [1 << 20]) }
            #expect(tensors.map { $0.scalars[7] } == [0, 1, 2, 3])
        }
        #expect(BufferPool.cachedBytes <= limit, "the cache holds \(BufferPool.cachedBytes) bytes past the \(limit)-byte limit")
        BufferPool.limitResidentBytes(to: 0)
        #expect(BufferPool.cachedBytes == 0)
    }

    @Test("a measurement counts this thread's tensors, at their peak, and not another thread's")
    func threadMeasurement() {
        let (peak, live) = BufferPool.measuringThisThread { () -> (Int, Int) in
            // Another thread allocates and keeps 8 MiB meanwhile: it must not show.
            let other = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var kept: Tensor<Float>?
            DispatchQueue.global().async {
                kept = Tensor<Float>(repeating: 1, shape: [2 << 20])
                other.signal()
            }
            other.wait()
            do {
                let a = Tensor<Float>(repeating: 1, shape: [1 << 18])  // 1 MiB
                let b = a + a  // 1 MiB more
                #expect(b.scalars[0] == 2)
            }
            withExtendedLifetime(kept) {}
            return (BufferPool.measuredPeakBytes, BufferPool.measuredLiveBytes)
        }
        #expect(peak >= 2 << 20 && peak < 3 << 20, "peak \(peak): the other thread's 8 MiB must not count")
        #expect(live == 0, "live \(live)")
    }
}
