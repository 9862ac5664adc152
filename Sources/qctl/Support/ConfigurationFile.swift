import ArgumentParser
import Foundation
import QrewCore

/// Reads the optional JSON inputs of `qctl plan` with errors that name the file and the entry.
enum ConfigurationFile {
    static func priorityTables(_ path: String) throws -> PriorityTables {
        do {
            return try FoundationJSON.decode(PriorityTables.self, from: read(path))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(path): not valid priority tables: \(error)")
        }
    }

    static func durationEstimates(_ path: String) throws -> [String: Duration] {
        let object: Any
        do {
            object = try FoundationJSON.object(from: read(path))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(path): not valid JSON: \((error as? JSONReaderError)?.description ?? error.localizedDescription)")
        }
        guard let entries = object as? [String: Any] else {
            throw ValidationError("\(path): expected a JSON object of step id to duration, like {\"build\": \"90s\"}")
        }
        var result: [String: Duration] = [:]
        for (step, value) in entries {
            switch value {
            case let seconds as Double where seconds >= 0 && seconds <= Double(NumericBounds.longestDuration.components.seconds):
                result[step] = .milliseconds(Int64(seconds * 1000))
            case let text as String:
                do {
                    result[step] = try DurationParser.parse(text)
                } catch {
                    throw ValidationError("\(path): step '\(step)': \(error)")
                }
            default:
                throw ValidationError("\(path): step '\(step)': expected a duration like \"90s\" or a number of seconds (0 to 365 days)")
            }
        }
        return result
    }

    private static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path): cannot read the file")
        }
        return data
    }
}
