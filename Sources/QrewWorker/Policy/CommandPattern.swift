#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One `--allow-commands` pattern, a shell glob (`*`, `?`, `[...]`, as fnmatch(3)).
///
/// - With a `/`, it is matched against the executable's absolute, normalized path, `*` not
///   crossing `/`: `/usr/bin/*`, `/opt/tools/deploy-*`.
/// - Without one, it is matched against the name of a command written without a `/` and
///   found in a directory of the worker's own `PATH` (not a `PATH` the task's `env` sets):
///   `git`, `python3*`. `./git` or `/tmp/git` never match a bare-name pattern.
public struct CommandPattern: Sendable, Equatable {
    /// The glob as given.
    public let pattern: String

    /// A pattern; throws for an empty one.
    public init(_ pattern: String) throws {
        guard !pattern.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw WorkerConfiguration.InvalidValue(description: "an --allow-commands pattern must not be empty")
        }
        self.pattern = pattern
    }

    /// Whether the pattern allows `executable` (argv[0] as written) resolved to `resolvedPath`.
    public func allows(_ executable: String, resolvedPath: String, workerPath: String) -> Bool {
        let absolute = Self.normalized(resolvedPath)
        if pattern.contains("/") {
            return fnmatch(pattern, absolute, FNM_PATHNAME) == 0
        }
        guard !executable.contains("/") else { return false }
        let directory = Self.normalized((absolute as NSString).deletingLastPathComponent)
        let searched = workerPath.split(separator: ":").map { Self.normalized(String($0)) }
        return searched.contains(directory) && fnmatch(pattern, executable, 0) == 0
    }

    /// `path` made absolute (against the worker's directory) with `.` and `..` removed.
    /// Symlinks are left alone: `/bin/sh` stays `/bin/sh` on a system where it links to dash.
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (absolute as NSString).standardizingPath
    }
}
