/// The engine behind `MQTTClient`: owns the libmosquitto handle, runs the network thread and
/// bridges libmosquitto's callbacks to continuations and AsyncStreams.
///
/// Threading model
/// - libmosquitto is used in threaded mode (`mosquitto_threaded_set`): publish, subscribe and
///   disconnect may be called from any thread; they only queue packets and wake the network thread.
/// - One dedicated POSIX thread per connected client runs `mosquitto_loop` and reconnects after a
///   lost connection (see `runNetworkLoop`). Every libmosquitto callback runs on that thread, so the
///   callbacks never block Swift's cooperative pool and never race each other.
/// - All shared Swift state is in one `Mutex`. No continuation is resumed and no stream is
///   finished while the lock is held (see `Effects`).
///
/// Lifetime: the network thread holds a strong reference to the core while it runs, so the
/// userdata pointer given to libmosquitto (unretained) is valid for every callback;
/// `mosquitto_destroy` runs in `deinit`, after the thread has exited.
import CMosquitto
import Logging
import Synchronization

final class ClientCore: Sendable {
    let configuration: MQTTConfiguration
    let logger: Logger
    private let handle: MosquittoHandle
    private let state = Mutex(CoreState())

    init(configuration: MQTTConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "mqtt.client"] = "\(configuration.clientID)"
        self.configuration = configuration
        self.logger = logger
        _ = mosquittoLibraryInitialised
        let pointer = mosquitto_new(configuration.clientID, configuration.cleanStart, nil)
        self.handle = MosquittoHandle(pointer: pointer)
        if let pointer {
            mosquitto_user_data_set(pointer, Unmanaged.passUnretained(self).toOpaque())
            installCallbacks(pointer, withLog: logger.logLevel <= .debug)
        } else {
            logger.error("mosquitto_new failed", metadata: ["errno": "\(currentErrno())"])
        }
    }

    deinit {
        guard let mosq = handle.pointer else { return }
        removeCallbacks(mosq)
        mosquitto_destroy(mosq)
    }

    // MARK: - Public operations

    var isConnected: Bool {
        state.withLock { $0.connected && $0.phase == .running }
    }

    func connect() async throws {
        guard let mosq = handle.pointer else {
            throw MQTTError.connectionRefused(reason: Mosq.invalid, "invalid client configuration (client ID)")
        }
        var waitedForLoopExit = false
        while true {
            enum Step { case done, waitForConnack, waitForLoopExit, start, fail(MQTTError) }
            let step: Step = state.withLock { s in
                switch s.phase {
                case .closed, .stopping: return .fail(.closed)
                case .running, .starting: return s.connected ? .done : .waitForConnack
                case .abandoning: return .waitForLoopExit
                case .idle:
                    s.phase = .starting
                    s.stopRequested = false
                    return .start
                }
            }
            switch step {
            case .done:
                return
            case .fail(let error):
                throw error
            case .waitForConnack:
                try await waitForConnack()
                return
            case .waitForLoopExit:
                // A failed first attempt is still winding down its network thread.
                if waitedForLoopExit { throw MQTTError.timeout }
                waitedForLoopExit = true
                await waitForLoopExit(timeout: configuration.connectTimeout)
            case .start:
                do {
                    try configureOnce(mosq)
                } catch {
                    state.withLock { $0.phase = .idle }
                    throw error
                }
                try await startNetworkThreadAndWaitForConnack()
                return
            }
        }
    }

    func publish(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS,
        retain: Bool,
        userProperties: [MQTTUserProperty]
    ) async throws {
        guard let mosq = handle.pointer else { throw MQTTError.notConnected }
        guard payload.count <= Int(MQTT_MAX_PAYLOAD) else {
            throw MQTTError.publishFailed(code: Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue), "payload too large")
        }
        let deadline = ContinuousClock.now + configuration.operationTimeout
        let admission: Result<UInt64, MQTTError> = state.withLock { s in
            switch s.phase {
            case .closed, .stopping: return .failure(.closed)
            case .idle, .abandoning: return .failure(.notConnected)
            case .starting, .running:
                guard s.connected else { return .failure(.notConnected) }
                s.publishCallsInProgress += 1
                return .success(s.disconnectEpoch)
            }
        }
        let epoch = try admission.get()

        var properties = PropertyList()
        var rc = Mosq.success
        for property in userProperties where rc == Mosq.success {
            rc = properties.addUserProperty(name: property.name, value: property.value)
        }
        var mid: Int32 = 0
        let callStart = ContinuousClock.now
        if rc == Mosq.success {
            rc = payload.withUnsafeBytes { bytes in
                mosquitto_publish_v5(
                    mosq, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos.rawValue, retain, properties.pointer
                )
            }
        }
        properties.free()

        let token = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let messageID = mid
        let callResult = rc
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                var replaced: CheckedContinuation<Void, any Error>?
                let immediate: Result<Void, any Error>? = state.withLock { s in
                    s.publishCallsInProgress -= 1
                    defer { if s.publishCallsInProgress == 0 { s.earlyPublishAcks.removeAll() } }
                    if callResult == Mosq.noConnection && qos == .atMostOnce {
                        return .failure(MQTTError.notConnected)
                    }
                    if callResult != Mosq.success && callResult != Mosq.noConnection {
                        return .failure(MQTTError.publishFailed(code: callResult, Mosq.errorText(callResult)))
                    }
                    // Success, or NO_CONN for QoS > 0: libmosquitto has queued the message and
                    // sends it once reconnected, so wait for its acknowledgement like any other.
                    if let early = s.earlyPublishAcks.removeValue(forKey: messageID), early.at >= callStart {
                        return publishOutcome(early.reason)
                    }
                    if s.phase == .closed || s.phase == .stopping { return .failure(MQTTError.closed) }
                    if qos == .atMostOnce && s.disconnectEpoch != epoch { return .failure(MQTTError.notConnected) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    // A previous message with this mid (65,535 messages ago) is long lost.
                    replaced = s.publishes.removeValue(forKey: messageID)?.continuation
                    s.publishes[messageID] = PendingPublish(
                        continuation: continuation, qos: qos, deadline: deadline, token: token
                    )
                    return nil
                }
                replaced?.resume(throwing: MQTTError.timeout)
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            self.cancelPublish(messageID: messageID, token: token)
        }
    }

    func subscribe(filter: String, qos: MQTTQoS) async throws -> MQTTSubscription {
        guard let mosq = handle.pointer else { throw MQTTError.notConnected }
        guard mosquitto_sub_topic_check(filter) == Mosq.success else {
            throw MQTTError.subscribeFailed("invalid topic filter '\(filter)'")
        }
        let (stream, streamContinuation) = AsyncStream.makeStream(
            of: MQTTMessage.self,
            bufferingPolicy: .bufferingOldest(max(1, configuration.subscriptionBufferSize))
        )
        let deadline = ContinuousClock.now + configuration.operationTimeout
        typealias Admission = (id: UInt64, identifier: UInt32, connected: Bool, beforeConnect: Bool)
        let admission: Result<Admission, MQTTError> = state.withLock { s in
            let beforeConnect: Bool
            switch s.phase {
            case .closed, .stopping: return .failure(.closed)
            case .abandoning: return .failure(.notConnected)
            case .idle: beforeConnect = true
            case .starting, .running: beforeConnect = false
            }
            let id = s.nextID
            s.nextID += 1
            let identifier = s.identifier(for: filter)
            s.subscriptions[id] = ActiveSubscription(
                filter: filter, qos: qos, continuation: streamContinuation, waiter: nil,
                deadline: beforeConnect ? nil : deadline
            )
            if s.connected { s.subscribeCallsInProgress += 1 }
            return .success((id, identifier, s.connected, beforeConnect))
        }
        let (id, identifier, connectedNow, beforeConnect) = try admission.get()
        streamContinuation.onTermination = { [weak self] _ in
            self?.removeSubscription(id: id, finish: false)
        }
        let subscription = MQTTSubscription(
            topicFilter: filter, stream: stream, handle: SubscriptionHandle(core: self, id: id)
        )
        if beforeConnect {
            // Sent with the connection, before any message of a persistent session can arrive.
            return subscription
        }

        var mid: Int32 = 0
        var rc = Mosq.noConnection
        let callStart = ContinuousClock.now
        if connectedNow {
            rc = sendSubscribe(mosq, filter: filter, qos: qos, identifier: identifier, options: 0, mid: &mid)
        }
        let messageID = mid
        let callResult = rc
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let effects: Effects = state.withLock { s in
                    var effects = Effects()
                    if connectedNow { s.subscribeCallsInProgress -= 1 }
                    defer { if s.subscribeCallsInProgress == 0 { s.earlySubacks.removeAll() } }
                    guard var subscription = s.subscriptions[id] else {
                        // Shut down in the meantime.
                        effects.resume(continuation, .failure(MQTTError.closed))
                        return effects
                    }
                    if callResult != Mosq.success && callResult != Mosq.noConnection {
                        s.subscriptions[id] = nil
                        effects.finish(subscription.continuation)
                        effects.resume(
                            continuation,
                            .failure(MQTTError.subscribeFailed("'\(filter)': \(Mosq.errorText(callResult))"))
                        )
                        return effects
                    }
                    if Task.isCancelled {
                        s.subscriptions[id] = nil
                        effects.finish(subscription.continuation)
                        effects.resume(continuation, .failure(CancellationError()))
                        return effects
                    }
                    subscription.waiter = continuation
                    s.subscriptions[id] = subscription
                    if callResult == Mosq.success {
                        if let early = s.earlySubacks.removeValue(forKey: messageID), early.at >= callStart {
                            s.resolveSubscriptions([id], reason: early.reason, effects: &effects, logger: logger)
                        } else {
                            s.subackWaiters[messageID, default: []].append(id)
                        }
                    }
                    // Otherwise not connected: the subscription is sent with the others when the
                    // connection comes back, and its SUBACK resumes this call.
                    return effects
                }
                effects.run()
            }
        } onCancel: {
            self.cancelPendingSubscribe(id: id)
        }
        return subscription
    }

    func disconnect() async {
        enum Step { case done, waitUntilClosed, finishNow, stopNetworkThread }
        let step: Step = state.withLock { s in
            switch s.phase {
            case .closed: return .done
            case .stopping: return .waitUntilClosed
            case .idle:
                s.phase = .closed
                return .finishNow
            case .starting, .running, .abandoning:
                s.phase = .stopping
                s.stopRequested = true
                return .stopNetworkThread
            }
        }
        switch step {
        case .done:
            return
        case .waitUntilClosed:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let closed = state.withLock { s in
                    if s.phase == .closed { return true }
                    s.closeWaiters.append(continuation)
                    return false
                }
                if closed { continuation.resume() }
            }
        case .finishNow:
            finalizeClose()
        case .stopNetworkThread:
            logger.debug("disconnecting")
            if let mosq = handle.pointer {
                // Queues DISCONNECT and wakes the network thread, which sends it and exits.
                sendDisconnect(mosq)
            }
            await waitForLoopExit(timeout: .seconds(10))
            finalizeClose()
            logger.info("disconnected")
        }
    }

    /// Called when the `MQTTClient` goes away without `disconnect()`: stops the network thread
    /// without waiting for it and ends every stream and pending call.
    func shutdownWithoutWaiting() {
        let stop: Bool = state.withLock { s in
            guard s.phase != .closed else { return false }
            s.stopRequested = true
            return s.loopRunning
        }
        if stop, let mosq = handle.pointer {
            sendDisconnect(mosq)
        }
        finalizeClose()
    }

    func cancelSubscription(id: UInt64) {
        removeSubscription(id: id, finish: true)
    }

    // MARK: - Connection set-up

    private func configureOnce(_ mosq: OpaquePointer) throws {
        let alreadyConfigured = state.withLock { s in
            defer { s.configured = true }
            return s.configured
        }
        if alreadyConfigured { return }
        var rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, Mosq.protocolV5)
        guard rc == Mosq.success else {
            state.withLock { $0.configured = false }
            throw MQTTError.connectionRefused(reason: rc, "cannot select MQTT 5: \(Mosq.errorText(rc))")
        }
        _ = mosquitto_threaded_set(mosq, true)
        // Without TCP_NODELAY, a PUBLISH written right after a QoS 0 one waits for the broker's
        // delayed ACK (Nagle): ~40 ms per message in a mixed QoS 0/1 stream.
        _ = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1)
        if let username = configuration.username {
            rc = withOptionalCString(configuration.password) { password in
                mosquitto_username_pw_set(mosq, username, password)
            }
            guard rc == Mosq.success else {
                state.withLock { $0.configured = false }
                throw MQTTError.connectionRefused(reason: rc, "invalid credentials: \(Mosq.errorText(rc))")
            }
        }
        if let tls = configuration.tls {
            rc = withOptionalCString(tls.certFile) { certFile in
                withOptionalCString(tls.keyFile) { keyFile in
                    mosquitto_tls_set(mosq, tls.caFile, nil, certFile, keyFile, nil)
                }
            }
            guard rc == Mosq.success else {
                state.withLock { $0.configured = false }
                throw MQTTError.tls(
                    "cannot use CA file '\(tls.caFile)' or client certificate: \(Mosq.errorText(rc))"
                )
            }
            _ = mosquitto_tls_insecure_set(mosq, tls.insecure)
        }
    }

    private func startNetworkThreadAndWaitForConnack() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { s in
                let id = s.nextID
                s.nextID += 1
                s.connectWaiters[id] = Waiter(
                    continuation: continuation, deadline: .now + configuration.connectTimeout
                )
                s.loopRunning = true
                startSweeperIfNeeded(&s)
            }
            let started = startDetachedThread { [self] in
                runNetworkLoop()
            }
            if !started {
                let error = MQTTError.connectionRefused(reason: currentErrno(), "cannot start the network thread")
                let effects: Effects = state.withLock { s in
                    s.loopRunning = false
                    s.phase = .idle
                    return s.failConnectWaiters(error)
                }
                effects.run()
            }
        }
    }

    private func waitForConnack() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate: Result<Void, any Error>? = state.withLock { s in
                switch s.phase {
                case .closed, .stopping: return .failure(MQTTError.closed)
                case .idle, .abandoning: return .failure(MQTTError.notConnected)
                case .running, .starting:
                    if s.connected { return .success(()) }
                    let id = s.nextID
                    s.nextID += 1
                    s.connectWaiters[id] = Waiter(
                        continuation: continuation, deadline: .now + configuration.connectTimeout
                    )
                    return nil
                }
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    private func waitForLoopExit(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited: Bool = state.withLock { s in
                guard s.loopRunning else { return true }
                let id = s.nextID
                s.nextID += 1
                s.loopExitWaiters[id] = LoopExitWaiter(continuation: continuation, deadline: .now + timeout)
                startSweeperIfNeeded(&s)
                return false
            }
            if exited { continuation.resume() }
        }
    }

    // MARK: - Network thread

    /// Body of the network thread: first connection, then `mosquitto_loop` with reconnection
    /// (exponential back-off between `reconnectDelayMin` and `reconnectDelayMax`) until stopped.
    ///
    /// This replaces `mosquitto_loop_start`, whose thread (`mosquitto_loop_forever`) returns for
    /// good on errors it deems fatal: an MQTT 5 CONNACK refusal during a reconnection, a TLS
    /// error or a failed DNS lookup would silently leave the client offline forever. Here every
    /// failure is retried, and a stop request is noticed within ~20 ms even during a back-off.
    private func runNetworkLoop() {
        guard let mosq = handle.pointer else { return }
        var properties = PropertyList()
        if configuration.sessionExpiry > 0 {
            _ = properties.addInt32(Mosq.sessionExpiryInterval, configuration.sessionExpiry)
        }
        // libmosquitto keeps a copy of the CONNECT properties and sends them again on every
        // mosquitto_reconnect().
        let rc = mosquitto_connect_bind_v5(
            mosq, configuration.host, Int32(configuration.port), Int32(configuration.keepAlive), nil,
            properties.pointer
        )
        let connectErrno = currentErrno()
        properties.free()
        guard rc == Mosq.success else {
            initialConnectFailed(rc, errno: connectErrno)
            loopExited()
            return
        }
        logger.debug("network thread started")

        var stopDeadline: ContinuousClock.Instant?
        while true {
            if isStopRequested {
                if stopDeadline == nil { stopDeadline = .now + .seconds(2) }
                sendDisconnect(mosq)
                // Let the loop flush DISCONNECT, then leave.
                if mosquitto_socket(mosq) == -1 || ContinuousClock.now >= stopDeadline! { break }
                _ = mosquitto_loop(mosq, 100, 1)
                continue
            }
            let loopResult = mosquitto_loop(mosq, 1000, 1)
            if loopResult == Mosq.success || isStopRequested { continue }

            // Not connected (lost, or the last reconnection failed): back off, then reconnect.
            let attempt = state.withLock { s in
                defer { s.reconnectAttempts += 1 }
                return s.reconnectAttempts
            }
            let delay = reconnectDelay(attempt: attempt)
            logger.debug(
                "reconnecting",
                metadata: ["delay_s": "\(delay)", "attempt": "\(attempt + 1)", "last_error": "\(Mosq.errorText(loopResult))"]
            )
            guard sleepUnlessStopped(seconds: delay) else { continue }
            let reconnectResult = mosquitto_reconnect(mosq)
            if reconnectResult != Mosq.success {
                let text = reconnectResult == Mosq.errno
                    ? Mosq.systemErrorText(currentErrno()) : Mosq.errorText(reconnectResult)
                logger.debug("reconnection failed", metadata: ["error": "\(text)"])
            }
        }
        loopExited()
    }

    /// Queues DISCONNECT on the current connection, once. (`mosquitto_disconnect` also tells the
    /// library not to reconnect; with no connection it sends nothing and the network thread
    /// tries again if a connection comes up before it stops.)
    private func sendDisconnect(_ mosq: OpaquePointer) {
        let alreadySent = state.withLock { $0.disconnectQueued }
        guard !alreadySent else { return }
        if mosquitto_disconnect_v5(mosq, 0, nil) == Mosq.success {
            state.withLock { $0.disconnectQueued = true }
        }
    }

    private var isStopRequested: Bool {
        state.withLock { $0.stopRequested }
    }

    private func reconnectDelay(attempt: Int) -> Int {
        let minimum = max(1, configuration.reconnectDelayMin)
        let maximum = max(minimum, configuration.reconnectDelayMax)
        var delay = minimum
        for _ in 0..<min(attempt, 16) where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }

    /// Sleeps in short slices; false if a stop was requested meanwhile.
    private func sleepUnlessStopped(seconds: Int) -> Bool {
        let slices = seconds * 50
        for _ in 0..<slices {
            if isStopRequested { return false }
            threadSleep(milliseconds: 20)
        }
        return !isStopRequested
    }

    private func initialConnectFailed(_ rc: Int32, errno: Int32) {
        let address = "\(configuration.host):\(configuration.port)"
        let error: MQTTError
        switch rc {
        case Mosq.tls, Mosq.tlsHandshake:
            error = .tls("TLS connection to \(address) failed: \(Mosq.errorText(rc))")
        case Mosq.errno:
            error = .connectionRefused(reason: rc, "cannot connect to \(address): \(Mosq.systemErrorText(errno))")
        case Mosq.lookup:
            error = .connectionRefused(reason: rc, "cannot resolve \(configuration.host)")
        default:
            error = .connectionRefused(reason: rc, "cannot connect to \(address): \(Mosq.errorText(rc))")
        }
        logger.warning("connection failed", metadata: ["error": "\(error)"])
        let effects: Effects = state.withLock { s in
            if s.phase == .starting { s.phase = .abandoning }
            return s.failConnectWaiters(error)
        }
        effects.run()
    }

    private func loopExited() {
        let effects: Effects = state.withLock { s in
            var effects = Effects()
            s.loopRunning = false
            s.connected = false
            if s.phase == .starting || s.phase == .abandoning {
                // The first connection never succeeded: back to idle so connect() may try again.
                s.phase = .idle
                effects.merge(s.failConnectWaiters(.notConnected))
                for (_, pending) in s.publishes {
                    effects.resume(pending.continuation, .failure(MQTTError.notConnected))
                }
                s.publishes.removeAll()
            }
            for (_, waiter) in s.loopExitWaiters { effects.exitWaiters.append(waiter.continuation) }
            s.loopExitWaiters.removeAll()
            return effects
        }
        effects.run()
        logger.debug("network thread stopped")
    }

    // MARK: - libmosquitto callbacks (network thread)

    func handleConnect(reason: Int32, flags: Int32) {
        guard let mosq = handle.pointer else { return }
        guard reason == 0 else {
            let error = MQTTError.connectionRefused(reason: reason, Mosq.reasonText(reason))
            let (effects, abandon): (Effects, Bool) = state.withLock { s in
                let effects = s.failConnectWaiters(error)
                guard s.phase == .starting else { return (effects, false) }
                // The first connection was refused: stop instead of retrying forever.
                s.phase = .abandoning
                s.stopRequested = true
                return (effects, true)
            }
            effects.run()
            logger.error("broker refused the connection", metadata: ["reason": "\(reason)", "text": "\(Mosq.reasonText(reason))"])
            if abandon { sendDisconnect(mosq) }
            return
        }

        typealias Resubscription = (filter: String, qos: MQTTQoS, identifier: UInt32, ids: [UInt64])
        let (effects, resubscriptions): (Effects, [Resubscription]) = state.withLock { s in
            var effects = Effects()
            guard !s.stopRequested else { return (effects, []) }
            s.connected = true
            s.reconnectAttempts = 0
            if s.phase == .starting { s.phase = .running }
            for (_, waiter) in s.connectWaiters { effects.resume(waiter.continuation, .success(())) }
            s.connectWaiters.removeAll()
            var byFilter: [String: (qos: MQTTQoS, ids: [UInt64])] = [:]
            for (id, subscription) in s.subscriptions {
                var entry = byFilter[subscription.filter] ?? (subscription.qos, [])
                entry.qos = max(entry.qos, subscription.qos)
                entry.ids.append(id)
                byFilter[subscription.filter] = entry
            }
            let list = byFilter.map { filter, entry in
                (filter: filter, qos: entry.qos, identifier: s.identifier(for: filter), ids: entry.ids)
            }
            return (effects, list)
        }
        effects.run()
        logger.info(
            "connected",
            metadata: ["broker": "\(configuration.host):\(configuration.port)", "session_present": "\(flags & 1 != 0)"]
        )
        // The broker may have lost the session (clean start, expiry, restart without
        // persistence): subscribe again to everything. With a kept session this is harmless, and
        // "send retained only if new" avoids getting retained messages twice.
        for item in resubscriptions {
            var mid: Int32 = 0
            let rc = sendSubscribe(
                mosq, filter: item.filter, qos: item.qos, identifier: item.identifier,
                options: Mosq.sendRetainedIfNew, mid: &mid
            )
            if rc == Mosq.success {
                // SUBACK is handled on this same thread after this callback returns: no race.
                state.withLock { s in s.subackWaiters[mid, default: []].append(contentsOf: item.ids) }
            } else {
                logger.error("re-subscription failed", metadata: ["filter": "\(item.filter)", "error": "\(Mosq.errorText(rc))"])
            }
        }
        if !resubscriptions.isEmpty {
            logger.debug("re-subscribed", metadata: ["filters": "\(resubscriptions.map(\.filter))"])
        }
    }

    func handleDisconnect(reason: Int32) {
        let (effects, wasStopping): (Effects, Bool) = state.withLock { s in
            var effects = Effects()
            s.connected = false
            s.disconnectQueued = false
            s.disconnectEpoch &+= 1
            // libmosquitto drops unsent QoS 0 packets on reconnection; QoS 1/2 messages stay
            // in its queue and are sent again, so their callers keep waiting for the PUBACK.
            for (mid, pending) in s.publishes where pending.qos == .atMostOnce {
                effects.resume(pending.continuation, .failure(MQTTError.notConnected))
                s.publishes[mid] = nil
            }
            // SUBACKs of the lost connection will not come; re-subscription resolves them.
            s.subackWaiters.removeAll()
            return (effects, s.stopRequested)
        }
        effects.run()
        if wasStopping || reason == 0 {
            logger.debug("connection closed", metadata: ["reason": "\(reason)"])
        } else {
            let text = reason >= Mosq.firstFailureReason ? Mosq.reasonText(reason) : Mosq.errorText(reason)
            logger.warning("connection lost; reconnecting", metadata: ["reason": "\(reason)", "text": "\(text)"])
        }
    }

    func handlePublishAck(messageID: Int32, reason: Int32) {
        let continuation: (CheckedContinuation<Void, any Error>)? = state.withLock { s in
            if let pending = s.publishes.removeValue(forKey: messageID) { return pending.continuation }
            if s.publishCallsInProgress > 0 { s.earlyPublishAcks[messageID] = (reason, .now) }
            return nil
        }
        continuation?.resume(with: publishOutcome(reason))
    }

    func handleSubscribeAck(messageID: Int32, grantedQoS: [Int32]) {
        let reason = grantedQoS.first ?? 0x80
        let effects: Effects = state.withLock { s in
            var effects = Effects()
            guard let ids = s.subackWaiters.removeValue(forKey: messageID) else {
                if s.subscribeCallsInProgress > 0 { s.earlySubacks[messageID] = (reason, .now) }
                return effects
            }
            s.resolveSubscriptions(ids, reason: reason, effects: &effects, logger: logger)
            return effects
        }
        effects.run()
    }

    func handleMessage(_ message: MQTTMessage, subscriptionIdentifiers: [UInt32]) {
        let targets: [AsyncStream<MQTTMessage>.Continuation] = state.withLock { s in
            var matching: [(identifier: UInt32?, continuation: AsyncStream<MQTTMessage>.Continuation)] = []
            for (_, subscription) in s.subscriptions where topicMatches(filter: subscription.filter, topic: message.topic) {
                matching.append((s.filterIdentifiers[subscription.filter], subscription.continuation))
            }
            // With overlapping filters the broker tells, through subscription identifiers, which
            // subscription(s) this copy is for: deliver only to those, so that no stream sees the
            // same message twice. Fall back to topic matching if the identifiers are unknown
            // (e.g. left over in a persistent session by an earlier process).
            if !subscriptionIdentifiers.isEmpty && matching.count > 1 {
                let exact = matching.filter { $0.identifier.map(subscriptionIdentifiers.contains) ?? false }
                if !exact.isEmpty { matching = exact }
            }
            return matching.map(\.continuation)
        }
        if targets.isEmpty {
            // E.g. queued in a persistent session for a filter not subscribed (yet) in this run.
            logger.log(
                level: message.qos == .atMostOnce ? .debug : .warning,
                "message matches no subscription; dropped (subscribe before connect() to get a persistent session's queue)",
                metadata: ["topic": "\(message.topic)"]
            )
        }
        for continuation in targets {
            if case .dropped = continuation.yield(message) {
                logger.error(
                    "subscription buffer full; message dropped",
                    metadata: ["topic": "\(message.topic)", "buffer": "\(configuration.subscriptionBufferSize)"]
                )
            }
        }
    }

    func handleLog(level: Int32, text: String) {
        switch level {
        case Mosq.logError: logger.error("libmosquitto: \(text)")
        case Mosq.logWarning: logger.warning("libmosquitto: \(text)")
        case Mosq.logNotice, Mosq.logInfo: logger.debug("libmosquitto: \(text)")
        default: logger.trace("libmosquitto: \(text)")
        }
    }

    // MARK: - Subscriptions, cancellation, timeouts

    private func sendSubscribe(
        _ mosq: OpaquePointer, filter: String, qos: MQTTQoS, identifier: UInt32, options: Int32, mid: inout Int32
    ) -> Int32 {
        var properties = PropertyList()
        _ = properties.addVarInt(Mosq.subscriptionIdentifier, identifier)
        let rc = mosquitto_subscribe_v5(mosq, &mid, filter, qos.rawValue, options, properties.pointer)
        properties.free()
        return rc
    }

    private func removeSubscription(id: UInt64, finish: Bool) {
        let (subscription, unsubscribe): (ActiveSubscription?, Bool) = state.withLock { s in
            guard let subscription = s.subscriptions.removeValue(forKey: id) else { return (nil, false) }
            let stillUsed = s.subscriptions.values.contains { $0.filter == subscription.filter }
            return (subscription, !stillUsed && s.connected && !s.stopRequested)
        }
        guard let subscription else { return }
        if unsubscribe, let mosq = handle.pointer {
            _ = mosquitto_unsubscribe_v5(mosq, nil, subscription.filter, nil)
        }
        subscription.waiter?.resume(throwing: CancellationError())
        if finish { subscription.continuation.finish() }
    }

    private func cancelPendingSubscribe(id: UInt64) {
        let subscription: ActiveSubscription? = state.withLock { s in
            guard let subscription = s.subscriptions[id], subscription.waiter != nil else { return nil }
            s.subscriptions[id] = nil
            return subscription
        }
        guard let subscription else { return }
        subscription.waiter?.resume(throwing: CancellationError())
        subscription.continuation.finish()
    }

    private func cancelPublish(messageID: Int32, token: UInt64) {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { s in
            guard let pending = s.publishes[messageID], pending.token == token else { return nil }
            s.publishes[messageID] = nil
            return pending.continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    /// Ends everything: pending calls fail with `.closed`, streams finish.
    private func finalizeClose() {
        let effects: Effects = state.withLock { s in
            var effects = Effects()
            s.phase = .closed
            s.stopRequested = true
            effects.merge(s.failConnectWaiters(.closed))
            for (_, pending) in s.publishes { effects.resume(pending.continuation, .failure(MQTTError.closed)) }
            s.publishes.removeAll()
            for (_, subscription) in s.subscriptions {
                if let waiter = subscription.waiter { effects.resume(waiter, .failure(MQTTError.closed)) }
                effects.finish(subscription.continuation)
            }
            // Removed before finishing, so their onTermination does not UNSUBSCRIBE: a persistent
            // session keeps its subscriptions for the next run.
            s.subscriptions.removeAll()
            s.subackWaiters.removeAll()
            for (_, waiter) in s.loopExitWaiters { effects.exitWaiters.append(waiter.continuation) }
            s.loopExitWaiters.removeAll()
            effects.exitWaiters.append(contentsOf: s.closeWaiters)
            s.closeWaiters.removeAll()
            s.sweeper?.cancel()
            s.sweeper = nil
            return effects
        }
        effects.run()
    }

    private func startSweeperIfNeeded(_ s: inout CoreState) {
        guard s.sweeper == nil else { return }
        s.sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                guard let self, self.sweep(now: .now) else { return }
            }
        }
    }

    /// Fails every wait whose deadline has passed. Returns false when the sweeper may stop.
    private func sweep(now: ContinuousClock.Instant) -> Bool {
        let (effects, keepGoing, abandon): (Effects, Bool, Bool) = state.withLock { s in
            var effects = Effects()
            var abandon = false
            if s.phase == .closed {
                s.sweeper = nil
                return (effects, false, false)
            }
            for (id, waiter) in s.connectWaiters where waiter.deadline <= now {
                effects.resume(waiter.continuation, .failure(MQTTError.timeout))
                s.connectWaiters[id] = nil
                if s.phase == .starting {
                    // The first connection did not complete in time: give up on it.
                    s.phase = .abandoning
                    s.stopRequested = true
                    abandon = true
                }
            }
            for (mid, pending) in s.publishes where pending.deadline <= now {
                effects.resume(pending.continuation, .failure(MQTTError.timeout))
                s.publishes[mid] = nil
            }
            for (id, subscription) in s.subscriptions {
                guard let waiter = subscription.waiter, let deadline = subscription.deadline, deadline <= now else {
                    continue
                }
                effects.resume(waiter, .failure(MQTTError.timeout))
                effects.finish(subscription.continuation)
                s.subscriptions[id] = nil
            }
            for (id, waiter) in s.loopExitWaiters where waiter.deadline <= now {
                effects.exitWaiters.append(waiter.continuation)
                s.loopExitWaiters[id] = nil
            }
            let idle = s.phase == .idle && !s.loopRunning && s.connectWaiters.isEmpty && s.loopExitWaiters.isEmpty
            if idle { s.sweeper = nil }
            return (effects, !idle, abandon)
        }
        effects.run()
        if abandon, let mosq = handle.pointer {
            logger.warning("no CONNACK in time; giving up this connection attempt")
            sendDisconnect(mosq)
        }
        return keepGoing
    }
}
