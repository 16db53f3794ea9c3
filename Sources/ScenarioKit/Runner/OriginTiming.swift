import Synchronization

/// The origin time measured inside one request's compute closure.
final class OriginTiming: Sendable {
    private let measured = Mutex<(milliseconds: Double, unscaled: Double, responder: OriginSimulator.Responder?)>((0, 0, nil))

    func record(milliseconds: Double, unscaled: Double, responder: OriginSimulator.Responder) {
        measured.withLock { $0 = (milliseconds, unscaled, responder) }
    }

    var value: (milliseconds: Double, unscaled: Double, responder: OriginSimulator.Responder?) { measured.withLock { $0 } }
}
