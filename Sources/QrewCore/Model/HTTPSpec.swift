/// The request an `http` step makes.
public struct HTTPSpec: Sendable, Hashable, Codable {
    /// Target URL; may contain templates.
    public var url: String
    /// Upper-case method; `GET` unless given.
    public var method: String
    /// Request headers; values may contain templates.
    public var headers: [String: String]
    /// Request body; may contain templates.
    public var body: String?

    /// The methods a step may use.
    public static let allowedMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Creates a request description.
    public init(url: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}
