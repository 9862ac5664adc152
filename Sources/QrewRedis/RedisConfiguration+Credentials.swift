import Foundation

extension RedisConfiguration {
    /// The environment variables that supply credentials the URL leaves out, so a password
    /// never has to appear on a command line (where `ps` shows it to every user of the host).
    public enum CredentialVariable {
        /// The ACL user (`qrew-worker`, ...), when the URL names none.
        public static let user = "QREW_REDIS_USER"
        /// A file holding the password (a Docker secret, a file readable only by the service's
        /// user); one trailing newline is ignored.
        public static let passwordFile = "QREW_REDIS_PASSWORD_FILE"
        /// The password itself, when neither the URL nor a password file gives one.
        public static let password = "QREW_REDIS_PASSWORD"
    }

    /// Parses `url`, then fills in what it leaves out from `environment`: the user from
    /// `QREW_REDIS_USER`, the password from the file `QREW_REDIS_PASSWORD_FILE` names, else from
    /// `QREW_REDIS_PASSWORD`. Credentials in the URL win. Errors never repeat a password.
    public init(url: String, environment: [String: String]) throws(RedisError) {
        try self.init(url: url)
        if username == nil, let user = environment[CredentialVariable.user], !user.isEmpty {
            username = user
        }
        guard password == nil else { return }
        if let path = environment[CredentialVariable.passwordFile], !path.isEmpty {
            password = try Self.readPassword(path: path)
        } else if let secret = environment[CredentialVariable.password], !secret.isEmpty {
            password = secret
        } else if username != nil {
            throw RedisError(.invalidURL, "Redis user \"\(username ?? "")\" has no password: set \(CredentialVariable.passwordFile) (a file holding it) or \(CredentialVariable.password)")
        }
    }

    /// The password in the file at `path`, without its trailing newline.
    static func readPassword(path: String) throws(RedisError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RedisError(.invalidURL, "\(CredentialVariable.passwordFile): cannot read \(path) (missing, or not readable by this user)")
        }
        var text = String(decoding: data, as: UTF8.self)
        while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
        guard !text.isEmpty else {
            throw RedisError(.invalidURL, "\(CredentialVariable.passwordFile): \(path) is empty; write the password into it")
        }
        return text
    }
}
