import HTTPTypes
import NIOCore

/// An HTTP/1.1 message head read straight from the bytes, for the proxy's short path: where its start line and
/// each field are in the buffer, without building strings for what nobody asks about. It is strict on purpose:
/// anything unusual (a bare LF, a folded line, a control character, a space before a colon) is `malformed`, and the
/// short path then leaves the request to the server's own HTTP parser, or treats the service's answer as broken.
struct HTTPHeadScan {
    enum Outcome {
        /// The head is not whole yet.
        case incomplete
        /// Not a well-formed HTTP/1.1 head (a bare LF, a folded line, a control character, a space before a colon).
        case malformed
        /// Longer than the limit.
        case tooLarge
        case head(HTTPHeadScan)
    }

    /// The head's bytes, from the start line to the empty line included.
    let bytes: ByteBuffer
    /// The start line, without its CRLF (offsets into `bytes`).
    let startLine: Range<Int>
    /// Each field's name and value (the value without surrounding spaces).
    let fields: [(name: Range<Int>, value: Range<Int>)]

    var length: Int { bytes.readableBytes }

    static let crlf: [UInt8] = [13, 10]

    /// Reads the head at the start of `buffer` (which is left as it is).
    static func scan(_ buffer: ByteBuffer, limit: Int) -> Outcome {
        buffer.withUnsafeReadableBytes { raw -> Outcome in
            // The end of the head: the first CRLFCRLF. Every LF must follow a CR, and every CR come before an LF.
            let count = raw.count
            var end = -1
            var index = 0
            while index < count {
                let byte = raw[index]
                if byte == 10 {
                    guard index > 0, raw[index - 1] == 13 else { return .malformed }
                    if index >= 3, raw[index - 2] == 10, raw[index - 3] == 13 { end = index + 1; break }
                } else if index > 0, raw[index - 1] == 13 {
                    return .malformed
                }
                index += 1
            }
            if end < 0 { return count > limit ? .tooLarge : .incomplete }
            if end > limit { return .tooLarge }
            var fields: [(name: Range<Int>, value: Range<Int>)] = []
            fields.reserveCapacity(12)
            var lineStart = 0
            var startLine: Range<Int>? = nil
            while lineStart < end - 2 {
                // One line: visible characters, spaces and tabs up to its CRLF.
                var position = lineStart
                while true {
                    let byte = raw[position]
                    if byte == 13 { break }
                    if byte == 127 || (byte < 32 && byte != 9) { return .malformed }
                    position += 1
                }
                guard raw[position + 1] == 10 else { return .malformed }
                let line = lineStart..<position
                lineStart = position + 2
                if startLine == nil {
                    guard !line.isEmpty else { return .malformed }
                    startLine = line
                    continue
                }
                // name ":" OWS value OWS — a name is a token, with no space before the colon.
                guard let first = line.first, raw[first] != 32, raw[first] != 9 else { return .malformed }
                var colon = first
                while colon < line.upperBound, raw[colon] != 58 {
                    guard isTokenByte(raw[colon]) else { return .malformed }
                    colon += 1
                }
                guard colon < line.upperBound, colon > first else { return .malformed }
                var valueStart = colon + 1, valueEnd = line.upperBound
                while valueStart < valueEnd, raw[valueStart] == 32 || raw[valueStart] == 9 { valueStart += 1 }
                while valueEnd > valueStart, raw[valueEnd - 1] == 32 || raw[valueEnd - 1] == 9 { valueEnd -= 1 }
                fields.append((first..<colon, valueStart..<valueEnd))
            }
            guard let startLine else { return .malformed }
            return .head(HTTPHeadScan(bytes: buffer.getSlice(at: buffer.readerIndex, length: end)!,
                                      startLine: startLine, fields: fields))
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            // ! # $ % & ' * + - . ^ _ ` | ~
            return [33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126].contains(byte)
        }
    }

    // MARK: reading it

    func string(_ range: Range<Int>) -> String {
        bytes.getString(at: bytes.readerIndex + range.lowerBound, length: range.count) ?? ""
    }

    /// Whether the field at `index` is called `name` (ASCII letters compared without case).
    func name(at index: Int, is name: HTTPField.Name) -> Bool {
        let range = fields[index].name
        let expected = name.canonicalName.utf8
        guard range.count == expected.count else { return false }
        return bytes.withUnsafeReadableBytes { raw in
            var offset = range.lowerBound
            for byte in expected {
                let found = raw[offset]
                let lowered = (found >= 65 && found <= 90) ? found | 0x20 : found
                if lowered != byte { return false }
                offset += 1
            }
            return true
        }
    }

