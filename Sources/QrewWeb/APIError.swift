import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as JSON, `{"error": {"message": ..., "problems": [...]}}` (docs/http-api.md),
/// with its status: every failure a request can cause ends here, never as a 500 with no message.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    /// Validation problems, `file:line:col: ...` each, for a 422.
    var problems: [String]? = nil
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: Any] = ["message": message]
        if let problems { error["problems"] = problems }
        let data = try JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys, .withoutEscapingSlashes])
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func conflict(_ message: String) -> APIError { APIError(status: .conflict, message: message) }
}
