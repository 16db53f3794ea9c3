import KVRestBridge
import NIOCore
import Yams

extension ScenarioParser {
    /// The fault kinds `rest-fault` takes besides an HTTP status code.
    static let restFaultKinds = ["malformed-body", "trickle", "no-response"]

    /// `rest-fault`: `status` is an HTTP status (400…599) or `malformed-body`, `trickle`, `no-response`;
    /// `share` (0 < S ≤ 1, default 1) is the share of requests hit; `intervalMs` (trickle only, default 100) is
    /// the wait between two bytes of the body.
    static func parseRESTFault(_ reader: inout MappingReader) throws(ScenarioFileError) -> TimelineAction {
        let expected = "an HTTP status code in 400…599 or one of \(restFaultKinds.joined(separator: ", "))"
        guard let node = reader.node("status") else {
            throw ScenarioFileError(file: reader.file, line: reader.line, field: reader.fieldPath("status"),
                                    expected: expected, found: "nothing (the field is required)")
        }
        guard case .scalar = node else { throw reader.error("status", expected: expected, found: node) }
        let fault: BridgeFault
        if let code = node.int {
            guard (400...599).contains(code) else { throw reader.error("status", expected: expected, found: node) }
            fault = .status(code)
        } else {
            switch node.string {
            case "malformed-body": fault = .malformedBody
            case "no-response": fault = .neverRespond
            case "trickle":
                let interval = try reader.int("intervalMs", default: 100, in: 1...10_000)
                fault = .trickle(interval: .milliseconds(Int64(interval)))
            default: throw reader.error("status", expected: expected, found: node)
            }
        }
        if case .trickle = fault {} else if let interval = reader.node("intervalMs") {
            throw reader.error("intervalMs", expected: "no intervalMs (it only applies to 'status: trickle')", found: interval)
        }
        let share = try reader.double("share", default: 1, in: 0...1, excludingLowerBound: true)
        return .restFault(fault, share: share)
    }
}
