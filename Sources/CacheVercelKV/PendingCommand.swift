import CacheCore
import UpstashREST

/// A command waiting to be sent, with the slot its caller waits on.
struct PendingCommand: Sendable {
    /// The command.
    var command: RESTCommand
    /// When the caller stops waiting.
    var deadline: ContinuousClock.Instant
    /// Run on the result before any command of the batch is answered; `false` proves replies were paired
    /// with the wrong commands, and the whole batch fails (see ``KVStore/get(_:maximumBytes:verify:deadline:)``).
    var check: (@Sendable (JSONValue) -> Bool)?
    /// Where the caller waits.
    var slot: ReplySlot
}
