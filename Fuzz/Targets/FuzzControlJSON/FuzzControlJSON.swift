@testable import FaultProxy
import Foundation
import FuzzSupport

/// libFuzzer target `control-json`: bodies sent to the fault proxy's Toxiproxy-compatible control API (and
/// its config file) are parsed by ControlJSON. Any body gets a value or a FaultProxyError, never a trap:
/// every entry point the API routes use is driven with the input.
@main
enum FuzzControlJSONMain {
    static func main() {
        exit(runFuzzer { data, size in fuzzControlJSON(fuzzInput(data, size)) })
    }
}

func fuzzControlJSON(_ bytes: [UInt8]) -> CInt {
    let body = bytes
    _ = try? ControlJSON.proxyDefinitions(from: body)
    guard let object = try? ControlJSON.object(from: body) else { return 0 }
    _ = try? ControlJSON.proxyDefinition(from: object)
    if let toxic = try? ControlJSON.toxic(from: object) {
        _ = try? ControlJSON.toxic(updating: toxic, with: object)
    }
    _ = try? ControlJSON.string(object, "listen")
    _ = try? ControlJSON.bool(object, "enabled")
    return 0
}
