import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Counters read at one moment of a run (a phase's start, the run's end): what a phase did is the difference
/// between the readings at its two ends. They come from the caches' statistics, the fault proxy and the kernel,
/// not from the request records.
struct RunCounters: Sendable {
    /// Replies rejected as protocol errors (`kvErrorsByClass["protocol"]`: among them, replies that failed the
    /// entry's key check, a reply paired with the wrong command).
    var protocolErrors = 0
    /// Stored entries that could not be decoded (foreign or garbage bytes at a cache key).
    var malformedEntries = 0
    /// Background KV writes that failed or were dropped: answers that never reached the shared tier.
    var backgroundWritesLost = 0
    /// KV errors of every class but `not_configured`.
    var kvErrors = 0
    /// KV writes kept for replay after failing (or being refused by the open breaker), replayed, and dropped.
    var writesQueued = 0
    var writesReplayed = 0
    var writesDropped = 0
    /// Connections the fault proxies accepted (every connect and reconnect of every instance).
    var acceptedConnections = 0
    /// CPU time (user + system) of the runner's process, which hosts the caches and the proxies.
    var runnerCPUSeconds = 0.0
    /// redis-server's process and its CPU time, when it runs.
    var redisCPU: (pid: Int32, seconds: Double)?

    /// The runner process's CPU time so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The CPU time (user + system) of process `pid` from `/proc/<pid>/stat`, or nil when it cannot be read.
    static func cpuSeconds(ofProcess pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return cpuSeconds(fromStatLine: text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Fields 14 and 15 (utime, stime, in clock ticks) of a `/proc/<pid>/stat` line. The command name (field 2)
    /// may contain spaces and parentheses, so fields are counted from its closing parenthesis.
    static func cpuSeconds(fromStatLine line: String, ticksPerSecond: Double) -> Double? {
        guard ticksPerSecond > 0, let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // After the name: field 3 (state) is fields[0], so utime (14) is fields[11] and stime (15) fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// What happened between `earlier` and this reading, written into `metrics`; `milliseconds` is the window's
    /// length, for rates.
    func difference(since earlier: RunCounters, milliseconds: Double, into metrics: inout MetricSet) {
        metrics.protocolErrors = Double(protocolErrors - earlier.protocolErrors)
        metrics.malformedEntries = Double(malformedEntries - earlier.malformedEntries)
        metrics.backgroundWritesLost = Double(backgroundWritesLost - earlier.backgroundWritesLost)
        metrics.kvErrors = Double(kvErrors - earlier.kvErrors)
        metrics.writesQueued = Double(writesQueued - earlier.writesQueued)
        metrics.writesReplayed = Double(writesReplayed - earlier.writesReplayed)
        metrics.writesDropped = Double(writesDropped - earlier.writesDropped)
        metrics.proxyConnectionsAccepted = Double(acceptedConnections - earlier.acceptedConnections)
        metrics.connectsPerSecond = milliseconds > 0 ? metrics.proxyConnectionsAccepted / (milliseconds / 1000) : .nan
        metrics.runnerCPUSeconds = runnerCPUSeconds - earlier.runnerCPUSeconds
        if let now = redisCPU {
            // A restarted server is a new process: its whole CPU time belongs to this window.
            metrics.redisCPUSeconds = earlier.redisCPU?.pid == now.pid ? now.seconds - (earlier.redisCPU?.seconds ?? 0) : now.seconds
        } else {
            metrics.redisCPUSeconds = earlier.redisCPU == nil ? .nan : 0
        }
    }
}
