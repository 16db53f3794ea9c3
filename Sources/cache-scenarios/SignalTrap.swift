import Dispatch
import ScenarioKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into: kill every redis-server the run started, remove their directories, exit
/// with status 130. Without it, Ctrl-C would leave redis-server processes behind.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(cleanup: ProcessCleanup) {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                writeError("\ninterrupted: stopping the redis-server processes this run started…\n")
                cleanup.cleanUpAll()
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Restores the default signal behaviour.
    func disarm() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
    }
}
