import Foundation

/// Reads the control API's JSON bodies field by field, so that a bad body gets an answer that names the field, and
/// updates can merge only the fields that are present.
enum ControlJSON {
    static func value(from body: [UInt8]) throws(FaultProxyError) -> Any {
        guard !body.isEmpty else { throw .badRequest("bad request body: empty") }
        do {
            return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw .badRequest("bad request body: not valid JSON")
        }
    }

    static func object(from body: [UInt8]) throws(FaultProxyError) -> [String: Any] {
        guard let object = try value(from: body) as? [String: Any] else {
            throw .badRequest("bad request body: expected a JSON object")
        }
        return object
    }

    static func string(_ object: [String: Any], _ key: String) throws(FaultProxyError) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let value = raw as? String else { throw .badRequest("field \(key) must be a string") }
        return value
    }

    static func bool(_ object: [String: Any], _ key: String) throws(FaultProxyError) -> Bool? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard isBoolean(raw), let value = (raw as? NSNumber)?.boolValue else {
            throw .badRequest("field \(key) must be true or false")
        }
        return value
    }

    /// Foundation on Linux hands JSON booleans out as NSNumber (objCType "c") and lets `0 is Bool` succeed, so the
    /// type is told apart by the encoding.
    static func isBoolean(_ raw: Any) -> Bool {
        guard let number = raw as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func number(_ raw: Any, _ key: String) throws(FaultProxyError) -> Double {
        guard !isBoolean(raw), let value = (raw as? NSNumber)?.doubleValue, value.isFinite else {
            throw .badRequest("field \(key) must be a number")
        }
        return value
    }

    static func integer(_ raw: Any, _ key: String) throws(FaultProxyError) -> Int {
        let value = try number(raw, key)
        guard value.rounded() == value, abs(value) < 9.0e15 else { throw .badRequest("field \(key) must be an integer") }
        return Int(value)
    }

    static func attributes(_ object: [String: Any]) throws(FaultProxyError) -> [String: Int] {
        guard let raw = object["attributes"], !(raw is NSNull) else { return [:] }
        guard let dictionary = raw as? [String: Any] else { throw .badRequest("field attributes must be an object") }
        var attributes: [String: Int] = [:]
        for (key, value) in dictionary {
            attributes[key] = try integer(value, "attributes.\(key)")
        }
        return attributes
    }

    static func stream(_ object: [String: Any]) throws(FaultProxyError) -> Toxic.Stream? {
        guard let text = try string(object, "stream") else { return nil }
        guard let stream = Toxic.Stream(rawValue: text.lowercased()) else {
            throw .badRequest("invalid stream \"\(text)\"; expected upstream or downstream")
        }
        return stream
    }

    /// A new toxic from Toxiproxy's toxic JSON.
    static func toxic(from object: [String: Any]) throws(FaultProxyError) -> Toxic {
        guard let type = try string(object, "type") else { throw .badRequest("missing required field: type") }
        let kind = try ToxicKind(typeName: type, attributes: try attributes(object))
        let toxicity = try object["toxicity"].map { (raw) throws(FaultProxyError) in try number(raw, "toxicity") }
        let name = try string(object, "name")
        let toxic = Toxic(
            name: name?.isEmpty == true ? nil : name, stream: try stream(object) ?? .downstream,
            toxicity: toxicity ?? 1, kind: kind)
        try toxic.validate()
        return toxic
    }

    /// `existing` with the toxicity and attributes present in `object` merged in.
    static func toxic(updating existing: Toxic, with object: [String: Any]) throws(FaultProxyError) -> Toxic {
        var merged = existing.kind.attributes
        for (key, value) in try attributes(object) { merged[key] = value }
        var toxic = existing
        toxic.kind = try ToxicKind(typeName: existing.kind.typeName, attributes: merged)
        if let raw = object["toxicity"] { toxic.toxicity = try number(raw, "toxicity") }
        try toxic.validate()
        return toxic
    }

    /// A proxy from Toxiproxy's proxy JSON, with an optional `toxics` array.
    static func proxyDefinition(from object: [String: Any]) throws(FaultProxyError) -> ProxyDefinition {
        guard let name = try string(object, "name"), !name.isEmpty else {
            throw .badRequest("missing required field: name")
        }
        guard let upstream = try string(object, "upstream"), !upstream.isEmpty else {
            throw .badRequest("missing required field: upstream (proxy \(name))")
        }
        let configuration = ProxyConfiguration(
            name: name, listen: try string(object, "listen") ?? "127.0.0.1:0", upstream: upstream,
            enabled: try bool(object, "enabled") ?? true)
        var toxics: [Toxic]?
        if let raw = object["toxics"], !(raw is NSNull) {
            guard let array = raw as? [Any] else { throw .badRequest("field toxics of proxy \(name) must be an array") }
            toxics = try array.map { (element) throws(FaultProxyError) -> Toxic in
                guard let toxicObject = element as? [String: Any] else {
                    throw .badRequest("every toxic of proxy \(name) must be an object")
                }
                return try toxic(from: toxicObject)
            }
        }
        return ProxyDefinition(configuration: configuration, toxics: toxics)
    }

    /// A populate body or config file: a JSON array of proxies (or `{"proxies":[…]}`).
    static func proxyDefinitions(from body: [UInt8]) throws(FaultProxyError) -> [ProxyDefinition] {
        let root = try value(from: body)
        let array: [Any]
        if let list = root as? [Any] {
            array = list
        } else if let object = root as? [String: Any], let list = object["proxies"] as? [Any] {
            array = list
        } else {
            throw .badRequest("bad request body: expected a JSON array of proxies")
        }
        return try array.enumerated().map { (index, element) throws(FaultProxyError) -> ProxyDefinition in
            guard let object = element as? [String: Any] else {
                throw .badRequest("proxy #\(index + 1) is not a JSON object")
            }
            return try proxyDefinition(from: object)
        }
    }
}
