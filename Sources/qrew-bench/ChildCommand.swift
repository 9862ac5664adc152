import Foundation

/// Runs a helper program to completion and returns its standard output, on a thread of its own
/// (never the cooperative pool). Its standard error goes to ours when `showErrors`, else nowhere.
/// The signal mask is cleared around the launch so the child can be signalled even when started
/// from a non-main thread.
enum ChildCommand {
    /// A helper program that could not be run, or exited unsuccessfully when success was required.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// With `requireSuccess`, an exit status other than 0 throws `Failure`.
    static func output(of path: String, _ arguments: [String], showErrors: Bool = false, requireSuccess: Bool = false) async throws -> String {
        let result: Result<String, any Error> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: path)
                    process.arguments = arguments
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    process.standardError = showErrors ? FileHandle.standardError : FileHandle.nullDevice
                    var empty = sigset_t()
                    var old = sigset_t()
                    sigemptyset(&empty)
                    pthread_sigmask(SIG_SETMASK, &empty, &old)
                    defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    if requireSuccess, process.terminationStatus != 0 {
                        throw Failure(description: "\(path) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
                    }
                    return String(decoding: data, as: UTF8.self)
                })
            }.start()
        }
        return try result.get()
    }

    /// The first executable named `name` on `PATH` (then in the usual binary directories), or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        return (path + ["/usr/local/bin", "/usr/bin", "/bin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
