import Foundation
import QrewCore
import QrewQueue

/// The JSON reader on arbitrary bytes and the writer on every string: whatever the writer
/// writes, the reader reads back equal; text and bytes read the same; a number keeps text that
/// parses as one; a `--set` parameters object encoded as qctl encodes it (`JSONEncoder`) reads
/// back equal through the coordinator's `RunIntake.parameters(json:)`.
enum JSONFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        try roundTrip([String(fuzzBytes: bytes)])

        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            if let text = String(validating: bytes, as: UTF8.self) {
                try expect((try? JSONReader.parse(text)) == nil, "bytes rejected (\(error)) but the same text accepted")
            }
            return
        }
        try expect((try? JSONReader.parse(String(fuzzBytes: bytes))) == value, "text and bytes read differently")

        var strings: [String] = []
        try collect(value, into: &strings)
        try roundTrip(strings)

        if case .object(let members) = value {
            var object: [String: String] = [:]
            for member in members {
                guard case .string(let text) = member.value else { return }
                object[member.key] = text
            }
            let written = object.jsonObjectText
            try expect(RunIntake.parameters(json: written) == object, "jsonObjectText does not read back: \(written)")
            guard let encoded = try? JSONEncoder().encode(object) else {
                throw FuzzFailure("JSONEncoder cannot encode \(object)")
            }
            let sent = String(decoding: encoded, as: UTF8.self)
            try expect(RunIntake.parameters(json: sent) == object, "parameters as qctl sends them do not read back: \(sent)")
        }
    }

    /// Writes `strings` as a JSON array and checks it reads back equal.
    private static func roundTrip(_ strings: [String]) throws(FuzzFailure) {
        let written = strings.jsonArrayText
        let read: JSONValue
        do {
            read = try JSONReader.parse(written)
        } catch {
            throw FuzzFailure("the writer wrote what the reader rejects (\(error)): \(written.debugDescription)")
        }
        try expect(read == .array(strings.map(JSONValue.string)), "strings do not survive a round trip: \(strings.debugDescription)")
    }

    /// Every string and key of `value`; checks numbers on the way.
    private static func collect(_ value: JSONValue, into strings: inout [String]) throws(FuzzFailure) {
        switch value {
        case .null, .bool:
            return
        case .number(let text):
            try expect(Double(text) != nil, "number text '\(text)' is not a number")
        case .string(let text):
            strings.append(text)
        case .array(let elements):
            for element in elements { try collect(element, into: &strings) }
        case .object(let members):
            for member in members {
                strings.append(member.key)
                try collect(member.value, into: &strings)
            }
        }
    }
}
