import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

extension RedisServer {
    /// The prefix of every server directory in the temporary directory.
    static let directoryPrefix = "persistentcache-redis-"

    /// Kills redis-servers left behind by a run that died without cleaning up (SIGKILL, a crash, a closed
    /// terminal before signals were handled), and removes their directories.
    ///
    /// Each server directory records the process that owns it (`owner.pid`). Only directories whose owner
    /// is gone are touched, so a server of another live run, even one it has killed on purpose and is about
    /// to restart, is left alone.
    static func reapOrphans(logger: Logger) {
        let temporary = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix(directoryPrefix) {
            let directory = temporary.appendingPathComponent(name)
            guard let owner = readPid(directory.appendingPathComponent("owner.pid")), !isAlive(owner) else { continue }
            if let server = readPid(directory.appendingPathComponent("redis.pid")), commandName(server) == "redis-server" {
                Glibc.kill(server, SIGKILL)
                logger.notice("killed an orphaned redis-server left by an earlier run", metadata: [
                    "pid": "\(server)", "dir": "\(directory.path)",
                ])
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Records the current process as the owner of a new server directory.
    static func recordOwner(in directory: URL) throws {
        try String(getpid()).write(to: directory.appendingPathComponent("owner.pid"), atomically: true, encoding: .utf8)
    }

    private static func readPid(_ file: URL) -> Int32? {
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return nil }
        return pid
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        Glibc.kill(pid, 0) == 0 || errno == EPERM
    }

    /// A live process's command name, from /proc (Linux); nil when it does not exist.
    private static func commandName(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { return nil }
        return String(stat[stat.index(after: open)..<close])
    }
}
