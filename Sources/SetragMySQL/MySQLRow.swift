import Foundation
import SQLKit

/// Column names of one result set, shared by its rows.
final class MySQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil {
            index[name] = position
        }
        self.index = index
    }
}

/// One row of a result set. Decodes through SQLKit (`decode(column:as:)`, `decode(model:)`,
/// `all(decoding:)`, `first(decoding:)`):
///
/// - integers of every width (overflow is an error, never a wrap), from any integer, `DECIMAL`, `BIT`
///   or numeric text column;
/// - `Bool` from any integer (`TINYINT(1)`, `BIT(1)`): non-zero is true;
/// - `Double`/`Float`, `Decimal` (exact, from the DECIMAL text), `String` (utf8mb4), `Data`/`[UInt8]`;
/// - `Date` from `DATETIME`/`TIMESTAMP`/`DATE`, read as UTC;
/// - `UUID` from its 36-character text or 16 raw bytes;
/// - `RawRepresentable` and other single-value types through their wrapped value;
/// - any other `Decodable` (structs, arrays, dictionaries) from the column's JSON text;
/// - `NULL` as `nil` for an `Optional`, an error otherwise.
public struct MySQLRow: SQLRow, Sendable {
    let columns: MySQLColumns
    let values: [MySQLValue]

    public var allColumns: [String] { columns.names }

    public func contains(column: String) -> Bool { columns.index[column] != nil }

    public func decodeNil(column: String) throws -> Bool {
        guard let position = columns.index[column] else {
            throw MySQLError.decoding(column: column, message: "no such column in the result")
        }
        if case .null = values[position] { return true }
        return false
    }

    public func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let position = columns.index[column] else {
            throw MySQLError.decoding(column: column, message: "no such column in the result")
        }
        return try MySQLValueDecoding.decode(D.self, from: values[position], column: column)
    }
}

protocol MySQLOptionalDecodable {
    static func mysqlDecode(from value: MySQLValue, column: String) throws -> Self
}

extension Optional: MySQLOptionalDecodable where Wrapped: Decodable {
    static func mysqlDecode(from value: MySQLValue, column: String) throws -> Self {
        if case .null = value { return nil }
        return try MySQLValueDecoding.decode(Wrapped.self, from: value, column: column)
    }
}

enum MySQLValueDecoding {
    static func decode<D: Decodable>(_ type: D.Type, from value: MySQLValue, column: String) throws -> D {
        if let optional = D.self as? any MySQLOptionalDecodable.Type {
            return try optional.mysqlDecode(from: value, column: column) as! D
        }
        if case .null = value {
            throw MySQLError.decoding(column: column, message: "NULL cannot be decoded as \(D.self)")
        }
        if let primitive = try decodePrimitive(D.self, from: value, column: column) {
            return primitive
        }
        do {
            return try D(from: ColumnDecoder(value: value, column: column))
        } catch is NeedsJSON {
            return try decodeJSON(D.self, from: value, column: column)
        } catch let error as MySQLError {
            throw error
        } catch {
            throw MySQLError.decoding(column: column, message: "\(D.self): \(error)")
        }
    }

    static func decodeJSON<D: Decodable>(_ type: D.Type, from value: MySQLValue, column: String) throws -> D {
        let bytes: [UInt8]
        switch value {
        case .text(let b), .bytes(let b): bytes = b
        default: throw MySQLError.decoding(column: column, message: "\(D.self) needs JSON text, got \(value.kindName)")
        }
        do {
            return try MySQLBindEncoding.jsonDecoder().decode(D.self, from: Data(bytes))
        } catch {
            throw MySQLError.decoding(column: column, message: "\(D.self) from JSON: \(error)")
        }
    }

