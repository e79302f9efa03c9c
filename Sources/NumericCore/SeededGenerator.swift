import RealModule

/// A fast, seedable pseudo-random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random operation in RewardKit takes a generator explicitly, so the same seed gives the
/// same result. ``split()`` derives an independent stream (for parallel work) deterministically.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(&s), splitMix(&s), splitMix(&s), splitMix(&s))
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inlinable
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A new generator seeded from this one's stream: independent, and deterministic given the seed.
    public mutating func split() -> SeededGenerator {
        SeededGenerator(seed: next())
    }
}

extension RandomNumberGenerator {
    /// A uniform draw in (0, 1): never exactly 0, so its logarithm is finite.
    @inlinable
    public mutating func nextOpenUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// A standard normal draw (Box–Muller; one of the pair is used so draws stay stateless).
    @inlinable
    public mutating func nextNormal() -> Double {
        let u1 = nextOpenUnit()
        let u2 = nextOpenUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func nextIndex(weightedBy weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "nextIndex(weightedBy:) needs a positive total weight")
        var u = nextOpenUnit() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u <= 0 { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// A seeded Fisher–Yates permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        p.shuffle(using: &self)
        return p
    }
}

@usableFromInline func _log(_ x: Double) -> Double { Double.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Double.cos(x) }
