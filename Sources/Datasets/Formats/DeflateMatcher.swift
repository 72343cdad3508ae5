// The LZ77 half of deflate: a greedy hash-chain parse into literals and back-references,
// and the RFC 1951 length and distance code tables the Huffman coder needs.

/// One step of an LZ77 parse.
enum DeflateToken: Equatable {
    /// A byte copied verbatim.
    case literal(UInt8)
    /// Copy `length` (3...258) bytes starting `distance` (1...32768) bytes back.
    case match(length: Int, distance: Int)
}

/// Finds back-references with hash chains: each position is filed under a hash of its next
/// three bytes, and the chain of earlier positions with the same hash is searched for the
/// longest match (greedily, up to `maximumChain` candidates).
enum DeflateMatcher {
    static let windowSize = 32_768
    static let minimumMatch = 3
    static let maximumMatch = 258
    /// On 32x32 MSDS images 128 candidates save 1.4% of the bytes over 32 at 1.35 times the
    /// time; 32 is the better trade.
    static let maximumChain = 32
    static let maximumHashBits = 15

    /// The tokens of a greedy parse of `bytes`, in order.
    static func parse(_ bytes: [UInt8]) -> [DeflateToken] {
        let count = bytes.count
        guard count > 0 else { return [] }
        // Tables sized to the input: a 3 KB image row set does not need 256 KB of them.
        let hashBits = min(maximumHashBits, max(8, Int.bitWidth - count.leadingZeroBitCount))
        let historySize = min(windowSize, 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount))
        let historyMask = historySize - 1
        var head = [Int32](repeating: -1, count: 1 << hashBits)
        var previous = [Int32](repeating: -1, count: max(1, historySize))
        var tokens: [DeflateToken] = []
        tokens.reserveCapacity(count / 2)

        bytes.withUnsafeBufferPointer { data in
        head.withUnsafeMutableBufferPointer { head in
        previous.withUnsafeMutableBufferPointer { previous in
            @inline(__always)
            func hash(_ position: Int) -> Int {
                let key = UInt32(data[position]) << 16 | UInt32(data[position + 1]) << 8
                    | UInt32(data[position + 2])
                return Int((key &* 2_654_435_761) >> UInt32(32 - hashBits))
            }
            @inline(__always)
            func insert(_ position: Int) {
                guard position + minimumMatch <= count else { return }
                let key = hash(position)
                previous[position & historyMask] = head[key]
                head[key] = Int32(position)
            }

            var position = 0
            while position < count {
                var bestLength = 0
                var bestDistance = 0
                if position + minimumMatch <= count {
                    let limit = min(maximumMatch, count - position)
                    var candidate = Int(head[hash(position)])
                    var remainingChain = maximumChain
                    // Positions filed so far are all before `position`, so a candidate within
                    // the window (or the whole input, when that is shorter) still owns its
                    // `previous` slot.
                    while candidate >= 0, position - candidate <= windowSize, remainingChain > 0 {
                        if bestLength == 0 || data[candidate + bestLength] == data[position + bestLength] {
                            var length = 0
                            while length < limit, data[candidate + length] == data[position + length] {
                                length += 1
                            }
                            if length > bestLength {
                                bestLength = length
                                bestDistance = position - candidate
                                if length == limit { break }
                            }
                        }
                        candidate = Int(previous[candidate & historyMask])
                        remainingChain -= 1
                    }
                }
                if bestLength >= minimumMatch {
                    tokens.append(.match(length: bestLength, distance: bestDistance))
                    for filed in position..<(position + bestLength) { insert(filed) }
                    position += bestLength
                } else {
                    tokens.append(.literal(data[position]))
                    insert(position)
                    position += 1
                }
            }
        }
        }
        }
        return tokens
    }
}

/// RFC 1951 §3.2.5: the base value and extra-bit count of each length code (257...285) and
/// distance code (0...29).
enum DeflateTables {
    /// Extra bits of length codes 257...284 grow by one every four codes from 265; code 285
    /// means exactly 258.
    static let lengthExtraBits: [UInt8] = (257...285).map { (code: Int) -> UInt8 in
        code < 265 || code == 285 ? 0 : UInt8((code - 261) / 4)
    }

    /// Each base is the previous base plus the number of lengths the previous code covers.
    static let lengthBase: [UInt16] = {
        var bases: [UInt16] = [3]
        for index in 1..<28 {
            bases.append(bases[index - 1] + UInt16(1 << lengthExtraBits[index - 1]))
        }
        bases.append(258)
        return bases
    }()

    /// The length code (minus 257) of each match length 3...258, indexed by length.
    static let lengthCode: [UInt8] = {
        var codes = [UInt8](repeating: 0, count: 259)
        for index in 0..<28 {
            let first = Int(lengthBase[index])
            let last = min(257, first + (1 << lengthExtraBits[index]) - 1)
            for length in first...last { codes[length] = UInt8(index) }
        }
        codes[258] = 28
        return codes
    }()

    /// Distance codes 0...3 have no extra bits; from code 4 on every two codes add one.
    static let distanceExtraBits: [UInt8] = (0..<30).map { (code: Int) -> UInt8 in
        code < 4 ? 0 : UInt8(code / 2 - 1)
    }

    static let distanceBase: [UInt16] = {
        var bases: [UInt16] = [1]
        for index in 1..<30 {
            bases.append(bases[index - 1] + UInt16(1 << distanceExtraBits[index - 1]))
        }
        return bases
    }()

    /// The distance code of each distance 1...32768, indexed by distance.
    private static let distanceCodes: [UInt8] = {
        var codes = [UInt8](repeating: 0, count: 32_769)
        for code in 0..<30 {
            let first = Int(distanceBase[code])
            let last = first + (1 << distanceExtraBits[code]) - 1
            for distance in first...last { codes[distance] = UInt8(code) }
        }
        return codes
    }()

    @inline(__always)
    static func distanceCode(for distance: Int) -> Int { Int(distanceCodes[distance]) }
}
