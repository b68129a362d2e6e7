/// Thin helpers over libmosquitto's C API: library initialisation, error texts, MQTT 5
/// property lists, topic matching and the network thread.
import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `mosquitto_lib_init()` runs once per process, the first time a client is created
/// (a global `let` is initialised lazily and exactly once).
let mosquittoLibraryInitialised: Bool = mosquitto_lib_init() == Mosq.success

/// libmosquitto and MQTT constants as `Int32` (C enums import as structs with a raw value).
enum Mosq {
    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)
    static let noConnection = Int32(MOSQ_ERR_NO_CONN.rawValue)
    static let invalid = Int32(MOSQ_ERR_INVAL.rawValue)
    static let tls = Int32(MOSQ_ERR_TLS.rawValue)
    static let tlsHandshake = Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue)
    static let errno = Int32(MOSQ_ERR_ERRNO.rawValue)
    static let lookup = Int32(MOSQ_ERR_EAI.rawValue)

    static let userProperty = Int32(MQTT_PROP_USER_PROPERTY.rawValue)
    static let sessionExpiryInterval = Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue)
    static let subscriptionIdentifier = Int32(MQTT_PROP_SUBSCRIPTION_IDENTIFIER.rawValue)
    static let sendRetainedIfNew = Int32(MQTT_SUB_OPT_SEND_RETAIN_NEW.rawValue)
    static let protocolV5 = Int32(MQTT_PROTOCOL_V5)

    /// MQTT 5 reason codes of 0x80 and above are failures.
    static let firstFailureReason: Int32 = 0x80

    static let logError = Int32(MOSQ_LOG_ERR)
    static let logWarning = Int32(MOSQ_LOG_WARNING)
    static let logNotice = Int32(MOSQ_LOG_NOTICE)
    static let logInfo = Int32(MOSQ_LOG_INFO)

    /// Text of a libmosquitto error code (`MOSQ_ERR_*`).
    static func errorText(_ code: Int32) -> String {
        guard let text = mosquitto_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Text of an MQTT 5 reason code.
    static func reasonText(_ code: Int32) -> String {
        guard let text = mosquitto_reason_string(code) else { return "reason \(code)" }
        return String(cString: text)
    }

    /// Text of a system `errno`.
    static func systemErrorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// An MQTT 5 property list built on the Swift side; free it with `free()` once the call that
/// uses it has returned (libmosquitto copies what it keeps).
struct PropertyList: ~Copyable {
    var pointer: OpaquePointer?

    init() {}

    mutating func addUserProperty(name: String, value: String) -> Int32 {
        mosquitto_property_add_string_pair(&pointer, Mosq.userProperty, name, value)
    }

    mutating func addInt32(_ identifier: Int32, _ value: UInt32) -> Int32 {
        mosquitto_property_add_int32(&pointer, identifier, value)
    }

    mutating func addVarInt(_ identifier: Int32, _ value: UInt32) -> Int32 {
        mosquitto_property_add_varint(&pointer, identifier, value)
    }

    consuming func free() {
        mosquitto_property_free_all(&pointer)
    }
}

/// Reads properties of a received packet (the list belongs to libmosquitto).
enum ReceivedProperties {
    static func userProperties(_ list: OpaquePointer?) -> [MQTTUserProperty] {
        guard list != nil else { return [] }
        var result: [MQTTUserProperty] = []
        var name: UnsafeMutablePointer<CChar>?
        var value: UnsafeMutablePointer<CChar>?
        var current = mosquitto_property_read_string_pair(list, Mosq.userProperty, &name, &value, false)
        while current != nil {
            if let name, let value {
                result.append(MQTTUserProperty(name: String(cString: name), value: String(cString: value)))
            }
            Glibc_free(name)
            Glibc_free(value)
            name = nil
            value = nil
            current = mosquitto_property_read_string_pair(current, Mosq.userProperty, &name, &value, true)
        }
        return result
    }

    static func subscriptionIdentifiers(_ list: OpaquePointer?) -> [UInt32] {
        guard list != nil else { return [] }
        var result: [UInt32] = []
        var value: UInt32 = 0
        var current = mosquitto_property_read_varint(list, Mosq.subscriptionIdentifier, &value, false)
        while current != nil {
            result.append(value)
            current = mosquitto_property_read_varint(current, Mosq.subscriptionIdentifier, &value, true)
        }
        return result
    }
}

@inline(__always)
private func Glibc_free(_ pointer: UnsafeMutablePointer<CChar>?) {
    free(pointer)
}

/// Whether `topic` matches the subscription `filter` (MQTT wildcards `+` and `#`). A shared
/// subscription filter `$share/<group>/<filter>` matches what `<filter>` matches.
public func topicMatches(filter: String, topic: String) -> Bool {
    var filter = Substring(filter)
    if filter.hasPrefix("$share/") {
        let afterPrefix = filter.dropFirst("$share/".count)
        guard let slash = afterPrefix.firstIndex(of: "/") else { return false }
        filter = afterPrefix[afterPrefix.index(after: slash)...]
    }
    var result = false
    let rc = mosquitto_topic_matches_sub(String(filter), topic, &result)
    return rc == Mosq.success && result
}

/// Runs `body` on a new detached POSIX thread, outside Swift's cooperative pool.
/// Returns false if the thread could not be created.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let argument = Unmanaged.passRetained(Box(body)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let rc = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
        box.body()
        return nil
    }, argument)
    guard rc == 0 else {
        Unmanaged<Box>.fromOpaque(argument).release()
        return false
    }
    #if canImport(Darwin)
    if let thread { pthread_detach(thread) }
    #else
    pthread_detach(thread)
    #endif
    return true
}

/// Sleeps the current (non-Swift-concurrency) thread for `milliseconds`.
func threadSleep(milliseconds: Int) {
    usleep(useconds_t(milliseconds * 1000))
}

/// The current thread's `errno`.
func currentErrno() -> Int32 { errno }
