import ScenarioKit
import Foundation
import FuzzSupport

/// libFuzzer target `scenario`: scenario files are YAML (or JSON) read by ScenarioParser through Yams. Any
/// text gets a Scenario or a ScenarioFileError naming the field, never a trap.
@main
enum FuzzScenarioMain {
    static func main() {
        exit(runFuzzer { data, size in fuzzScenario(fuzzInput(data, size)) })
    }
}

func fuzzScenario(_ bytes: [UInt8]) -> CInt {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? ScenarioParser.parse(text, file: "fuzz.yaml")
    return 0
}
