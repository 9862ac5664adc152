import Foundation

/// Whether stdout is a person's terminal: only then does the live view redraw and use ANSI.
enum Terminal {
    static var isInteractive: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Colors are on for a terminal unless `NO_COLOR` is set (https://no-color.org).
    static var usesColor: Bool {
        isInteractive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
