import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to stderr.
func printError(_ message: String) {
    writeError(message + "\n")
}

/// Writes text to stderr as it is (for redrawing a progress line).
func writeError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Whether stderr is a terminal (then progress is redrawn in place).
func standardErrorIsTerminal() -> Bool { isatty(STDERR_FILENO) == 1 }
