import Logging

/// An MQTT 5 client over libmosquitto, for Swift concurrency.
///
/// - `connect()` starts a network thread (outside Swift's cooperative pool) and returns at the
///   first successful CONNACK. From then on the client reconnects by itself after a lost
///   connection (back-off `reconnectDelayMin`...`reconnectDelayMax`) and subscribes again to every
///   active subscription after each reconnection.
/// - `publish` at QoS 0 completes when the packet is written to the socket; at QoS 1 (2) only
///   when PUBACK (PUBCOMP) arrives.
///   In-flight policy: if the connection drops while a QoS 1/2 message awaits its acknowledgement,
///   libmosquitto keeps it and sends it again (DUP) after reconnecting, and the call completes on
///   that later acknowledgement. Every call ends within `operationTimeout` (default 30 s) with
///   `MQTTError.timeout` otherwise; the message may still be delivered after a timeout, so a
///   retry can duplicate it (QoS 1 is at-least-once anyway). A publish made while disconnected
///   fails at once with `.notConnected`; QoS 0 messages not yet written when the connection
///   drops fail with `.notConnected`.
/// - `disconnect()` sends DISCONNECT, stops the network thread, fails pending calls with
///   `.closed` and finishes every subscription stream. The client cannot be reused afterwards.
public final class MQTTClient: Sendable {
    let core: ClientCore

    public init(configuration: MQTTConfiguration, logger: Logger) {
        self.core = ClientCore(configuration: configuration, logger: logger)
    }

    deinit {
        core.shutdownWithoutWaiting()
    }

    public var configuration: MQTTConfiguration { core.configuration }

    /// Whether the client is connected right now (false while it reconnects).
    public var isConnected: Bool { core.isConnected }

    /// Connects with MQTT 5 and returns at the broker's CONNACK success. Throws
    /// `.connectionRefused` (broker refusal or socket error), `.tls`, `.timeout` (no CONNACK within
    /// `connectTimeout`) or `.closed` (after `disconnect()`). Returns at once if already connected;
    /// while reconnecting it waits for the next CONNACK. After a failure it may be called again.
    public func connect() async throws {
        try await core.connect()
    }

    /// Publishes a message; see the type's documentation for when it completes.
    public func publish(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        userProperties: [MQTTUserProperty] = []
    ) async throws {
        try await core.publish(
            topic: topic, payload: payload, qos: qos, retain: retain, userProperties: userProperties
        )
    }

    /// Same as the other `publish`, with user properties given as name/value pairs.
    /// (Disfavoured so that `userProperties: []` picks the other overload.)
    @_disfavoredOverload
    public func publish(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        userProperties: [(String, String)]
    ) async throws {
        try await core.publish(
            topic: topic, payload: payload, qos: qos, retain: retain,
            userProperties: userProperties.map { MQTTUserProperty(name: $0.0, value: $0.1) }
        )
    }

    /// Subscribes and returns after the broker's SUBACK. `filter` may use wildcards and may be a
    /// shared subscription (`$share/<group>/<filter>`). Messages matching it are delivered, in
    /// order, to the returned sequence until it is cancelled or the client is shut down.
    /// Called while the client is reconnecting, it waits for the reconnection (up to
    /// `operationTimeout`).
    ///
    /// Called before `connect()`, it returns at once and the subscription is sent as soon as the
    /// connection is up. With a persistent session do that: the broker delivers the messages
    /// queued while the client was away right after CONNACK, and a message that matches no
    /// subscription of this client is dropped. If the broker refuses such a subscription, its
    /// sequence ends and an error is logged.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws -> MQTTSubscription {
        try await core.subscribe(filter: filter, qos: qos)
    }

    /// Clean shutdown. Safe to call more than once, and concurrently.
    public func disconnect() async {
        await core.disconnect()
    }
}

/// The messages of one subscription, in arrival order. Iterate it once. It ends when `cancel()`
/// is called, when the iterating task is cancelled, when every copy of it is dropped, or when the
/// client is shut down; in the first three cases the client also UNSUBSCRIBEs unless another of
/// its subscriptions uses the same filter. (So keep the value, even if you do not iterate it yet.)
public struct MQTTSubscription: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    public typealias AsyncIterator = AsyncStream<MQTTMessage>.Iterator

    /// The filter as given to `subscribe`.
    public let topicFilter: String
    private let stream: AsyncStream<MQTTMessage>
    private let handle: SubscriptionHandle

    init(topicFilter: String, stream: AsyncStream<MQTTMessage>, handle: SubscriptionHandle) {
        self.topicFilter = topicFilter
        self.stream = stream
        self.handle = handle
    }

    public func makeAsyncIterator() -> AsyncStream<MQTTMessage>.Iterator {
        stream.makeAsyncIterator()
    }

    /// Ends the subscription: messages already buffered are still delivered, then the sequence ends.
    public func cancel() {
        handle.cancel()
    }
}
