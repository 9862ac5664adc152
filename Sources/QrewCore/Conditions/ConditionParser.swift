/// Why an `if:` expression does not parse; `offset` is the character (from 0) where it went wrong.
public struct ConditionSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public var description: String { "\(message) at character \(offset + 1) of the expression" }
}

/// Parses `if:` expressions: tokenizer and recursive-descent parser, bounded for user input
/// (``maximumLength`` characters, ``maximumDepth`` levels of nesting).
///
/// Grammar (loosest binding first):
/// ```
/// expression := and ('||' and)*
/// and        := comparison ('&&' comparison)*
/// comparison := unary (('==' | '!=') unary)*
/// unary      := '!' unary | primary
/// primary    := literal | '(' expression ')' | function '(' [expression (',' expression)*] ')'
///             | 'steps' '.' ID '.' ('state' | 'output') | 'params' '.' NAME | 'matrix' '.' KEY
/// literal    := 'text' ('' for a quote) | number | true | false | null
/// ```
/// The whole text may be wrapped in `${{ }}`.
public struct ConditionParser {
    public static let maximumLength = 2_000
    public static let maximumDepth = 32

    /// Parses `text` into an expression, within the limits a workflow file's `if:` has.
    public static func parse(_ text: String) throws(ConditionSyntaxError) -> ConditionExpression {
        try parse(text, maximumLength: maximumLength, maximumDepth: maximumDepth)
    }

    /// Parses the printed form (`description`) of an expression `parse` accepted, as a task spec
    /// stores it: printing adds parentheses and substituting params lengthens it, so only the
    /// depth stays bounded (the spec's size bounds the length).
    public static func parseStored(_ text: String) throws(ConditionSyntaxError) -> ConditionExpression {
        try parse(text, maximumLength: .max, maximumDepth: 4 * maximumDepth)
    }

    private static func parse(_ text: String, maximumLength: Int, maximumDepth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        // Unicode scalars, not Characters: a combining mark after a quote must not hide the quote,
        // and problem columns count scalars.
        var characters = Array(text.unicodeScalars)
        guard characters.count <= maximumLength else {
            throw ConditionSyntaxError(offset: maximumLength, message: "the expression is longer than \(maximumLength) characters")
        }
        var base = 0
        if let open = Self.wrapperRange(characters) {
            base = open.lowerBound
            characters = Array(characters[open])
        }
        var parser = ConditionParser(
            tokens: try Self.tokenize(characters, base: base), end: base + characters.count, maximumDepth: maximumDepth)
        let expression = try parser.expression(depth: 0)
        if let extra = parser.peek {
            throw ConditionSyntaxError(offset: extra.offset, message: "unexpected \(extra.kind.display) after the expression")
        }
        return expression
    }

    /// The characters inside `${{ ... }}` when the whole text is so wrapped.
    private static func wrapperRange(_ characters: [Unicode.Scalar]) -> Range<Int>? {
        var start = 0
        while start < characters.count, characters[start].properties.isWhitespace { start += 1 }
        var end = characters.count
        while end > start, characters[end - 1].properties.isWhitespace { end -= 1 }
        guard end - start >= 5, characters[start..<start + 3] == ["$", "{", "{"], characters[end - 2..<end] == ["}", "}"]
        else { return nil }
        return start + 3..<end - 2
    }

    enum TokenKind: Hashable {
        case identifier(String)
        case string(String)
        case number(Double)
        case symbol(String)

        var display: String {
            switch self {
            case .identifier(let name): "'\(name)'"
            case .string(let text): "string '\(text)'"
            case .number(let value): "number \(ConditionValue.numberText(value))"
            case .symbol(let symbol): "'\(symbol)'"
            }
        }
    }

