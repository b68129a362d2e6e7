/// A CSV file with a header row (RFC 4180: fields may be quoted, `""` is a quote inside quotes), read by column
/// name. Errors name the file and the line.
struct CSVTable {
    struct Row {
        let file: String
        let line: Int
        let fields: [String: String]

        subscript(_ column: String) -> String { fields[column] ?? "" }

        func optional(_ column: String) -> String? {
            let value = self[column]
            return value.isEmpty ? nil : value
        }

        func error(_ message: String) -> ReferenceDataError {
            ReferenceDataError(file: file, line: line, message: message)
        }

        func int(_ column: String, in range: ClosedRange<Int>) throws -> Int {
            guard let value = Int(self[column]), range.contains(value) else {
                throw error("\(column) must be a whole number in \(range), not \"\(self[column])\"")
            }
            return value
        }

        func double(_ column: String, in range: ClosedRange<Double>) throws -> Double {
            guard let value = Double(self[column]), range.contains(value) else {
                throw error("\(column) must be a number in \(range), not \"\(self[column])\"")
            }
            return value
        }
    }

    let rows: [Row]

    init(file: String, text: String, required: [String]) throws {
        let records = try Self.records(text, file: file)
        guard let (_, header) = records.first else {
            throw ReferenceDataError(file: file, line: nil, message: "is empty")
        }
        for column in required where !header.contains(column) {
            throw ReferenceDataError(file: file, line: 1, message: "lacks the column \(column)")
        }
        rows = try records.dropFirst().map { line, fields in
            guard fields.count == header.count else {
                throw ReferenceDataError(file: file, line: line,
                                         message: "has \(fields.count) fields, the header \(header.count)")
            }
            return Row(file: file, line: line, fields: Dictionary(zip(header, fields)) { first, _ in first })
        }
    }

    /// The records of the text with the line each starts on; blank lines are skipped.
    static func records(_ text: String, file: String) throws -> [(Int, [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var characters = text.makeIterator()
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
            field = ""
        }
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where afterQuote:
                field.append("\"")
                quoted = true
                afterQuote = false
            case "\"" where field.isEmpty:
                quoted = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\n", "\r\n", "\r":
                endRecord()
                afterQuote = false
                line += 1
                recordLine = line
            default:
                guard !afterQuote else {
                    throw ReferenceDataError(file: file, line: line, message: "text after a closing quote")
                }
                field.append(c)
            }
        }
        guard !quoted else { throw ReferenceDataError(file: file, line: line, message: "a quote is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
