/// A failure to start (busy port, a config file the proxies cannot be built from); printed, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    var description: String
}
