// Centre crop, area resize and flip against numpy's computation of the same transforms
// (an overlap-matrix product, not our separable loops), plus their defining properties.

import Datasets
import Foundation
import Testing

@Suite("Image transforms")
struct TransformTests {
    @Test("crop 148 + area resize 32 of a 178x218 PNG equals numpy's result")
    func cropResizeMatchesNumpy() throws {
        let image = try PNGDecoder().decode(try fixtureBytes("transforms/card_178x218.png"))
        let result = ImageTransforms.cropResizeFlip(image, crop: 148, side: 32, outputChannels: 3, randomFlip: false,
                                                    augmentationSeed: 0)
        let expected = try fixtureFloats("transforms/card_crop148_resize32.f32")
        try #require(result.count == expected.count)
        let worst = zip(result, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "max difference \(worst)")  // float32 sums of ~21 terms vs float64
    }

    @Test("centre offsets follow torchvision (round half to even, zero padding)")
    func centerOffsets() {
        #expect(ImageTransforms.centerCropOffset(extent: 218, size: 148) == 35)
        #expect(ImageTransforms.centerCropOffset(extent: 178, size: 148) == 15)
        #expect(ImageTransforms.centerCropOffset(extent: 5, size: 2) == 2)  // round(1.5) = 2
        #expect(ImageTransforms.centerCropOffset(extent: 7, size: 2) == 2)  // round(2.5) = 2
        #expect(ImageTransforms.centerCropOffset(extent: 3, size: 8) == -2)
    }

    @Test("crop of a smaller image pads with zeros")
    func cropPads() {
        let image = DecodedImage(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [255, 51])
        let crop = ImageTransforms.centerCrop(image, size: 4, outputChannels: 1)
        // Offsets: left -1, top -1 (image at columns 1-2, row 1).
        #expect(crop == [0, 0, 0, 0, 0, 1, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("area resize: integer factors average blocks; the mean is preserved")
    func areaResizeProperties() {
        let values = (0..<(2 * 6 * 4)).map { Float($0 * 7 % 11) }
        let half = ImageTransforms.areaResize(values, channels: 2, height: 6, width: 4, outputHeight: 3, outputWidth: 2)
        for channel in 0..<2 {
            for row in 0..<3 {
                for column in 0..<2 {
                    let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
                        values[channel * 24 + (2 * row + $0.0) * 4 + 2 * column + $0.1]
                    }
                    #expect(abs(half[channel * 6 + row * 2 + column] - block.reduce(0, +) / 4) < 1e-5)
                }
            }
        }
        let odd = ImageTransforms.areaResize(values, channels: 2, height: 6, width: 4, outputHeight: 5, outputWidth: 3)
        let inputMean = values.reduce(0, +) / Float(values.count)
        let outputMean = odd.reduce(0, +) / Float(odd.count)
        #expect(abs(inputMean - outputMean) < 1e-4)
        let constant = ImageTransforms.areaResize([Float](repeating: 0.3, count: 148 * 148), channels: 1, height: 148,
                                                  width: 148, outputHeight: 32, outputWidth: 32)
        #expect(constant.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    @Test("flip mirrors each row and is its own inverse")
    func flip() {
        let original: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        var planes = original
        ImageTransforms.flipHorizontally(&planes, channels: 2, height: 2, width: 3)
        #expect(planes == [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10])
        ImageTransforms.flipHorizontally(&planes, channels: 2, height: 2, width: 3)
        #expect(planes == original)
    }

    @Test("the flip decision is seeded and about half the seeds flip")
    func flipDecision() {
        let decisions = (0..<2000).map { ImageTransforms.flipDecision(augmentationSeed: UInt64($0)) }
        #expect(decisions == (0..<2000).map { ImageTransforms.flipDecision(augmentationSeed: UInt64($0)) })
        let flips = decisions.filter { $0 }.count
        #expect(flips > 900 && flips < 1100)  // binomial(2000, 1/2): 1000 ± 4.5 standard deviations
    }
}
