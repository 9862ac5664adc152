import Glibc
import Synchronization

/// What the crash signal handler reads: atomics, and blocks that stay valid while published.
/// Signal handlers are process-wide, so there is one, and at most one reporter owns it.
package final class CrashHandlerState: Sendable {
    package static let shared = CrashHandlerState()

    /// The reporter's connected socket, or -1 (nothing is written).
    package let socket = Atomic<Int32>(-1)
    /// The address of the constant head of the command (a ``CrashReportBlock``); 0 while not
    /// installed. Addresses are kept as integers: raw pointers are not `Sendable`.
    package let head = Atomic<Int>(0)
    /// The address of the block of the tasks the worker holds (a ``CrashReportBlock``), blamed
    /// when the crashing thread runs no task's attempt (``CrashAttribution``); 0 for none.
    package let held = Atomic<Int>(0)
    /// 0 before any crash, 1 while a handler reports, 2 once it is done. Writers of `held` stop
    /// at 1, so the block a handler reads is never rewritten under it.
    package let phase = Atomic<Int>(0)
    /// The thread that reports, so a fault inside the handler does not wait for itself.
    package let reportingThread = Atomic<UInt>(0)
    /// Whether a reporter has installed the handlers.
    package let owned = Atomic<Bool>(false)
    /// The actions in place before ours, indexed by signal number, to chain to (Swift's runtime
    /// backtracer, by default). Written before the handlers are installed, read by them.
    package nonisolated(unsafe) let previous: UnsafeMutablePointer<sigaction>

    private init() {
        previous = .allocate(capacity: Int(NSIG))
        previous.initialize(repeating: sigaction(), count: Int(NSIG))
    }
}

