import ArgumentParser
import ScenarioKit

/// `cache-scenarios list`: the scenarios found, one line each.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scenarios and what each proves.")

    @OptionGroup var shared: SharedOptions

    func run() throws {
        let files = try loadFiles(shared.scenarioPaths)
        var failures = 0
        for file in files {
            do {
                let scenario = try ScenarioParser.load(file: file)
                let faults = scenario.timeline.filter(\.fault).count
                print("\(scenario.name)\t\(scenario.title)\t[\(scenario.topology.instances) instance(s), backend \(scenario.topology.backend.rawValue), "
                    + "\(scenario.workload.requests) requests, \(scenario.timeline.count) events, \(faults) fault phase(s), "
                    + "\(scenario.expectations.count) expectations]\t\(file)")
            } catch {
                failures += 1
                printError("invalid: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(2) }
    }
}

/// The scenario files of `paths`, or an error naming the path.
func loadFiles(_ paths: [String]) throws -> [String] {
    do {
        let files = try ScenarioParser.scenarioFiles(in: paths)
        guard !files.isEmpty else {
            printError("no scenario files (.yaml, .yml, .json) in \(paths.joined(separator: ", "))")
            throw ExitCode(2)
        }
        return files
    } catch let error as ScenarioFileError {
        printError("\(error)")
        throw ExitCode(2)
    }
}
