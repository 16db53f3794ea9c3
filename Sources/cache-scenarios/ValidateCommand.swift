import ArgumentParser
import ScenarioKit

/// `cache-scenarios validate`: checks scenario files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check scenario files without running them (exit 2 on the first invalid file's errors).")

    @OptionGroup var shared: SharedOptions

    func run() throws {
        let files = try loadFiles(shared.scenarioPaths)
        var invalid = 0
        for file in files {
            do {
                let scenario = try ScenarioParser.load(file: file)
                print("ok       \(file) (\(scenario.name): \(scenario.timeline.count) events, \(scenario.expectations.count) expectations)")
            } catch {
                invalid += 1
                print("invalid  \(error)")
            }
        }
        print("\(files.count - invalid)/\(files.count) scenario files valid")
        if invalid > 0 { throw ExitCode(2) }
    }
}
