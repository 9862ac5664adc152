import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's files (HTML, CSS, JS), read once from the binary's resources
/// (`Sources/QrewWeb/Dashboard`) and served from memory; nothing comes from a CDN.
struct Dashboard: Sendable {
    private let files: [String: (type: String, data: Data)]

    init(files: [String: (type: String, data: Data)]) {
        self.files = files
    }

    /// The files bundled with the binary.
    static func bundled() throws -> Dashboard {
        guard let folder = Bundle.module.url(forResource: "Dashboard", withExtension: nil) else {
            throw APIError(status: .internalServerError, message: "the dashboard's resources are missing from the qrew-web bundle")
        }
        var files: [String: (type: String, data: Data)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let type = switch (name as NSString).pathExtension {
            case "html": "text/html; charset=utf-8"
            case "css": "text/css; charset=utf-8"
            case "js": "text/javascript; charset=utf-8"
            case "svg": "image/svg+xml"
            default: "application/octet-stream"
            }
            files[name] = (type, try Data(contentsOf: folder.appendingPathComponent(name)))
        }
        return Dashboard(files: files)
    }

    /// A page (index.html), not cached by the browser so a new binary's page shows at once.
    func page(_ name: String) -> Response {
        response(name, cache: "no-cache") ?? Response(status: .notFound)
    }

    /// A script or stylesheet by name, or nil.
    func asset(_ name: String) -> Response? {
        guard name != "index.html" else { return nil }
        return response(name, cache: "no-cache")
    }

    private func response(_ name: String, cache: String) -> Response? {
        guard let file = files[name] else { return nil }
        return Response(
            status: .ok, headers: [.contentType: file.type, .cacheControl: cache],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}
