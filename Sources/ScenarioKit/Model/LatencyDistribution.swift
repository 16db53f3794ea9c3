import Foundation

/// A latency distribution in milliseconds, sampled with a seeded generator.
public enum LatencyDistribution: Sendable, Hashable, CustomStringConvertible {
    /// Always the same value.
    case fixed(Double)
    /// Uniform between the bounds.
    case uniform(minimum: Double, maximum: Double)
    /// Log-normal with the given median and 99th percentile: the long tail real LLM calls have.
    case logNormal(median: Double, p99: Double)

    /// The longest latency ever drawn (ten minutes): a log-normal tail can exceed any integer the runner
    /// converts it to, and no scenario needs a longer origin call.
    public static let maximumMilliseconds = 600_000.0

    /// Draws one latency in milliseconds, between 0 and ``maximumMilliseconds``.
    public func sample(using generator: inout some RandomNumberGenerator) -> Double {
        sample(using: &generator, upTo: Self.maximumMilliseconds)
    }

    /// Draws one value between 0 and `maximum` (the distribution also describes sizes, in bytes).
    public func sample(using generator: inout some RandomNumberGenerator, upTo maximum: Double) -> Double {
        let drawn = unclampedSample(using: &generator)
        return drawn.isFinite ? min(max(drawn, 0), maximum) : maximum
    }

    private func unclampedSample(using generator: inout some RandomNumberGenerator) -> Double {
        switch self {
        case .fixed(let value):
            return value
        case .uniform(let minimum, let maximum):
            return maximum > minimum ? Double.random(in: minimum...maximum, using: &generator) : minimum
        case .logNormal(let median, let p99):
            // z(0.99) = 2.3263; sigma chosen so the 99th percentile lands on p99.
            let sigma = log(p99 / median) / 2.3263
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let standardNormal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return median * exp(sigma * standardNormal)
        }
    }

    /// The distribution's mean, for the report.
    public var mean: Double {
        switch self {
        case .fixed(let value): return value
        case .uniform(let minimum, let maximum): return (minimum + maximum) / 2
        case .logNormal(let median, let p99):
            let sigma = log(p99 / median) / 2.3263
            return median * exp(sigma * sigma / 2)
        }
    }

    /// The distribution as the report shows it (`uniform 50–150 ms`).
    public var description: String {
        switch self {
        case .fixed(let value): return "\(Self.format(value)) ms"
        case .uniform(let minimum, let maximum): return "uniform \(Self.format(minimum))–\(Self.format(maximum)) ms"
        case .logNormal(let median, let p99): return "log-normal, median \(Self.format(median)) ms, p99 \(Self.format(p99)) ms"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
