/// Value types of the SETRAG MQTT client: configuration, messages, errors.

/// TLS settings for the broker connection (`mosquitto_tls_set`).
public struct MQTTTLS: Sendable, Hashable {
    /// PEM file with the certificate authorities trusted to sign the broker's certificate.
    public var caFile: String
    /// PEM client certificate, for brokers that require one (set together with `keyFile`).
    public var certFile: String?
    /// PEM private key of `certFile` (unencrypted).
    public var keyFile: String?
    /// Skip the check of the broker's host name against its certificate. Never in production.
    public var insecure: Bool

    public init(caFile: String, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}

/// How to reach the broker and how the session behaves.
public struct MQTTConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 1883
    /// The MQTT client identifier. With a persistent session it must be stable across restarts.
    public var clientID: String
    public var username: String?
    public var password: String?
    public var tls: MQTTTLS?
    /// Keep-alive interval in seconds (libmosquitto accepts 5...65535).
    public var keepAlive: Int = 30
    /// `false` together with `sessionExpiry > 0` asks the broker to keep the session
    /// (subscriptions and queued QoS 1/2 messages) while the client is away.
    public var cleanStart: Bool = true
    /// MQTT 5 session expiry interval in seconds, sent in CONNECT on every (re)connection.
    public var sessionExpiry: UInt32 = 0
    /// Delay before the first reconnection attempt after the connection is lost, in seconds.
    /// Each failed attempt doubles it, up to `reconnectDelayMax`.
    public var reconnectDelayMin: Int = 1
    /// Upper bound of the reconnection delay, in seconds.
    public var reconnectDelayMax: Int = 30
    /// How long `connect()` waits for a successful CONNACK before throwing `MQTTError.timeout`.
    public var connectTimeout: Duration = .seconds(10)
    /// How long `publish` waits for its acknowledgement (and `subscribe` for its SUBACK)
    /// before throwing `MQTTError.timeout`. The message may still be delivered later.
    public var operationTimeout: Duration = .seconds(30)
    /// Messages buffered per subscription while its consumer is slower than the broker.
    /// Past this, new messages for that subscription are dropped and an error is logged.
    public var subscriptionBufferSize: Int = 100_000

    public init(
        clientID: String,
        host: String = "127.0.0.1",
        port: Int = 1883,
        username: String? = nil,
        password: String? = nil
    ) {
        self.clientID = clientID
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }
}

/// MQTT quality of service.
public enum MQTTQoS: Int32, Sendable, Hashable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One MQTT 5 user property (a name/value pair; names may repeat, order is kept).
public struct MQTTUserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: String) {
        self.init(name: name, value: value)
    }
}

/// A message received on a subscription.
public struct MQTTMessage: Sendable, Hashable {
    public let topic: String
    public let payload: [UInt8]
    public let qos: MQTTQoS
    public let retain: Bool
    public let userProperties: [MQTTUserProperty]

    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        userProperties: [MQTTUserProperty] = []
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.userProperties = userProperties
    }

    /// The value of the first user property with this name.
    public func userProperty(_ name: String) -> String? {
        userProperties.first { $0.name == name }?.value
    }
}

public enum MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The connection could not be established: `reason` is the MQTT 5 CONNACK reason code
    /// (e.g. 134 bad user name or password) when the broker refused, otherwise the libmosquitto
    /// error code (e.g. 14 for a socket error such as "connection refused").
    case connectionRefused(reason: Int32, String)
    /// The client is not connected right now (it may be reconnecting): retry later.
    case notConnected
    /// No acknowledgement (CONNACK, PUBACK, SUBACK) arrived in time.
    case timeout
    /// libmosquitto rejected the publish, or the broker answered with a failure reason code.
    case publishFailed(code: Int32, String)
    case subscribeFailed(String)
    /// The client was shut down with `disconnect()`.
    case closed
    case tls(String)

    public var description: String {
        switch self {
        case .connectionRefused(let reason, let text): "MQTT connection refused (\(reason)): \(text)"
        case .notConnected: "MQTT client not connected"
        case .timeout: "MQTT operation timed out"
        case .publishFailed(let code, let text): "MQTT publish failed (\(code)): \(text)"
        case .subscribeFailed(let text): "MQTT subscribe failed: \(text)"
        case .closed: "MQTT client closed"
        case .tls(let text): "MQTT TLS error: \(text)"
        }
    }
}