    struct Token {
        let kind: TokenKind
        let offset: Int
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }
    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool { (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") }

    static func tokenize(_ characters: [Unicode.Scalar], base: Int) throws(ConditionSyntaxError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.properties.isWhitespace {
                index += 1
                continue
            }
            if character == "'" {
                var text = ""
                index += 1
                while true {
                    guard index < characters.count else {
                        throw ConditionSyntaxError(offset: base + start, message: "unterminated string (a string is written 'text', with '' for a quote)")
                    }
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            text.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    text.unicodeScalars.append(characters[index])
                    index += 1
                }
                tokens.append(Token(kind: .string(text), offset: base + start))
            } else if isDigit(character) || (character == "-" && index + 1 < characters.count && isDigit(characters[index + 1])) {
                index += 1
                while index < characters.count,
                      isDigit(characters[index]) || isLetter(characters[index]) || characters[index] == "."
                        || ((characters[index] == "+" || characters[index] == "-") && (characters[index - 1] == "e" || characters[index - 1] == "E"))
                {
                    index += 1
                }
                var text = ""
                text.unicodeScalars.append(contentsOf: characters[start..<index])
                guard let value = Double(text), value.isFinite, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else {
                    throw ConditionSyntaxError(offset: base + start, message: "'\(text)' is not a number")
                }
                tokens.append(Token(kind: .number(value), offset: base + start))
            } else if isLetter(character) || character == "_" {
                index += 1
                while index < characters.count,
                      isLetter(characters[index]) || isDigit(characters[index]) || characters[index] == "_" || characters[index] == "-"
                {
                    index += 1
                }
                var name = ""
                name.unicodeScalars.append(contentsOf: characters[start..<index])
                tokens.append(Token(kind: .identifier(name), offset: base + start))
            } else {
                var pair = ""
                if index + 1 < characters.count { pair.unicodeScalars.append(contentsOf: [character, characters[index + 1]]) }
                if ["==", "!=", "&&", "||"].contains(pair) {
                    tokens.append(Token(kind: .symbol(pair), offset: base + start))
                    index += 2
                } else if "!().,".unicodeScalars.contains(character) {
                    tokens.append(Token(kind: .symbol(String(character)), offset: base + start))
                    index += 1
                } else {
                    let hint = character == "=" ? " (compare with ==)" : character == "\"" ? " (strings use single quotes)" : ""
                    throw ConditionSyntaxError(offset: base + start, message: "unexpected character '\(character)'\(hint)")
                }
            }
        }
        return tokens
    }

    private let tokens: [Token]
    private let end: Int
    private let maximumDepth: Int
    private var position = 0

    private init(tokens: [Token], end: Int, maximumDepth: Int) {
        self.tokens = tokens
        self.end = end
        self.maximumDepth = maximumDepth
    }

    private var peek: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func take(_ symbol: String) -> Bool {
        guard let token = peek, token.kind == .symbol(symbol) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(ConditionSyntaxError) {
        guard take(symbol) else {
            let found = peek.map { "found \($0.kind.display)" } ?? "the expression ended"
            throw ConditionSyntaxError(offset: peek?.offset ?? end, message: "expected '\(symbol)' \(context), \(found)")
        }
    }

    private func checkDepth(_ depth: Int) throws(ConditionSyntaxError) {
        guard depth <= maximumDepth else {
            throw ConditionSyntaxError(offset: peek?.offset ?? end, message: "the expression nests deeper than \(maximumDepth) levels")
        }
    }

    private mutating func expression(depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        try checkDepth(depth)
        var lhs = try conjunction(depth: depth + 1)
        while take("||") { lhs = .or(lhs, try conjunction(depth: depth + 1)) }
        return lhs
    }

    private mutating func conjunction(depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        var lhs = try comparison(depth: depth)
        while take("&&") { lhs = .and(lhs, try comparison(depth: depth)) }
        return lhs
    }

    private mutating func comparison(depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        var lhs = try unary(depth: depth)
        while true {
            if take("==") {
                lhs = .equal(lhs, try unary(depth: depth))
            } else if take("!=") {
                lhs = .notEqual(lhs, try unary(depth: depth))
            } else {
                return lhs
            }
        }
    }

    private mutating func unary(depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        try checkDepth(depth)
        if take("!") { return .not(try unary(depth: depth + 1)) }
        return try primary(depth: depth)
    }

    private mutating func primary(depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        guard let token = peek else {
            throw ConditionSyntaxError(offset: end, message: "the expression ends where a value was expected")
        }
        position += 1
        switch token.kind {
        case .string(let text): return .literal(.string(text))
        case .number(let value): return .literal(.number(value))
        case .symbol("("):
            let inner = try expression(depth: depth + 1)
            try expect(")", "to close the '(' at character \(token.offset + 1)")
            return inner
        case .symbol(let symbol):
            throw ConditionSyntaxError(offset: token.offset, message: "unexpected '\(symbol)' where a value was expected")
        case .identifier(let name):
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            case "steps":
                let id = try member(after: token, "steps.ID.state or steps.ID.output")
                let field = try member(after: token, "steps.\(id).state or steps.\(id).output")
                switch field {
                case "state": return .stepState(id)
                case "output": return .stepOutput(id)
                default:
                    throw ConditionSyntaxError(offset: tokens[position - 1].offset,
                                               message: "steps.\(id).\(field) is not available; use steps.\(id).state or steps.\(id).output")
                }
            case "params": return .param(try member(after: token, "params.NAME"))
            case "matrix": return .matrix(try member(after: token, "matrix.KEY"))
            case "secrets":
                throw ConditionSyntaxError(offset: token.offset, message: "secrets are not available in if: conditions "
                    + "(conditions are stored with the run and shown); compare inside the task instead")
            default:
                guard let function = ConditionFunction(rawValue: name) else {
                    throw ConditionSyntaxError(offset: token.offset, message: "unknown name '\(name)' (use steps.ID.state, steps.ID.output, params.NAME, matrix.KEY, a literal or one of the functions \(ConditionFunction.allCases.map { $0.rawValue + "()" }.joined(separator: ", ")))")
                }
                return try call(function, at: token, depth: depth)
            }
        }
    }

    private mutating func member(after token: Token, _ form: String) throws(ConditionSyntaxError) -> String {
        try expect(".", "in \(form)")
        guard let next = peek, case .identifier(let name) = next.kind else {
            throw ConditionSyntaxError(offset: peek?.offset ?? end, message: "expected a name in \(form)")
        }
        position += 1
        return name
    }

    private mutating func call(_ function: ConditionFunction, at token: Token, depth: Int) throws(ConditionSyntaxError) -> ConditionExpression {
        try expect("(", "after \(function.rawValue)")
        var arguments: [ConditionExpression] = []
        if !take(")") {
            repeat { arguments.append(try expression(depth: depth + 1)) } while take(",")
            try expect(")", "to close the call of \(function.rawValue)")
        }
        guard arguments.count == function.arity else {
            throw ConditionSyntaxError(offset: token.offset,
                                       message: "\(function.rawValue)() takes \(function.arity) argument\(function.arity == 1 ? "" : "s"), not \(arguments.count)")
        }
        return .call(function, arguments)
    }
}