/// Handlers for the signals a worker dies of when it crashes on its own (a Swift trap or
/// `fatalError` is `ud2`, SIGILL, on x86_64 Linux; SIGTRAP on arm64; a bad access SIGSEGV or
/// SIGBUS; `abort` SIGABRT), never for SIGKILL or SIGTERM: a killed worker is no evidence
/// against its tasks.
///
/// The handler writes the preformatted `record_crash` call to the reporter's socket and waits
/// up to a second for the reply, then chains to the action it replaced (Swift's backtracer
/// prints the crash report) and dies of the same signal. It only calls async-signal-safe
/// functions (`send`, `poll`, `recv`, `nanosleep`, `sigaction`, `raise`) and reads atomics and
/// preformatted blocks; the one exception is reading a task-local (``CrashAttribution``), a
/// lock-free walk of the current task's storage.
package enum CrashSignalHandler {
    /// The crash signals.
    package static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    /// Installs the handlers with `head`; false when another reporter already owns them.
    package static func install(head: CrashReportBlock, state: CrashHandlerState = .shared) -> Bool {
        guard state.owned.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else {
            return false
        }
        _ = CrashAttribution.current  // initialize the task-local's storage outside the handler
        state.phase.store(0, ordering: .sequentiallyConsistent)
        state.head.store(Int(bitPattern: head.raw), ordering: .sequentiallyConsistent)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = crashSignalHandler
            // SA_ONSTACK: run on the thread's alternate stack where it has one (Swift's runtime
            // gives the main thread one), so a stack overflow there is reported too.
            // SA_RESETHAND: a fault inside the handler kills at once instead of looping.
            action.sa_flags = SA_SIGINFO | SA_ONSTACK | Int32(bitPattern: UInt32(SA_RESETHAND))
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, state.previous + Int(signal))
        }
        return true
    }

    /// Puts back the actions replaced by `install` (where ours is still in place) and returns
    /// the head block, which the caller frees.
    package static func uninstall(state: CrashHandlerState = .shared) -> CrashReportBlock? {
        for signal in signals {
            var current = sigaction()
            sigaction(signal, nil, &current)
            if unsafeBitCast(current.__sigaction_handler.sa_sigaction, to: Int.self)
                == unsafeBitCast(crashSignalHandler as SignalAction, to: Int.self)
            {
                sigaction(signal, state.previous + Int(signal), nil)
            }
        }
        let head = state.head.exchange(0, ordering: .sequentiallyConsistent)
        state.owned.store(false, ordering: .sequentiallyConsistent)
        return UnsafeMutableRawPointer(bitPattern: head).map(CrashReportBlock.init(raw:))
    }

    typealias SignalAction = @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void

    /// Writes the report once per process (a second thread crashing meanwhile waits for it),
    /// then dies of `signal` the way the replaced action would.
    fileprivate static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
        let state = CrashHandlerState.shared
        let thread = pthread_self()
        if state.phase.compareExchange(expected: 0, desired: 1, ordering: .sequentiallyConsistent).exchanged {
            state.reportingThread.store(thread, ordering: .sequentiallyConsistent)
            report(signal, state)
            state.phase.store(2, ordering: .sequentiallyConsistent)
        } else if state.reportingThread.load(ordering: .sequentiallyConsistent) != thread {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            var waited = 0
            while waited < 2000, state.phase.load(ordering: .sequentiallyConsistent) != 2 {
                nanosleep(&pause, nil)
                waited += 1
            }
        }
        chain(signal, info, context, state)
    }

    /// Sends `record_crash` blaming the crashing task's attempt, or every held task when the
    /// thread runs none, and waits up to a second for Redis to answer, so the crash is counted
    /// before the process dies. Best effort: nothing is counted when Redis cannot be reached.
    private static func report(_ signal: Int32, _ state: CrashHandlerState) {
        let socket = state.socket.load(ordering: .sequentiallyConsistent)
        guard socket >= 0, let head = UnsafeMutableRawPointer(bitPattern: state.head.load(ordering: .sequentiallyConsistent)) else {
            return
        }
        let blamed: CrashReportBlock
        if let attribution = CrashAttribution.current, attribution.isActive {
            blamed = attribution.block
        } else if let held = UnsafeMutableRawPointer(bitPattern: state.held.load(ordering: .sequentiallyConsistent)) {
            blamed = CrashReportBlock(raw: held)
        } else {
            return
        }
        let count = blamed.count
        guard count > 0 else { return }
        // 32 bytes of stack for "*<arguments>\r\n", then "$<length>\r\n<signal>\r\n", then the reply.
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var length = 0
            buffer[length] = UInt8(ascii: "*")
            length += 1
            length += formatDecimal(CrashReportCommand.fixedArguments + 2 * count, into: buffer, at: length)
            length += crlf(buffer, at: length)
            guard sendAll(socket, UnsafeRawBufferPointer(rebasing: buffer[..<length])),
                sendAll(socket, CrashReportBlock(raw: head).bytes)
            else { return }
            let digits = signal >= 10 ? 2 : 1
            length = 0
            buffer[length] = UInt8(ascii: "$")
            length += 1
            length += formatDecimal(digits, into: buffer, at: length)
            length += crlf(buffer, at: length)
            length += formatDecimal(Int(signal), into: buffer, at: length)
            length += crlf(buffer, at: length)
            guard sendAll(socket, UnsafeRawBufferPointer(rebasing: buffer[..<length])), sendAll(socket, blamed.bytes) else {
                return
            }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 1000) > 0 {
                _ = recv(socket, buffer.baseAddress, buffer.count, 0)
            }
        }
    }

    /// Calls the action our handler replaced, if it was a function, then makes sure the process
    /// dies of `signal`: default action, raised now. The signal stays pending until the handler
    /// returns; a fault that returning would re-execute kills the same way.
    private static func chain(
        _ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?,
        _ state: CrashHandlerState
    ) {
        let previous = state.previous[Int(signal)]
        if previous.sa_flags & SA_SIGINFO != 0, let action = previous.__sigaction_handler.sa_sigaction {
            action(signal, info, context)
        } else if let function = previous.__sigaction_handler.sa_handler, unsafeBitCast(function, to: Int.self) > 1 {
            // 0 and 1 are SIG_DFL and SIG_IGN.
            function(signal)
        }
        var fallback = sigaction()
        sigemptyset(&fallback.sa_mask)
        sigaction(signal, &fallback, nil)
        raise(signal)
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a closed socket must not turn the crash into SIGPIPE).
    private static func sendAll(_ socket: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let sent = send(socket, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent > 0 {
                offset += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Writes the decimal digits of `value` (≥ 0) at `offset`; returns how many.
    private static func formatDecimal(_ value: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var remaining = value
        var index = offset + digits
        while index > offset {
            index -= 1
            buffer[index] = UInt8(truncatingIfNeeded: 48 + remaining % 10)
            remaining /= 10
        }
        return digits
    }

    private static func crlf(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        buffer[offset] = 13
        buffer[offset + 1] = 10
        return 2
    }
}

/// The installed handler: a plain C function, no context.
private func crashSignalHandler(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    CrashSignalHandler.handle(signal, info, context)
}
