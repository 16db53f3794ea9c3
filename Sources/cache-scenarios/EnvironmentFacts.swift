import Foundation

/// The versions and machine facts a report names so a run can be reproduced.
enum EnvironmentFacts {
    static func collect() -> [String: String] {
        var facts: [String: String] = [
            "os": ProcessInfo.processInfo.operatingSystemVersionString,
            "cores": String(ProcessInfo.processInfo.activeProcessorCount),
            "swift": output(of: ["swift", "--version"]) ?? "compiled with Swift \(compilerVersion)",
        ]
        if let redis = output(of: ["redis-server", "--version"]) { facts["redis-server"] = redis }
        if let commit = output(of: ["git", "rev-parse", "--short", "HEAD"]) { facts["commit"] = commit }
        return facts
    }

    static var compilerVersion: String {
        #if compiler(>=6.3)
        return "6.3 or later"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// The first line a command prints, or `nil` when it cannot run.
    static func output(of command: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}