    // swiftlint:disable:next cyclomatic_complexity
    static func decodePrimitive<D>(_ type: D.Type, from value: MySQLValue, column: String) throws -> D? {
        switch type {
        case is String.Type: return try string(value, column) as? D
        case is Int.Type: return try integer(Int.self, value, column) as? D
        case is Int64.Type: return try integer(Int64.self, value, column) as? D
        case is Int32.Type: return try integer(Int32.self, value, column) as? D
        case is Int16.Type: return try integer(Int16.self, value, column) as? D
        case is Int8.Type: return try integer(Int8.self, value, column) as? D
        case is UInt.Type: return try integer(UInt.self, value, column) as? D
        case is UInt64.Type: return try integer(UInt64.self, value, column) as? D
        case is UInt32.Type: return try integer(UInt32.self, value, column) as? D
        case is UInt16.Type: return try integer(UInt16.self, value, column) as? D
        case is UInt8.Type: return try integer(UInt8.self, value, column) as? D
        case is Bool.Type: return try bool(value, column) as? D
        case is Double.Type: return try double(value, column) as? D
        case is Float.Type: return Float(try double(value, column)) as? D
        case is Date.Type: return try date(value, column) as? D
        case is Data.Type: return Data(try bytes(value, column)) as? D
        case is [UInt8].Type: return try bytes(value, column) as? D
        case is UUID.Type: return try uuid(value, column) as? D
        case is Decimal.Type: return try decimal(value, column) as? D
        default: return nil
        }
    }

    static func fail(_ column: String, _ value: MySQLValue, _ target: String) -> MySQLError {
        .decoding(column: column, message: "cannot decode \(value.kindName) as \(target)")
    }

    static func string(_ value: MySQLValue, _ column: String) throws -> String {
        switch value {
        case .text(let b), .bytes(let b):
            guard let s = String(validating: b, as: UTF8.self) else {
                throw MySQLError.decoding(column: column, message: "bytes are not valid UTF-8")
            }
            return s
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .dateTime(let v): return v.text
        case .null: throw fail(column, value, "String")
        }
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: MySQLValue, _ column: String) throws -> I {
        let result: I?
        switch value {
        case .int(let v): result = I(exactly: v)
        case .uint(let v): result = I(exactly: v)
        case .double(let v): result = I(exactly: v)
        case .text(let b):
            let text = String(decoding: b, as: UTF8.self)
            if let v = I(text) {
                result = v
            } else if let d = Decimal(string: text), d.isFinite, d == d.rounded0 {
                result = I(d.description)
            } else {
                throw MySQLError.decoding(column: column, message: "'\(text)' is not an integer")
            }
        case .bytes(let b) where b.count <= 8:  // BIT(n): big-endian
            var v: UInt64 = 0
            for byte in b { v = v << 8 | UInt64(byte) }
            result = I(exactly: v)
        default: throw fail(column, value, "\(I.self)")
        }
        guard let result else {
            throw MySQLError.decoding(column: column, message: "value \(value.debugText) does not fit in \(I.self)")
        }
        return result
    }

    static func bool(_ value: MySQLValue, _ column: String) throws -> Bool {
        switch value {
        case .int(let v): return v != 0
        case .uint(let v): return v != 0
        case .double(let v): return v != 0
        case .bytes(let b) where b.count <= 8: return b.contains { $0 != 0 }
        case .text(let b):
            switch String(decoding: b, as: UTF8.self).lowercased() {
            case "1", "true": return true
            case "0", "false": return false
            default: throw fail(column, value, "Bool")
            }
        default: throw fail(column, value, "Bool")
        }
    }

    static func double(_ value: MySQLValue, _ column: String) throws -> Double {
        switch value {
        case .double(let v): return v
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        case .text(let b):
            guard let v = Double(String(decoding: b, as: UTF8.self)) else { throw fail(column, value, "Double") }
            return v
        default: throw fail(column, value, "Double")
        }
    }

    static func decimal(_ value: MySQLValue, _ column: String) throws -> Decimal {
        switch value {
        case .text(let b):
            guard let v = Decimal(string: String(decoding: b, as: UTF8.self)) else { throw fail(column, value, "Decimal") }
            return v
        case .int(let v): return Decimal(v)
        case .uint(let v): return Decimal(v)
        case .double(let v): return Decimal(v)
        default: throw fail(column, value, "Decimal")
        }
    }

