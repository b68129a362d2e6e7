import Foundation

/// Lets the encoder see through `Optional` without knowing its wrapped type.
protocol MySQLOptionalBindable {
    var mysqlWrappedValue: (any Encodable)? { get }
}

extension Optional: MySQLOptionalBindable where Wrapped: Encodable {
    var mysqlWrappedValue: (any Encodable)? {
        switch self {
        case .some(let value): value
        case .none: nil
        }
    }
}

/// Turns SQLKit's `Encodable` binds into ``MySQLBindValue``s.
///
/// - Integers of every width, `Bool` (as 0/1), `Double`, `Float`, `String` (utf8mb4), `Decimal` (as text).
/// - `Date` as `DATETIME(6)` in UTC (microsecond precision).
/// - `Data` and `[UInt8]` as binary.
/// - `UUID` as its 36-character **lowercase** text form (`CHAR(36)` / MariaDB `UUID` columns); decoding
///   also accepts 16 raw bytes (`BINARY(16)`).
/// - `nil` as NULL.
/// - Types that encode a single value (e.g. `RawRepresentable` enums, ID wrappers) bind that value; any other
///   `Encodable` binds as JSON text (sorted keys, dates in ISO 8601 with fractional seconds).
enum MySQLBindEncoding {
    static func encode(_ value: any Encodable) throws -> MySQLBindValue {
        if let optional = value as? any MySQLOptionalBindable {
            guard let wrapped = optional.mysqlWrappedValue else { return .null }
            return try encode(wrapped)
        }
        switch value {
        case let v as String: return .text(Array(v.utf8))
        case let v as Bool: return .int(v ? 1 : 0)
        case let v as Int: return .int(Int64(v))
        case let v as Int64: return .int(v)
        case let v as Int32: return .int(Int64(v))
        case let v as Int16: return .int(Int64(v))
        case let v as Int8: return .int(Int64(v))
        case let v as UInt: return .uint(UInt64(v))
        case let v as UInt64: return .uint(v)
        case let v as UInt32: return .uint(UInt64(v))
        case let v as UInt16: return .uint(UInt64(v))
        case let v as UInt8: return .uint(UInt64(v))
        case let v as Double: return .double(v)
        case let v as Float: return .float(v)
        case let v as Date: return .dateTime(MySQLDateTime(utc: v))
        case let v as Data: return .bytes(Array(v))
        case let v as [UInt8]: return .bytes(v)
        case let v as UUID: return .text(Array(v.uuidString.lowercased().utf8))
        case let v as Decimal: return .text(Array(v.description.utf8))
        default: break
        }
        let probe = ProbeEncoder()
        do {
            try value.encode(to: probe)
        } catch {
            throw MySQLError.encoding(message: "\(type(of: value)): \(error)")
        }
        if probe.state.needsJSON {
            do {
                return .text(Array(try jsonEncoder().encode(value)))
            } catch {
                throw MySQLError.encoding(message: "\(type(of: value)) as JSON: \(error)")
            }
        }
        return probe.state.value ?? .null
    }

    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
        }
        return encoder
    }

    static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
        }
        return decoder
    }
}

/// Encodes a value far enough to learn whether it is a single value (kept) or a keyed/unkeyed
/// aggregate (then the caller encodes it as JSON).
private final class ProbeEncoder: Encoder {
    struct State {
        var value: MySQLBindValue?
        var needsJSON = false
    }

    var state = State()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        state.needsJSON = true
        return KeyedEncodingContainer(IgnoringKeyedContainer<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        state.needsJSON = true
        return IgnoringUnkeyedContainer()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValue(encoder: self)
    }

    struct SingleValue: SingleValueEncodingContainer {
        let encoder: ProbeEncoder
        var codingPath: [any CodingKey] { [] }

        func set(_ value: MySQLBindValue) { encoder.state.value = value }

        mutating func encodeNil() throws { set(.null) }
        mutating func encode(_ value: Bool) throws { set(.int(value ? 1 : 0)) }
        mutating func encode(_ value: String) throws { set(.text(Array(value.utf8))) }
        mutating func encode(_ value: Double) throws { set(.double(value)) }
        mutating func encode(_ value: Float) throws { set(.float(value)) }
        mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { set(.int(value)) }
        mutating func encode(_ value: UInt) throws { set(.uint(UInt64(value))) }
        mutating func encode(_ value: UInt8) throws { set(.uint(UInt64(value))) }
        mutating func encode(_ value: UInt16) throws { set(.uint(UInt64(value))) }
        mutating func encode(_ value: UInt32) throws { set(.uint(UInt64(value))) }
        mutating func encode(_ value: UInt64) throws { set(.uint(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            // A wrapper around another value binds that value (an aggregate inside binds as its JSON).
            set(try MySQLBindEncoding.encode(value))
        }
    }
}

/// Accepts and drops everything (the probe only needs to know an aggregate was requested).
private struct IgnoringKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: Bool, forKey key: Key) throws {}
    mutating func encode(_ value: String, forKey key: Key) throws {}
    mutating func encode(_ value: Double, forKey key: Key) throws {}
    mutating func encode(_ value: Float, forKey key: Key) throws {}
    mutating func encode(_ value: Int, forKey key: Key) throws {}
    mutating func encode(_ value: Int8, forKey key: Key) throws {}
    mutating func encode(_ value: Int16, forKey key: Key) throws {}
    mutating func encode(_ value: Int32, forKey key: Key) throws {}
    mutating func encode(_ value: Int64, forKey key: Key) throws {}
    mutating func encode(_ value: UInt, forKey key: Key) throws {}
    mutating func encode(_ value: UInt8, forKey key: Key) throws {}
    mutating func encode(_ value: UInt16, forKey key: Key) throws {}
    mutating func encode(_ value: UInt32, forKey key: Key) throws {}
    mutating func encode(_ value: UInt64, forKey key: Key) throws {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(IgnoringKeyedContainer<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { IgnoringUnkeyedContainer() }
    mutating func superEncoder() -> any Encoder { ProbeEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ProbeEncoder() }
}

private struct IgnoringUnkeyedContainer: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws {}
    mutating func encode(_ value: String) throws {}
    mutating func encode(_ value: Double) throws {}
    mutating func encode(_ value: Float) throws {}
    mutating func encode(_ value: Int) throws {}
    mutating func encode(_ value: Int8) throws {}
    mutating func encode(_ value: Int16) throws {}
    mutating func encode(_ value: Int32) throws {}
    mutating func encode(_ value: Int64) throws {}
    mutating func encode(_ value: UInt) throws {}
    mutating func encode(_ value: UInt8) throws {}
    mutating func encode(_ value: UInt16) throws {}
    mutating func encode(_ value: UInt32) throws {}
    mutating func encode(_ value: UInt64) throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(IgnoringKeyedContainer<NestedKey>())
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { IgnoringUnkeyedContainer() }
    mutating func superEncoder() -> any Encoder { ProbeEncoder() }
}
