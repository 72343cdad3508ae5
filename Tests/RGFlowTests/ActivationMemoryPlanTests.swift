// The activation memory plan against measurement: its estimate of a step's tensor peak equals
// the peak a real step reaches (BufferPool's count of this thread's tensor bytes), a budget it plans for holds,
// and a mixed plan changes no gradient by a single bit.

import Autograd
import RGFlow
import Tensor
import Testing

@Suite("Activation memory plan", .serialized)
struct ActivationMemoryPlanTests {
    static let batch = 24

    static func model() throws -> RGFlowModel<Float> {
        let configuration = try FlowConfiguration(channels: 3, sideLength: 16, kernelSize: 4, prior: "laplace",
                                                  layers: "2,1,1", residualBlocks: "2", hiddenLayers: "1", hiddenWidths: "48")
        return RGFlowModel<Float>(configuration: configuration, seed: 5)
    }

    static func pixels() -> Tensor<Float> {
        var generator = TensorRandomGenerator(seed: 9)
        return Tensor<Float>.uniform([batch, 3, 16, 16], using: &generator) * 0.9 + 0.05
    }

    /// The tensor bytes a step holds at its peak above what was live before it (gradients
    /// included), and the gradients it computed.
    static func measuredStep(_ model: RGFlowModel<Float>) -> (peak: Int, gradients: [[Float]]) {
        for parameter in model.parameters { parameter.zeroGradient() }
        let peak = BufferPool.measuringThisThread {
            model.loss(pixels: pixels()).mean.backward()
            return BufferPool.measuredPeakBytes
        }
        let gradients = model.parameters.map { $0.gradient?.scalars ?? [] }
        for parameter in model.parameters { parameter.zeroGradient() }
        return (peak, gradients)
    }

    /// The plan's estimate of that same quantity: its peak without the parameters and AdamW's
    /// moments (3 of the 4 parameter-sized states), which were live before the step.
    static func estimatedStep(_ plan: ActivationMemoryPlan) -> Int {
        plan.estimatedPeakBytes - plan.parameterStateBytes * 3 / 4
    }

    /// The estimate may not fall short of what a step holds (a budget would break), nor
    /// exceed it by more than the two modes' backward temporaries differ (10%).
    static func expectClose(_ estimate: Int, _ measured: Int, _ label: String) {
        #expect(estimate >= measured && Double(estimate) <= 1.1 * Double(measured), "\(label): estimate \(estimate), measured \(measured)")
    }

    @Test("the estimate bounds the measured peak of a step from above, within 10%, keeping all, recomputing all, or mixed")
    func estimateMatchesMeasurement() throws {
        let model = try Self.model()
        let keepAll = model.planActivationMemory(batchSize: Self.batch, budgetBytes: nil)
        let keptPeak = Self.measuredStep(model).peak
        let recomputeAll = model.planActivationMemory(batchSize: Self.batch, budgetBytes: 1)
        #expect(recomputeAll.recomputes.allSatisfy { $0 })
        let recomputedPeak = Self.measuredStep(model).peak
        #expect(recomputedPeak < keptPeak, "recomputing should hold less: \(recomputedPeak) vs \(keptPeak)")
        Self.expectClose(Self.estimatedStep(keepAll), keptPeak, "keeping all")
        Self.expectClose(Self.estimatedStep(recomputeAll), recomputedPeak, "recomputing all")
        // A budget halfway between the two keeps some layers and recomputes others.
        let budget = (keepAll.estimatedPeakBytes + recomputeAll.estimatedPeakBytes) / 2
        let mixed = model.planActivationMemory(batchSize: Self.batch, budgetBytes: budget)
        #expect(mixed.recomputes.contains(true) && mixed.recomputes.contains(false), "\(mixed.recomputes)")
        #expect(mixed.estimatedPeakBytes <= budget)
        let mixedPeak = Self.measuredStep(model).peak
        Self.expectClose(Self.estimatedStep(mixed), mixedPeak, "mixed \(mixed.recomputes)")
        // What the budget promised holds in the real step.
        #expect(mixedPeak + mixed.parameterStateBytes * 3 / 4 <= budget)
    }

    @Test("every plan computes the same gradients, bit for bit")
    func plansAgreeBitwise() throws {
        let model = try Self.model()
        _ = model.planActivationMemory(batchSize: Self.batch, budgetBytes: nil)
        let kept = Self.measuredStep(model).gradients
        let all = model.planActivationMemory(batchSize: Self.batch, budgetBytes: 1)
        let recomputed = Self.measuredStep(model).gradients
        let middle = model.planActivationMemory(batchSize: Self.batch, budgetBytes: all.estimatedPeakBytes * 11 / 10)
        #expect(middle.recomputes.contains(false) || middle.recomputes.allSatisfy { $0 })
        let mixed = Self.measuredStep(model).gradients
        #expect(kept == recomputed)
        #expect(kept == mixed)
        #expect(kept.allSatisfy { !$0.isEmpty })
    }

    @Test("the planner keeps the largest layers that fit and recomputes the rest")
    func greedyChoice() {
        let plan = ActivationMemoryPlan(savingBytes: [500, 300, 200, 100], recomputingPeakBytes: 50, parameterStateBytes: 400,
                                        budgetBytes: 400 + 50 + 650)
        // 500 fits (room 650 -> 150), 300 and 200 do not, 100 does.
        #expect(plan.recomputes == [false, true, true, false])
        #expect(plan.estimatedPeakBytes == 400 + 50 + 600)
        #expect(ActivationMemoryPlan(savingBytes: [5], recomputingPeakBytes: 50, parameterStateBytes: 400, budgetBytes: 10)
            .recomputes == [true])
        #expect(ActivationMemoryPlan(savingBytes: [5, 7], recomputingPeakBytes: 50, parameterStateBytes: 400, budgetBytes: nil)
            .recomputes == [false, false])
    }
}
