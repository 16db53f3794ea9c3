import Foundation

/// Where the repository's `Scenarios/` directory is, found from this file's path.
enum ScenarioSuiteLocation {
    static var scenariosDirectory: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // ScenarioKitTests
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // package root
            .appendingPathComponent("Scenarios").path
    }
}
