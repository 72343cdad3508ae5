// Training checkpoints in safetensors: the flow under the reference's names, AdamW's moments
// and step, and the run's settings in the metadata; written atomically, rotated, resumed.

import Foundation
import Tensor

/// Where in a run a checkpoint was written: after a whole epoch, or after some batches of one.
public struct CheckpointPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The epoch completed (epoch checkpoints) or in progress (mid-epoch checkpoints), from 1.
    public var epoch: Int
    /// Batches of `epoch` already trained, for a mid-epoch checkpoint; nil when the epoch is
    /// complete.
    public var batches: Int?

    /// A position.
    public init(epoch: Int, batches: Int? = nil) {
        self.epoch = epoch
        self.batches = batches
    }

    /// Run order: batches of an epoch before its end.
    public static func < (lhs: CheckpointPosition, rhs: CheckpointPosition) -> Bool {
        (lhs.epoch, lhs.batches ?? Int.max) < (rhs.epoch, rhs.batches ?? Int.max)
    }

    /// `epoch 3` or `epoch 3, batch 117`.
    public var description: String { batches.map { "epoch \(epoch) after \($0) batches" } ?? "epoch \(epoch)" }
}

/// What a checkpoint records besides tensors.
public struct CheckpointInfo: Sendable {
    /// The last completed epoch, or for a mid-epoch checkpoint the epoch in progress.
    public var epoch: Int
    /// Batches of `epoch` trained, for a mid-epoch checkpoint; nil for an epoch checkpoint.
    public var batchesInEpoch: Int?
    /// Σ of the per-sample losses and the image count of the epoch so far (mid-epoch), so the
    /// epoch's mean comes out as in an uninterrupted run.
    public var epochLoss: (sum: Double, images: Int)
    /// AdamW's step count.
    public var optimizerStep: Int
    /// The network settings.
    public var configuration: FlowConfiguration
    /// The run settings.
    public var options: TrainingOptions
    /// Seconds trained up to this checkpoint (0 for checkpoints that do not record it).
    public var elapsedSeconds: Double
}

/// Reading, writing and rotating checkpoints.
///
/// Layout: the model's state dict under the reference's key names (weights, masks,
/// `prior.scale`, the Scale layers' debug statistics), AdamW's moments as
/// `optimizer.exp_avg.{name}` and `optimizer.exp_avg_sq.{name}`, and metadata `format`,
/// `epoch`, `optimizer_step`, `dtype`, `configuration` and `options` (JSON), and `rng`
/// (how every random stream derives from the seed, so resuming needs no generator position).
public enum Checkpoint {
    /// The `format` metadata value.
    public static let format = "rgflow-checkpoint-1"
    static let firstMomentPrefix = "optimizer.exp_avg."
    static let secondMomentPrefix = "optimizer.exp_avg_sq."

