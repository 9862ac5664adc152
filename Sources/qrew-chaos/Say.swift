import Foundation

/// Writes one line to standard output at once (unbuffered), so the timeline shows up live even
/// when stdout is a file or a pipe, and nothing is lost if the watchdog exits the process.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
