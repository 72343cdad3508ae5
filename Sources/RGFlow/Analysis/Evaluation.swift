// Bits per dimension of a model over a set of batches, without gradients: the test number of
// `rgflow evaluate` and of the trainer's per-epoch evaluation.

import Autograd
import Foundation
import Tensor

extension RGFlowModel {
    /// Mean bits/dim over every image the batches yield (pixels `[B, C, L, L]` in [0, 1]), each
    /// batch dequantised with noise from `noise(batchIndex)`.
    ///
    /// - Throws: what `batches` throws.
    public func bitsPerDimension(over batches: () throws -> Tensor<Float>?,
                                 noise: (Int) -> TensorRandomGenerator) throws -> (bitsPerDimension: Double, images: Int) {
        var total = 0.0, images = 0, batch = 0
        while let pixels = try batches() {
            var generator = noise(batch)
            let loss = GradientMode.withoutGradients {
                self.loss(pixels: pixels.converted(to: Scalar.self), dequantizingWith: &generator)
            }
            total += loss.perSample.value.scalars.map(Double.init).reduce(0, +)
            images += pixels.shape[0]
            batch += 1
        }
        return ((total / Double(Swift.max(images, 1)) + Foundation.log(256)) / Foundation.log(2), images)
    }
}
