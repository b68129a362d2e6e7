import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SetragKernel
import SetragMQTT
import Synchronization

/// The live channel's subscribers in this process and what each wants: every train, or some runs. Updates come
/// from `LiveUpdates` (every tracking process's, through the broker) and go to each matching subscriber's stream.
public final class LiveHub: Sendable {
    public enum Filter: Sendable, Equatable {
        case none
        case all
        case runs(Set<Int>)

        func matches(_ run: Int) -> Bool {
            switch self {
            case .none: false
            case .all: true
            case .runs(let runs): runs.contains(run)
            }
        }
    }

    struct Subscriber {
        var filter: Filter
        let continuation: AsyncStream<String>.Continuation
    }

    private let state = Mutex<(next: Int, subscribers: [Int: Subscriber])>((0, [:]))

    public init() {}

    /// A new subscriber (it wants nothing until `set`) and the stream of its messages. A slow subscriber keeps
    /// only its newest 200 messages.
    public func subscribe() -> (id: Int, messages: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(200))
        let id = state.withLock { state in
            state.next += 1
            state.subscribers[state.next] = Subscriber(filter: .none, continuation: continuation)
            return state.next
        }
        return (id, stream)
    }

    public func set(_ filter: Filter, for id: Int) {
        state.withLock { $0.subscribers[id]?.filter = filter }
    }

    public func unsubscribe(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) }
        removed?.continuation.finish()
    }

    /// Sends a message to the subscribers of `run`.
    public func publish(run: Int, message: String) {
        let targets = state.withLock { state in
            state.subscribers.values.filter { $0.filter.matches(run) }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(message) }
    }

    /// Sends a message to one subscriber (answers, snapshots, errors).
    public func send(_ message: String, to id: Int) {
        let continuation = state.withLock { $0.subscribers[id]?.continuation }
        continuation?.yield(message)
    }

    public var count: Int { state.withLock { $0.subscribers.count } }
}

/// Live messages: what a train update looks like on the socket and on the broker (`setrag/live/trains/<runId>`,
/// QoS 0, the same text), so that every tracking process tells its own subscribers about every train, whichever
/// process stored its fixes.
public struct LiveUpdates: Service {
    public static let topicPrefix = "setrag/live/trains/"

    let broker: MQTTClient?
    let hub: LiveHub
    let logger: Logger

    public init(broker: MQTTClient?, hub: LiveHub, logger: Logger) {
        self.broker = broker
        self.hub = hub
        self.logger = logger
    }

    static func message(_ train: TrainJSON) -> String? {
        LiveMessage.text(LiveMessage.Update(train: train))
    }

    /// Tells every process (or, without a broker, this one) about a train's new position and estimates.
    func announce(_ train: TrainJSON) async {
        guard let text = Self.message(train) else { return }
        guard let broker else {
            hub.publish(run: train.runId, message: text)
            return
        }
        do {
            try await broker.publish(topic: Self.topicPrefix + String(train.runId), payload: Array(text.utf8),
                                     qos: .atMostOnce)
        } catch {
            logger.warning("live update not published", metadata: ["error": "\(error)"])
        }
    }

    /// Relays the broker's live updates to this process's subscribers until shutdown.
    public func run() async throws {
        guard let broker else { return }
        let subscription = try await broker.subscribe(Self.topicPrefix + "+", qos: .atMostOnce)
        try? await cancelWhenGracefulShutdown {
            for await message in subscription {
                guard message.topic.hasPrefix(Self.topicPrefix),
                      let run = Int(message.topic.dropFirst(Self.topicPrefix.count)) else { continue }
                hub.publish(run: run, message: String(decoding: message.payload, as: UTF8.self))
            }
        }
    }
}

/// The texts of the live channel. Client to server: `{"subscribe": "trains"}`, `{"subscribe": "run", "runId": 12}`,
/// `{"subscribe": "booking", "pnr": "K7Q2ZB"}` (signed in, the caller's own booking). Server to client: on each
/// subscription a `snapshot` of the current state (`{"type": "snapshot", "trains": [...]}`), then `train` updates
/// (`{"type": "train", "train": {...}}`, the shape of `GET /api/v1/trains`), or `{"type": "error", "code": ...,
/// "message": ...}`.
enum LiveMessage {
    struct Update: Encodable {
        let type = "train"
        let train: TrainJSON
    }

    struct Snapshot: Encodable {
        let type = "snapshot"
        let channel: String
        let trains: [TrainJSON]
    }

    struct Failure: Encodable {
        let type = "error"
        let code: String
        let message: String
    }

    struct Request: Decodable {
        let subscribe: String
        let runId: Int?
        let pnr: String?
    }

    static func text(_ value: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// What the live channel asks of booking: the trip of one of the caller's bookings (`GET /api/v1/bookings/{pnr}`
/// with the caller's token; booking decides whether it is theirs).
public protocol BookingLink: Sendable {
    /// The booking's trip id; nil when the booking is not the caller's or does not exist.
    func trip(ofBooking pnr: String, authorization: String) async throws -> Int?
}

public struct HTTPBookingLink: BookingLink {
    let baseURL: String
    let http: HTTPClient

    public init(baseURL: String, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
    }

    struct BookingJSON: Decodable {
        struct Trip: Decodable { let id: Int }
        let trip: Trip
    }

    public func trip(ofBooking pnr: String, authorization: String) async throws -> Int? {
        guard pnr.utf8.count == 6, pnr.utf8.allSatisfy({ $0.isASCIIAlphanumericUpper }) else { return nil }
        var request = HTTPClientRequest(url: "\(baseURL)/api/v1/bookings/\(pnr)")
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { return nil }
        return try? JSONDecoder().decode(BookingJSON.self, from: Data(buffer: body)).trip.id
    }
}

extension UInt8 {
    var isASCIIAlphanumericUpper: Bool { (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) }
}
