/// A command that could not do its job for a reason the user should read; exits with status 1
/// (usage errors stay `ValidationError`, exit 2).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension CommandFailure {
    /// The message for a run id that Redis does not know.
    static func unknownRun(_ runID: String, _ redis: RedisOptions) -> CommandFailure {
        CommandFailure("no run '\(runID)' in namespace '\(redis.resolvedNamespace)' on \(redis.displayURL) (finished runs expire after the coordinator's retention)")
    }
}