    /// The field's name in lower case.
    func lowercasedName(at index: Int) -> String {
        let range = fields[index].name
        return bytes.withUnsafeReadableBytes { raw in
            String(decoding: raw[range].lazy.map { ($0 >= 65 && $0 <= 90) ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
    }

    /// The values of every field called `name`, in order.
    func values(_ name: HTTPField.Name) -> [String] {
        var found: [String] = []
        for index in fields.indices where self.name(at: index, is: name) { found.append(string(fields[index].value)) }
        return found
    }

    func has(_ name: HTTPField.Name) -> Bool { fields.indices.contains { self.name(at: $0, is: name) } }

    /// The only value of `name`; nil when it is absent, `.some(nil)` when it is there more than once.
    func single(_ name: HTTPField.Name) -> String?? {
        let all = values(name)
        if all.isEmpty { return .none }
        return all.count == 1 ? .some(all[0]) : .some(nil)
    }

    /// The comma-separated tokens of every `name` field, trimmed and in lower case (`Connection`, `Transfer-Encoding`).
    func tokens(_ name: HTTPField.Name) -> [String] {
        values(name).flatMap { $0.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() } }
    }

    /// Appends the field at `index` to `buffer` as `name: value\r\n`.
    func writeField(at index: Int, to buffer: inout ByteBuffer) {
        let (name, value) = fields[index]
        buffer.writeImmutableBuffer(bytes.getSlice(at: bytes.readerIndex + name.lowerBound, length: name.count)!)
        buffer.writeStaticString(": ")
        buffer.writeImmutableBuffer(bytes.getSlice(at: bytes.readerIndex + value.lowerBound, length: value.count)!)
        buffer.writeStaticString("\r\n")
    }
}

extension HTTPHeadScan: HeaderReading {}

/// What the browser test and the proxy's rules read from a head, whichever way it was parsed.
protocol HeaderReading {
    func has(_ name: HTTPField.Name) -> Bool
    func values(_ name: HTTPField.Name) -> [String]
}

extension HTTPFields: HeaderReading {
    func has(_ name: HTTPField.Name) -> Bool { self[name] != nil }
    func values(_ name: HTTPField.Name) -> [String] { self[values: name] }
}

/// Where a chunked body ends, read as it streams through unchanged (RFC 9112 §7.1): chunk sizes in hex with
/// optional extensions, each chunk's data and CRLF, the last chunk `0`, trailer lines, and the final CRLF.
struct ChunkedFraming {
    private enum State {
        case size(value: Int, digits: Int, inExtension: Bool)
        case sizeLF(value: Int)
        case data(remaining: Int)
        case dataCR, dataLF
        case trailerStart
        case trailerLine
        case trailerLF(empty: Bool)
        case done
    }

    enum Step {
        /// All of the bytes belong to the body, which goes on.
        case more
        /// The body ended after this many of the bytes.
        case ended(Int)
        case malformed
    }

    private var state = State.size(value: 0, digits: 0, inExtension: false)

    mutating func consume(_ buffer: ByteBuffer) -> Step {
        buffer.withUnsafeReadableBytes { raw -> Step in
            var index = 0
            let count = raw.count
            while index < count {
                switch state {
                case .data(let remaining):
                    let take = min(remaining, count - index)
                    index += take
                    state = take == remaining ? .dataCR : .data(remaining: remaining - take)
                    continue
                case .size(let value, let digits, let inExtension):
                    let byte = raw[index]
                    if byte == 13 {
                        guard digits > 0 else { return .malformed }
                        state = .sizeLF(value: value)
                    } else if inExtension {
                        if byte < 32 && byte != 9 { return .malformed }
                    } else if let digit = Self.hexValue(byte) {
                        guard digits < 15 else { return .malformed }
                        state = .size(value: value << 4 | digit, digits: digits + 1, inExtension: false)
                    } else if byte == 59 || byte == 32 || byte == 9 {  // ";" or whitespace before it
                        guard digits > 0 else { return .malformed }
                        state = .size(value: value, digits: digits, inExtension: true)
                    } else {
                        return .malformed
                    }
                case .sizeLF(let value):
                    guard raw[index] == 10 else { return .malformed }
                    state = value == 0 ? .trailerStart : .data(remaining: value)
                case .dataCR:
                    guard raw[index] == 13 else { return .malformed }
                    state = .dataLF
                case .dataLF:
                    guard raw[index] == 10 else { return .malformed }
                    state = .size(value: 0, digits: 0, inExtension: false)
                case .trailerStart:
                    state = raw[index] == 13 ? .trailerLF(empty: true) : .trailerLine
                case .trailerLine:
                    if raw[index] == 13 { state = .trailerLF(empty: false) }
                case .trailerLF(let empty):
                    guard raw[index] == 10 else { return .malformed }
                    if empty {
                        state = .done
                        return .ended(index + 1)
                    }
                    state = .trailerStart
                case .done:
                    return .ended(index)
                }
                index += 1
            }
            return .more
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 65...70: return Int(byte - 55)
        case 97...102: return Int(byte - 87)
        default: return nil
        }
    }
}
