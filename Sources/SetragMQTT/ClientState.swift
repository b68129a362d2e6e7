/// State and helper types of `ClientCore`.
import Logging

struct MosquittoHandle: @unchecked Sendable {
    // libmosquitto is thread-safe for the calls made from several threads here (publish,
    // subscribe, unsubscribe, disconnect) once mosquitto_threaded_set(true) is on.
    let pointer: OpaquePointer?
}

/// Lets a subscription end itself without keeping the client alive.
final class SubscriptionHandle: Sendable {
    private weak let core: ClientCore?
    private let id: UInt64

    init(core: ClientCore, id: UInt64) {
        self.core = core
        self.id = id
    }

    func cancel() {
        core?.cancelSubscription(id: id)
    }
}

enum Phase {
    /// Never connected, or the first connection failed: `connect()` may (re)start.
    case idle
    /// Network thread started, first CONNACK not yet received.
    case starting
    /// Connected at least once; the network thread reconnects by itself.
    case running
    /// The first connection failed; the network thread is exiting.
    case abandoning
    /// `disconnect()` in progress.
    case stopping
    /// Shut down for good.
    case closed
}

struct Waiter {
    let continuation: CheckedContinuation<Void, any Error>
    let deadline: ContinuousClock.Instant
}

struct LoopExitWaiter {
    let continuation: CheckedContinuation<Void, Never>
    let deadline: ContinuousClock.Instant
}

struct PendingPublish {
    let continuation: CheckedContinuation<Void, any Error>
    let qos: MQTTQoS
    let deadline: ContinuousClock.Instant
    let token: UInt64
}

struct ActiveSubscription {
    let filter: String
    let qos: MQTTQoS
    let continuation: AsyncStream<MQTTMessage>.Continuation
    /// The `subscribe` call waiting for the first SUBACK.
    var waiter: CheckedContinuation<Void, any Error>?
    var deadline: ContinuousClock.Instant?
}

struct CoreState {
    var phase: Phase = .idle
    var configured = false
    var loopRunning = false
    var stopRequested = false
    /// A DISCONNECT is queued on the current connection.
    var disconnectQueued = false
    var connected = false
    var reconnectAttempts = 0
    /// Incremented at every lost connection (QoS 0 publishes racing a disconnection fail).
    var disconnectEpoch: UInt64 = 0
    var nextID: UInt64 = 1
    var connectWaiters: [UInt64: Waiter] = [:]
    var loopExitWaiters: [UInt64: LoopExitWaiter] = [:]
    var closeWaiters: [CheckedContinuation<Void, Never>] = []
    /// Publishes waiting for PUBACK/PUBCOMP (QoS 1/2) or for the socket write (QoS 0), by mid.
    var publishes: [Int32: PendingPublish] = [:]
    /// Callbacks can run between `mosquitto_publish_v5` returning a mid and the caller
    /// registering it: acknowledgements of unknown mids are kept while such calls are in progress
    /// (with their arrival time, so that a late PUBACK of an abandoned message is never taken for
    /// the acknowledgement of a newer message that reuses its mid).
    var publishCallsInProgress = 0
    var earlyPublishAcks: [Int32: (reason: Int32, at: ContinuousClock.Instant)] = [:]
    var subscriptions: [UInt64: ActiveSubscription] = [:]
    var subackWaiters: [Int32: [UInt64]] = [:]
    var subscribeCallsInProgress = 0
    var earlySubacks: [Int32: (reason: Int32, at: ContinuousClock.Instant)] = [:]
    /// MQTT 5 subscription identifier of each filter, stable for the client's life.
    var filterIdentifiers: [String: UInt32] = [:]
    var nextFilterIdentifier: UInt32 = 1
    var sweeper: Task<Void, Never>?

    mutating func identifier(for filter: String) -> UInt32 {
        if let identifier = filterIdentifiers[filter] { return identifier }
        let identifier = nextFilterIdentifier
        nextFilterIdentifier += 1
        filterIdentifiers[filter] = identifier
        return identifier
    }

    mutating func failConnectWaiters(_ error: MQTTError) -> Effects {
        var effects = Effects()
        for (_, waiter) in connectWaiters { effects.resume(waiter.continuation, .failure(error)) }
        connectWaiters.removeAll()
        return effects
    }

    mutating func resolveSubscriptions(_ ids: [UInt64], reason: Int32, effects: inout Effects, logger: Logger) {
        for id in ids {
            guard var subscription = subscriptions[id] else { continue }
            if reason < Mosq.firstFailureReason {
                if let waiter = subscription.waiter { effects.resume(waiter, .success(())) }
                subscription.waiter = nil
                subscription.deadline = nil
                subscriptions[id] = subscription
            } else {
                let text = "'\(subscription.filter)': \(Mosq.reasonText(reason)) (\(reason))"
                if let waiter = subscription.waiter {
                    effects.resume(waiter, .failure(MQTTError.subscribeFailed(text)))
                } else {
                    logger.error("broker refused a re-subscription; ending its stream", metadata: ["error": "\(text)"])
                }
                subscriptions[id] = nil
                effects.finish(subscription.continuation)
            }
        }
    }
}

/// Work collected under the lock and done after it is released.
struct Effects {
    var resumes: [(CheckedContinuation<Void, any Error>, Result<Void, any Error>)] = []
    var finishes: [AsyncStream<MQTTMessage>.Continuation] = []
    var exitWaiters: [CheckedContinuation<Void, Never>] = []

    mutating func resume(_ continuation: CheckedContinuation<Void, any Error>, _ result: Result<Void, any Error>) {
        resumes.append((continuation, result))
    }

    mutating func finish(_ continuation: AsyncStream<MQTTMessage>.Continuation) {
        finishes.append(continuation)
    }

    mutating func merge(_ other: Effects) {
        resumes += other.resumes
        finishes += other.finishes
        exitWaiters += other.exitWaiters
    }

    func run() {
        for (continuation, result) in resumes { continuation.resume(with: result) }
        for continuation in finishes { continuation.finish() }
        for continuation in exitWaiters { continuation.resume() }
    }
}

func publishOutcome(_ reason: Int32) -> Result<Void, any Error> {
    // 0 success, 16 "no matching subscribers" is a success too; 0x80 and above are failures.
    reason < Mosq.firstFailureReason
        ? .success(())
        : .failure(MQTTError.publishFailed(code: reason, Mosq.reasonText(reason)))
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
