import Foundation

/// A minimal HTTP/1.1 client over a loopback socket, for tests: plain requests read to the end
/// of the response, and a Server-Sent Events stream read event by event (so a test can drop the
/// connection part-way and resume). Only what qrew-web answers: fixed length or chunked bodies.
struct HTTPTestClient {
    let port: Int

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        /// The JSON error message of a 4xx/5xx (`{"error": {"message": ...}}`), or "".
        var errorMessage: String {
            ((try? json()) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["message"] as? String ?? ""
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try request("GET", path, headers: headers)
    }

    func post(_ path: String, body: String = "", headers: [String: String] = [:]) throws -> Reply {
        try request("POST", path, headers: headers, body: Data(body.utf8))
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> Reply {
        let connection = try Connection(port: port, timeout: 30)
        defer { connection.close() }
        try connection.send(method: method, path: path, headers: headers, body: body)
        let (status, responseHeaders) = try connection.readHead()
        var data = Data()
        if responseHeaders["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try connection.readChunk() { data.append(chunk) }
        } else if let length = responseHeaders["content-length"].flatMap(Int.init) {
            data = try connection.read(exactly: length)
        } else {
            data = try connection.readToEnd()
        }
        return Reply(status: status, headers: responseHeaders, body: data)
    }

    /// Opens an event stream; the caller reads events and closes it.
    func events(_ path: String, headers: [String: String] = [:]) throws -> EventStream {
        let connection = try Connection(port: port, timeout: 60)
        try connection.send(method: "GET", path: path, headers: headers.merging(["Accept": "text/event-stream"]) { a, _ in a }, body: Data())
        let (status, responseHeaders) = try connection.readHead()
        return EventStream(connection: connection, status: status, headers: responseHeaders)
    }

    /// One SSE event: its id and its data parsed as a JSON object of strings.
    struct Event: Equatable {
        let id: String
        let fields: [String: String]
    }

    final class EventStream {
        let connection: Connection
        let status: Int
        let headers: [String: String]
        private var pending = ""
        private(set) var ended = false

        init(connection: Connection, status: Int, headers: [String: String]) {
            (self.connection, self.status, self.headers) = (connection, status, headers)
        }

        /// The next event, or nil once the server ended the stream.
        func next() throws -> Event? {
            while true {
                if let range = pending.range(of: "\n\n") {
                    let block = String(pending[..<range.lowerBound])
                    pending = String(pending[range.upperBound...])
                    var id = ""
                    var data = ""
                    for line in block.split(separator: "\n") {
                        if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                        if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                    }
                    if data.isEmpty { continue } // a comment (keep-alive)
                    let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: String] ?? [:]
                    return Event(id: id, fields: object)
                }
                if ended { return nil }
                guard let chunk = try connection.readChunk() else {
                    ended = true
                    continue
                }
                pending += String(decoding: chunk, as: UTF8.self)
            }
        }

        /// Every event until the server ends the stream.
        func rest() throws -> [Event] {
            var events: [Event] = []
            while let event = try next() { events.append(event) }
            return events
        }

        func close() { connection.close() }
    }

    /// A blocking loopback TCP connection with a read timeout.
    final class Connection {
        private let socket: Int32
        private var buffer = Data()

        init(port: Int, timeout: Int) throws {
            socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
            var time = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else {
                Foundation.close(socket)
                throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
            }
        }

        func close() { Foundation.close(socket) }

        func send(method: String, path: String, headers: [String: String], body: Data) throws {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
            head += "\r\n"
            let bytes = Data(head.utf8) + body
            try bytes.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let count = Foundation.send(socket, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if count <= 0 { throw Failure(description: "send: errno \(errno)") }
                    sent += count
                }
            }
        }

        private func fill() throws -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0 { throw Failure(description: "recv: errno \(errno) (timed out?)") }
            if count == 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }

        private func readLine() throws -> String? {
            while true {
                if let index = buffer.firstRange(of: Data("\r\n".utf8)) {
                    let line = String(decoding: buffer[buffer.startIndex..<index.lowerBound], as: UTF8.self)
                    buffer = Data(buffer[index.upperBound...])
                    return line
                }
                guard try fill() else { return nil }
            }
        }

        func readHead() throws -> (Int, [String: String]) {
            guard let statusLine = try readLine() else { throw Failure(description: "no response") }
            let parts = statusLine.split(separator: " ")
            guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(statusLine)") }
            var headers: [String: String] = [:]
            while let line = try readLine(), !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return (status, headers)
        }

        func read(exactly count: Int) throws -> Data {
            while buffer.count < count { guard try fill() else { break } }
            let data = Data(buffer.prefix(count))
            buffer = Data(buffer.dropFirst(count))
            return data
        }

        func readToEnd() throws -> Data {
            while try fill() {}
            defer { buffer = Data() }
            return buffer
        }

        /// The next chunk of a chunked body, or nil after the last.
        func readChunk() throws -> Data? {
            guard let sizeLine = try readLine(), let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { return nil }
            if size == 0 {
                _ = try readLine()
                return nil
            }
            let data = try read(exactly: size)
            _ = try readLine()
            return data
        }
    }
}