    static func date(_ value: MySQLValue, _ column: String) throws -> Date {
        switch value {
        case .dateTime(let v):
            guard let date = v.utcDate else {
                throw MySQLError.decoding(column: column, message: "'\(v.text)' is not a valid date")
            }
            return date
        case .text(let b):
            guard let parsed = MySQLDateTime(parsing: String(decoding: b, as: UTF8.self)), let date = parsed.utcDate else {
                throw fail(column, value, "Date")
            }
            return date
        default: throw fail(column, value, "Date")
        }
    }

    static func bytes(_ value: MySQLValue, _ column: String) throws -> [UInt8] {
        switch value {
        case .bytes(let b), .text(let b): return b
        default: throw fail(column, value, "Data")
        }
    }

    static func uuid(_ value: MySQLValue, _ column: String) throws -> UUID {
        switch value {
        case .bytes(let b) where b.count == 16:
            return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        case .text(let b), .bytes(let b):
            guard let uuid = UUID(uuidString: String(decoding: b, as: UTF8.self)) else { throw fail(column, value, "UUID") }
            return uuid
        default: throw fail(column, value, "UUID")
        }
    }
}

extension Decimal {
    /// The value rounded toward zero to an integer.
    fileprivate var rounded0: Decimal {
        var source = self
        var result = Decimal()
        NSDecimalRound(&result, &source, 0, .down)
        return result
    }
}

extension MySQLValue {
    var kindName: String {
        switch self {
        case .null: "NULL"
        case .int: "integer"
        case .uint: "unsigned integer"
        case .double: "floating point"
        case .text: "text"
        case .bytes: "binary"
        case .dateTime: "date/time"
        }
    }

    /// A short rendering for error messages (never the full content of long values).
    var debugText: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .double(let v): String(v)
        case .text(let b): b.count <= 40 ? "'\(String(decoding: b, as: UTF8.self))'" : "text(\(b.count) bytes)"
        case .bytes(let b): "binary(\(b.count) bytes)"
        case .dateTime(let v): v.text
        }
    }
}

/// Thrown by ``ColumnDecoder`` when the type wants a keyed or unkeyed container: decode from JSON instead.
private struct NeedsJSON: Error {}

/// Decodes single-value types (RawRepresentable enums, wrappers) from one column.
private struct ColumnDecoder: Decoder {
    let value: MySQLValue
    let column: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, column: column) }

    struct Single: SingleValueDecodingContainer {
        let value: MySQLValue
        let column: String
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool {
            if case .null = value { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try MySQLValueDecoding.decode(T.self, from: value, column: column)
        }

        func decode(_ type: Bool.Type) throws -> Bool { try MySQLValueDecoding.decode(Bool.self, from: value, column: column) }
        func decode(_ type: String.Type) throws -> String { try MySQLValueDecoding.decode(String.self, from: value, column: column) }
        func decode(_ type: Double.Type) throws -> Double { try MySQLValueDecoding.decode(Double.self, from: value, column: column) }
        func decode(_ type: Float.Type) throws -> Float { try MySQLValueDecoding.decode(Float.self, from: value, column: column) }
        func decode(_ type: Int.Type) throws -> Int { try MySQLValueDecoding.decode(Int.self, from: value, column: column) }
        func decode(_ type: Int8.Type) throws -> Int8 { try MySQLValueDecoding.decode(Int8.self, from: value, column: column) }
        func decode(_ type: Int16.Type) throws -> Int16 { try MySQLValueDecoding.decode(Int16.self, from: value, column: column) }
        func decode(_ type: Int32.Type) throws -> Int32 { try MySQLValueDecoding.decode(Int32.self, from: value, column: column) }
        func decode(_ type: Int64.Type) throws -> Int64 { try MySQLValueDecoding.decode(Int64.self, from: value, column: column) }
        func decode(_ type: UInt.Type) throws -> UInt { try MySQLValueDecoding.decode(UInt.self, from: value, column: column) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try MySQLValueDecoding.decode(UInt8.self, from: value, column: column) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try MySQLValueDecoding.decode(UInt16.self, from: value, column: column) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try MySQLValueDecoding.decode(UInt32.self, from: value, column: column) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try MySQLValueDecoding.decode(UInt64.self, from: value, column: column) }
    }
}
