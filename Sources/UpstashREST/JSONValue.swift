/// A JSON value as the Upstash REST protocol uses it: command arrays in requests, `{"result"}` /
/// `{"error"}` objects in responses.
///
/// Numbers keep their source text, so a command argument such as `100` or `1.5` reaches Redis exactly as
/// the client wrote it, and a reply integer comes back without a round trip through `Double`.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as its JSON text.
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (member order is not kept).
    case object([String: JSONValue])

    /// An integer number.
    public static func integer(_ value: Int64) -> JSONValue { .number(String(value)) }

    /// The member `name` of an object, or `nil`.
    public subscript(member name: String) -> JSONValue? {
        if case .object(let members) = self { return members[name] }
        return nil
    }

    /// The string, or `nil` when this is not a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, or `nil` when this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The integer, or `nil` when this is not an integral number.
    public var integerValue: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }
}
