#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AsyncHTTPClient
import CacheCore
import NIOCore
import NIOHTTP1
import NIOPosix

extension KVError {
    /// Classifies a failure of the HTTP client: DNS, TLS, refused, reset, timeout.
    init(classifying error: any Error) {
        if let error = error as? KVError {
            self = error
            return
        }
        if let tooLarge = error as? ResponseAccumulator.ResponseTooBigError {
            self.init(.protocolError, "the response body is longer than \(tooLarge.maxBodySize) bytes")
            return
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                self.init(.timeout, "no response before the deadline (\(client))")
                return
            case .connectTimeout:
                self.init(.connectionRefused, "connect timed out")
                return
            case .remoteConnectionClosed, .cancelled:
                self.init(.connectionReset, "\(client)")
                return
            case .tlsHandshakeTimeout:
                self.init(.tls, "TLS handshake timed out")
                return
            case .alreadyShutdown:
                self.init(.shutDown, "the HTTP client was shut down")
                return
            default:
                break
            }
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH:
                self.init(.connectionRefused, "\(io)")
            case ECONNRESET, EPIPE:
                self.init(.connectionReset, "\(io)")
            case ETIMEDOUT:
                self.init(.timeout, "\(io)")
            default:
                self.init(.connectionReset, "\(io)")
            }
            return
        }
        if error is NIOConnectionError || error is ChannelError {
            let text = String(describing: error)
            if text.lowercased().contains("dns") {
                self.init(.dns, "the host name could not be resolved")
            } else if text.contains("connectTimeout") {
                self.init(.connectionRefused, "connect timed out")
            } else if text.contains("ioOnClosedChannel") || text.contains("eof") {
                self.init(.connectionReset, text)
            } else {
                self.init(.connectionRefused, text)
            }
            return
        }
        let text = String(reflecting: error)
        let lowered = text.lowercased()
        if lowered.contains("ssl") || lowered.contains("tls") || lowered.contains("certificate") {
            self.init(.tls, String(text.prefix(200)))
        } else if lowered.contains("dns") || lowered.contains("unknown host") || lowered.contains("resolv") {
            self.init(.dns, String(text.prefix(200)))
        } else {
            self.init(.connectionReset, String(text.prefix(200)))
        }
    }
}
