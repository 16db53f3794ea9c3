import CSpawnSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with an empty signal mask and default signal actions.
///
/// Foundation's `Process` passes the parent's signal mask on, and a Swift program that handles SIGINT or
/// SIGTERM itself (the scenario CLI, test runners) has them blocked: a redis-server started that way never
/// sees SIGTERM, so a graceful stop turned into a 10 s wait and a SIGKILL. And it passes on every file
/// descriptor not marked close-on-exec, which includes sockets of the process's own servers.
final class SpawnedProcess: Sendable {
    private struct State {
        var exitStatus: Int32?
    }

    /// The child's process id (only signalled while the child has not been reaped, so never a reused id).
    let processIdentifier: pid_t
    private let state = Mutex(State())

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `executable` with `arguments`, standard input on /dev/null, standard output and error on
    /// `outputPath` when given (a tool whose messages explain a failure) and on /dev/null otherwise.
    init(executable: String, arguments: [String], outputPath: String? = nil) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // Nothing else of ours may leak into the child: SwiftNIO's listening sockets are not close-on-exec,
        // and a redis-server holding a proxy's listener kept it listening after the proxy "closed" it.
        let closing = cspawn_add_close_from(&fileActions, 3)
        guard closing == 0 else {
            throw SpawnError(description: "cannot keep our descriptors out of \(executable): \(String(cString: strerror(closing)))")
        }

        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var argvPointers = argv + [nil]
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions, &attributes, &argvPointers, environ)
        guard result == 0 else {
            throw SpawnError(description: "posix_spawn \(executable) failed: \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    /// Whether the child still runs; reaps it (without blocking) once it has exited.
    var isRunning: Bool { exitStatus == nil }

    /// The child's wait status once it has exited.
    var exitStatus: Int32? {
        state.withLock { state in
            if state.exitStatus == nil {
                var status: Int32 = 0
                let result = waitpid(processIdentifier, &status, WNOHANG)
                if result == processIdentifier {
                    state.exitStatus = status
                } else if result == -1 && errno == ECHILD {
                    // Already reaped (by ``reapWhenExited()``): it has exited, with a status we no longer know.
                    state.exitStatus = -1
                }
            }
            return state.exitStatus
        }
    }

    /// Reaps the child on a thread of its own once it exits, so a killed server never lingers as a zombie
    /// when nobody asks about it again (``RedisServer/cleanUp()`` runs from `defer` and cannot wait).
    func reapWhenExited() {
        let pid = processIdentifier
        let thread = Thread { [self] in
            var status: Int32 = 0
            let result = waitpid(pid, &status, 0)
            self.state.withLock { state in
                if state.exitStatus == nil { state.exitStatus = result == pid ? status : -1 }
            }
        }
        thread.name = "redis-server-reaper"
        thread.start()
    }

    /// Sends `signal` unless the child has already been reaped (its id could belong to someone else then).
    func send(_ signal: Int32) {
        state.withLock { state in
            guard state.exitStatus == nil else { return }
            _ = kill(processIdentifier, signal)
        }
    }
}
