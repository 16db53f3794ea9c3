import CacheCore
import UpstashREST

/// Turns an HTTP status and body into one result per command, classifying failures.
enum RESTResponseDecoder {
    /// One result per command, or the failure of the whole request.
    static func decode(
        status: UInt, body: some Collection<UInt8>, commandCount: Int, pipelined: Bool
    ) -> Result<[ReplySlot.Reply], KVError> {
        switch status {
        case 200:
            break
        case 400 where !pipelined:
            // A Redis error for the one command: its own result, not a failure of the tier's transport.
            return parseResult(body).map { [reply(from: $0)] }
        case 401, 403:
            return .failure(KVError(.authentication, "the REST endpoint refused the token (HTTP \(status))"))
        case 429:
            return .failure(KVError(.rateLimited, "rate or plan limit reached (HTTP 429)"))
        case 500...599:
            return .failure(KVError(.serverError, "HTTP \(status)\(errorText(body).map { ": \($0)" } ?? "")",
                                    serverErrorPrefix: "HTTP\(status)"))
        case 400:
            return .failure(KVError(.serverError, "pipeline refused (HTTP 400)\(errorText(body).map { ": \($0)" } ?? "")",
                                    serverErrorPrefix: "HTTP400"))
        default:
            return .failure(KVError(.protocolError, "unexpected HTTP status \(status)"))
        }
        if pipelined {
            let results: [UpstashResult]?
            do {
                results = try JSONParser.parseResults(body)
            } catch {
                return .failure(KVError(.protocolError, "response body is not JSON (\(error))"))
            }
            guard let results, results.count == commandCount else {
                return .failure(KVError(.protocolError, "a pipeline response is not an array of \(commandCount) results"))
            }
            return .success(results.map(reply(from:)))
        }
        return parseResult(body).map { [reply(from: $0)] }
    }

    /// The one result object of a single command's response, read without building it.
    private static func parseResult(_ body: some Collection<UInt8>) -> Result<UpstashResult, KVError> {
        do {
            return .success(try JSONParser.parseResult(body))
        } catch {
            return .failure(KVError(.protocolError, "response body is not JSON (\(error))"))
        }
    }

    private static func errorText(_ body: some Collection<UInt8>) -> String? {
        guard let document = try? JSONParser.parse(body) else { return nil }
        return document[member: "error"]?.stringValue.map { String($0.prefix(200)) }
    }

    /// `{"result": …}` → the result; `{"error": "…"}` → a server error with Redis's prefix.
    static func reply(from document: UpstashResult) -> ReplySlot.Reply {
        if let error = document.error {
            let text = error.stringValue ?? "\(error)"
            let prefix = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "ERR"
            let code: KVError.Code = ["WRONGPASS", "NOAUTH", "NOPERM"].contains(prefix) ? .authentication : .serverError
            return .failure(KVError(code, String(text.prefix(200)), serverErrorPrefix: prefix))
        }
        guard let result = document.result else {
            return .failure(KVError(.protocolError, "a result object has neither 'result' nor 'error'"))
        }
        return .success(result)
    }
}
