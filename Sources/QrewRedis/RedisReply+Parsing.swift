import CHiredis

extension RedisReply {
    /// The replies in `bytes` (RESP2), read by hiredis' reader and copied as a connection does:
    /// the reply parsing path without a socket, for the fuzz targets and their regression tests.
    ///
    /// A trailing incomplete reply is left out, as a connection would wait for the rest.
    /// - Throws: `RedisError` with code `.protocolError` when hiredis rejects the bytes.
    package static func replies(parsingRESP bytes: [UInt8]) throws(RedisError) -> [RedisReply] {
        guard let reader = redisReaderCreate() else { throw RedisError(.io, "cannot allocate a hiredis reader") }
        defer { redisReaderFree(reader) }
        let fed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, $0.count) }
        }
        guard fed == REDIS_OK else { throw RedisError(.protocolError, readerError(reader)) }
        var replies: [RedisReply] = []
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                throw RedisError(.protocolError, readerError(reader))
            }
            guard let raw else { return replies }
            replies.append(RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
    }

    private static func readerError(_ reader: UnsafeMutablePointer<redisReader>) -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
