import Foundation

/// Toxiproxy's config file (`-config`): a JSON array of proxies, here with an optional `toxics` array per proxy.
public enum ProxyConfigFile {
    /// Reads and checks the file; the error names the file and what is wrong with it.
    public static func load(path: String) throws(FaultProxyError) -> [ProxyDefinition] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .badRequest("cannot read config file \(path): \(error.localizedDescription)")
        }
        return try parse(Array(data), source: path)
    }

    /// Parses config-file JSON; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String = "config") throws(FaultProxyError) -> [ProxyDefinition] {
        do {
            return try ControlJSON.proxyDefinitions(from: bytes)
        } catch {
            throw .badRequest("config file \(source): \(error.message)")
        }
    }
}
