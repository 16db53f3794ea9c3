import CacheCore
import Logging
import Synchronization

/// The REST backplane's subscriber: a task that polls the stream with `XRANGE` from a cursor.
///
/// A poll that answers is the heartbeat: everything appended before it was sent has been read, so its send
/// instant is reported as ``BackplaneEvent/confirmed(asOf:)``. A failed poll reports
/// ``BackplaneEvent/disconnected(_:)`` and the poller starts over after a backoff: it takes the stream's newest
/// id as the new cursor and reports ``BackplaneEvent/subscribed(since:)`` (the receiver resyncs), rather than
/// trusting that the trimmed stream still holds what was missed. Async HTTP only: nothing blocks a thread.
final class RESTStreamSubscription: BackplaneSubscription {
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Entries read per poll; a full page is followed by another poll at once.
    static let pageSize = 500

    init(
        store: VercelKVStore, stream: String, policy: BackplanePolicy, logger: Logger,
        onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) {
        let poller = Task {
            await Self.poll(store: store, stream: stream, policy: policy, logger: logger, onEvent: onEvent)
        }
        task.withLock { $0 = poller }
    }

    func cancel() async {
        let poller = task.withLock { $0 }
        poller?.cancel()
        await poller?.value
    }

    private static func poll(
        store: VercelKVStore, stream: String, policy: BackplanePolicy, logger: Logger,
        onEvent: @Sendable (BackplaneEvent) -> Void
    ) async {
        var backoff: Duration = .milliseconds(50)
        while !Task.isCancelled {
            let since = ContinuousClock.now
            var cursor: String
            do {
                cursor = try await store.newestStreamID(stream, deadline: since + policy.maximumStaleness)
            } catch {
                logger.debug("rest backplane could not start polling", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, policy.reconnectBackoffMaximum)
                continue
            }
            guard !Task.isCancelled else { return }
            onEvent(.subscribed(since: since))
            backoff = .milliseconds(50)
            while !Task.isCancelled {
                let asked = ContinuousClock.now
                let entries: [(id: String, message: [UInt8])]
                do {
                    entries = try await store.streamEntries(stream, after: cursor, count: pageSize, deadline: asked + policy.maximumStaleness)
                } catch {
                    guard !Task.isCancelled else { return }
                    onEvent(.disconnected(error))
                    try? await Task.sleep(for: backoff)
                    break
                }
                for entry in entries {
                    onEvent(.message(entry.message))
                    cursor = entry.id
                }
                guard entries.count < pageSize else { continue }
                onEvent(.confirmed(asOf: asked))
                try? await Task.sleep(for: policy.heartbeatInterval)
            }
        }
    }
}
