import Foundation

/// A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with the `openssl` command in
/// a temporary directory at run time (nothing secret is committed), plus a second, unrelated CA.
///
/// Tests of `rediss://` use it for single servers, and ``RedisCluster`` for TLS clusters
/// (``RedisCluster/Options/tls``), so one certificate recipe serves both.
public struct TLSTestCertificates: Sendable {
    /// Why `openssl` could not make the certificates.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with openssl's own message.
        public var description: String
    }

    /// The directory holding the keys and certificates.
    public let directory: URL
    /// The CA that signed the server certificate: what a client passes as `ssl_ca_certs`.
    public var caPath: String { directory.appendingPathComponent("ca.pem").path }
    /// A CA that signed nothing here: a client trusting only it must refuse the server.
    public var otherCAPath: String { directory.appendingPathComponent("other-ca.pem").path }
    /// The server certificate (subject alternative names 127.0.0.1 and localhost).
    public var certificatePath: String { directory.appendingPathComponent("server.pem").path }
    /// The server certificate's private key.
    public var keyPath: String { directory.appendingPathComponent("server.key").path }

    /// Makes the certificates in a new temporary directory, on a thread of their own: `openssl` runs as child
    /// processes, and waiting for them must not block one of the cooperative pool's threads while others work.
    public static func make() async throws -> TLSTestCertificates {
        try await make(in: FileManager.default.temporaryDirectory.appendingPathComponent("pcache-tls-\(UUID().uuidString.prefix(8))"))
    }

    /// Makes the certificates in `directory` (created if needed), on a thread of their own; whoever owns
    /// `directory` removes them with it.
    public static func make(in directory: URL) async throws -> TLSTestCertificates {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try TLSTestCertificates(generatingIn: directory) })
            }
        }
    }

    private init(generatingIn directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=PersistentCache test CA"])
        try run(["req", "-x509"] + curve + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Unrelated CA"])
        try run(["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(to: directory.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"])
    }

    /// redis-server arguments for a TLS listener on `port` (the plain port stays, for the harness's probes).
    public func serverArguments(tlsPort: Int) -> [String] {
        ["--tls-port", String(tlsPort)] + listenerArguments
    }

    /// The certificate arguments of a TLS listener, without its port. Clients are not asked for certificates:
    /// the cache authenticates with a password, as hosted services expect.
    public var listenerArguments: [String] {
        ["--tls-cert-file", certificatePath, "--tls-key-file", keyPath, "--tls-ca-cert-file", caPath, "--tls-auth-clients", "no"]
    }

    /// Removes the directory.
    public func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? "") failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}
