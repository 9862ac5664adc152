import Foundation

/// The Qrew executables installed next to the running `qctl` (the same build products or
/// install directory), which `qctl dev` launches by path.
enum SiblingExecutable {
    /// The directory of the running executable (symlinks resolved).
    static var directory: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return (String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) as NSString)
                .deletingLastPathComponent
        }
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return ((path as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
    }

    /// The path of `name` next to qctl, or a failure that says where it was looked for.
    static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        guard access(path, X_OK) == 0 else {
            throw CommandFailure("\(name) not found next to qctl in \(directory); build it (swift build --product \(name)) or install it there")
        }
        return path
    }
}