    /// Writes the model and optimiser state of `epoch` to `url`, atomically (temporary file,
    /// flush, rename): a run killed while writing leaves the previous file intact.
    ///
    /// - Parameters:
    ///   - batchesInEpoch: for a mid-epoch checkpoint, the batches of `epoch` trained so far,
    ///     with `epochLoss` (their per-sample losses' sum and count); nil after a whole epoch.
    public static func save<Scalar: TensorScalar>(model: RGFlowModel<Scalar>, optimizer: AdamW<Scalar>, epoch: Int,
                                                  batchesInEpoch: Int? = nil, epochLoss: (sum: Double, images: Int) = (0, 0),
                                                  options: TrainingOptions, elapsedSeconds: Double = 0, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "format": format,
            "epoch": "\(epoch)",
            "optimizer_step": "\(optimizer.step)",
            "elapsed_seconds": "\(elapsedSeconds)",
            "dtype": Scalar.dtypeName,
            "configuration": String(decoding: try encoder.encode(model.configuration), as: UTF8.self),
            "options": String(decoding: try encoder.encode(options), as: UTF8.self),
            "rng": "{\"seed\": \(options.seed), \"streams\": \"initialisation: seed; shuffle: (seed, epoch); dequantisation: (seed, epoch, batch); samples: (seed, epoch)\"}",
        ]
        if let batchesInEpoch {
            metadata["batches_in_epoch"] = "\(batchesInEpoch)"
            metadata["epoch_loss_sum"] = "\(epochLoss.sum)"
            metadata["epoch_images"] = "\(epochLoss.images)"
        }
        var builder = SafetensorsBuilder(metadata: metadata)
        try model.addStateDict(to: &builder)
        let names = model.namedParameters.map(\.name)
        for (index, name) in names.enumerated() {
            if let moment = optimizer.firstMoments[index] { try builder.add(moment, named: firstMomentPrefix + name) }
            if let moment = optimizer.secondMoments[index] { try builder.add(moment, named: secondMomentPrefix + name) }
        }
        try AtomicFile.makeFolder(url.deletingLastPathComponent())
        try builder.write(to: url)
    }

    /// Reads a checkpoint's metadata without loading it.
    public static func info(of file: Safetensors) throws -> CheckpointInfo {
        func field(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw CheckpointError("\(file.file): not an rgflow checkpoint: metadata has no \"\(key)\"")
            }
            return value
        }
        guard try field("format") == format else {
            throw CheckpointError("\(file.file): checkpoint format \(try field("format")), expected \(format)")
        }
        guard let epoch = Int(try field("epoch")), let step = Int(try field("optimizer_step")) else {
            throw CheckpointError("\(file.file): epoch or optimizer_step metadata is not an integer")
        }
        func decode<Value: Decodable>(_ type: Value.Type, _ key: String) throws -> Value {
            do {
                return try JSONDecoder().decode(type, from: Data(try field(key).utf8))
            } catch let error as DecodingError {
                throw CheckpointError("\(file.file): metadata \"\(key)\" is not valid: \(plainDecodingDescription(error))")
            } catch let error as ConfigurationError {
                throw CheckpointError("\(file.file): metadata \"\(key)\": \(error)")
            }
        }
        let batches = try file.metadata["batches_in_epoch"].map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw CheckpointError("\(file.file): batches_in_epoch metadata \"\(text)\" is not a count") }
            return value
        }
        let lossSum = file.metadata["epoch_loss_sum"].flatMap(Double.init) ?? 0
        let images = file.metadata["epoch_images"].flatMap(Int.init) ?? 0
        return CheckpointInfo(
            epoch: epoch, batchesInEpoch: batches, epochLoss: (lossSum, images), optimizerStep: step,
            configuration: try decode(FlowConfiguration.self, "configuration"),
            options: try decode(TrainingOptions.self, "options"),
            elapsedSeconds: file.metadata["elapsed_seconds"].flatMap(Double.init) ?? 0)
    }

    /// Loads weights and optimiser state into an existing model and optimiser.
    ///
    /// - Throws: ``CheckpointError`` when the checkpoint's network differs from the model's,
    ///   `StateDictError` for names or shapes that do not fit.
    @discardableResult
    public static func load<Scalar: TensorScalar>(_ file: Safetensors, into model: RGFlowModel<Scalar>,
                                                  optimizer: AdamW<Scalar>?) throws -> CheckpointInfo {
        let info = try info(of: file)
        guard info.configuration == model.configuration else {
            throw CheckpointError("\(file.file): checkpoint of network \(info.configuration.networkName), "
                                  + "this run builds \(model.configuration.networkName)")
        }
        try model.load(from: file, excludingPrefixes: ["optimizer."])
        if let optimizer {
            let names = model.namedParameters.map(\.name)
            func moment(_ prefix: String, _ name: String) throws -> Tensor<Scalar>? {
                file.contains(prefix + name) ? try file.tensor(named: prefix + name, as: Scalar.self) : nil
            }
            try optimizer.restore(step: info.optimizerStep,
                                  firstMoments: try names.map { try moment(firstMomentPrefix, $0) },
                                  secondMoments: try names.map { try moment(secondMomentPrefix, $0) })
        }
        return info
    }

    /// Every checkpoint in `folder`, epoch (`{epoch}.safetensors`) and mid-epoch
    /// (`epoch{e}_batch{b}.safetensors`), in run order.
    public static func positions(in folder: URL) -> [(position: CheckpointPosition, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> (CheckpointPosition, URL)? in
            guard name.hasSuffix(".safetensors"), !name.hasPrefix(".") else { return nil }
            let stem = name.dropLast(".safetensors".count)
            if let epoch = Int(stem), epoch > 0 { return (CheckpointPosition(epoch: epoch), folder.appendingPathComponent(name)) }
            let parts = stem.split(separator: "_")
            guard parts.count == 2, parts[0].hasPrefix("epoch"), parts[1].hasPrefix("batch"),
                  let epoch = Int(parts[0].dropFirst(5)), let batches = Int(parts[1].dropFirst(5)), epoch > 0, batches >= 0 else { return nil }
            return (CheckpointPosition(epoch: epoch, batches: batches), folder.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Epochs with a checkpoint in `folder` (files named `{epoch}.safetensors`; temporary
    /// files of an interrupted write are ignored), ascending.
    public static func epochs(in folder: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(".safetensors"), !name.hasPrefix(".") else { return nil }
            return Int(name.dropLast(".safetensors".count))
        }.sorted()
    }

    /// After saving `epoch`, deletes the checkpoint of `epoch - saveEpoch` unless that epoch
    /// is a multiple of `keepEpoch` (the reference's rotation).
    public static func rotate(in paths: RunPaths, savedEpoch epoch: Int, saveEpoch: Int, keepEpoch: Int) {
        let previous = epoch - saveEpoch
        guard saveEpoch > 0, previous > 0 else { return }
        if keepEpoch > 0 && previous % keepEpoch == 0 { return }
        try? FileManager.default.removeItem(at: paths.checkpoint(epoch: previous))
    }
}

/// A checkpoint that cannot be used, with the file and the reason.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The explanation.
    public let description: String
    init(_ description: String) { self.description = description }
}
