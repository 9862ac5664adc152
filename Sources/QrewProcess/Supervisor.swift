import Foundation

/// Where the `qrew-supervise` executable is. It starts every task process (and every child of
/// `qctl dev`) so that they die with their starter; without it none is started.
public enum Supervisor {
    public static let executableName = "qrew-supervise"
    /// An environment variable naming the supervisor's path, for installations that keep it
    /// elsewhere than next to the executable (an application embedding the worker library).
    public static let environmentVariable = "QREW_SUPERVISE"

    /// Why no supervisor was found, and how to get one.
    public struct NotFound: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `$QREW_SUPERVISE` if set, else `qrew-supervise` in the directory of the running
    /// executable (symlinks resolved): where `swift build`, `make` and the Docker image put it,
    /// next to `qrew-worker` and `qctl`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(NotFound) -> String {
        if let given = environment[environmentVariable], !given.isEmpty {
            guard isExecutableFile(given) else {
                throw NotFound(description: "\(environmentVariable)=\(given) is not an executable file")
            }
            return given
        }
        let candidate = executableDirectory + "/" + executableName
        guard isExecutableFile(candidate) else {
            throw NotFound(description: """
                \(executableName) not found next to this executable (\(executableDirectory)); it starts every task so \
                that tasks die with the worker. Build it (swift build --product \(executableName)) and install it \
                there, or set \(environmentVariable) to its path
                """)
        }
        return candidate
    }

    /// The first successful ``locate(environment:)`` for this process's environment, looked up once.
    public static func located() throws(NotFound) -> String {
        try cached.get()
    }

    private static let cached: Result<String, NotFound> = Result { () throws(NotFound) in try locate() }

    /// The directory of the running executable, symlinks resolved.
    static var executableDirectory: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
