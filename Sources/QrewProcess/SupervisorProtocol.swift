/// The numbers `qrew-supervise` and its starter agree on; the C side is
/// `Sources/qrew-supervise/protocol.h` (change both together).
package enum SupervisorProtocol {
    /// The spawner's fd 3: its end of the request socket (`SOCK_SEQPACKET`).
    static let requestSocketFD: Int32 = 3
    /// The data of every request message (`struct request`).
    static let requestVersion: Int32 = 1

    /// One message on a report pipe: two native-endian `Int32`s.
    package enum Report: Equatable, Sendable {
        /// The command runs; its pid is also its process group id.
        case started(pid: Int32)
        /// `execve` failed with this errno.
        case execFailed(errno: Int32)
        /// A read, fork or allocation in the supervisor failed with this errno.
        case setupFailed(errno: Int32)
        /// The command ended; the raw `waitpid` status.
        case exited(status: Int32)
        /// `chdir` to the requested working directory failed with this errno.
        case chdirFailed(errno: Int32)

        init?(kind: Int32, value: Int32) {
            switch kind {
            case 1: self = .started(pid: value)
            case 2: self = .execFailed(errno: value)
            case 3: self = .setupFailed(errno: value)
            case 4: self = .exited(status: value)
            case 5: self = .chdirFailed(errno: value)
            default: return nil
            }
        }
    }

    static let reportSize = 2 * MemoryLayout<Int32>.size

    /// The payload stream: NUL-terminated argc, envc, cwd ("" keeps the spawner's), path, argv,
    /// then the environment as `KEY=value`.
    static func payload(path: String, argv: [String], environment: [String: String], cwd: String?) -> [UInt8] {
        var bytes: [UInt8] = []
        let strings = [String(argv.count), String(environment.count), cwd ?? "", path] + argv
            + environment.map { "\($0.key)=\($0.value)" }
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            bytes.append(0)
        }
        return bytes
    }
}
