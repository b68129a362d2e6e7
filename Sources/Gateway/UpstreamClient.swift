import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix
import Synchronization

/// Where a service listens: plain HTTP/1.1 inside the platform (`<service>.url`, `http://host:port`).
struct UpstreamTarget: Hashable, Sendable, CustomStringConvertible {
    let host: String
    let port: Int

    /// `http://host:port` (a trailing `/` allowed; IPv6 hosts in brackets), else nil.
    init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), let colon = rest.lastIndex(of: ":"),
              let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port` as the `Host` header says it.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    var description: String { "http://\(authority)" }
}

/// Why an exchange with a service failed.
enum UpstreamFailure: Error, Equatable {
    /// No connection could be opened (refused, unreachable, or the connect timeout passed).
    case unavailable
    /// The service did not answer with a head in time.
    case timedOut
    /// The connection closed before the answer was whole; `beforeHead` when not even its head arrived.
    case closed(beforeHead: Bool)
    /// The client stopped reading the body, or the gateway shut down.
    case cancelled
}

/// What a service answered: its head and its body, whole when it came with the head (small answers, the usual
/// case) or as a stream that ends with the answer.
struct UpstreamResponse: Sendable {
    enum Body: Sendable {
        case complete(ByteBuffer?)
        case stream(prefix: ByteBuffer?, rest: UpstreamBodyStream)
    }
    var head: HTTPResponse
    var body: Body
}

typealias UpstreamBodyStream = NIOThrowingAsyncSequenceProducer<
    ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyDelegate
>

/// What the proxy asks of a connection.
enum UpstreamCommand: Sendable {
    /// Starts an exchange: the request head (and its end when it has no body); the answer completes `response`.
    case head(HTTPRequest, hasBody: Bool, response: EventLoopPromise<UpstreamResponse>)
    case body(ByteBuffer)
    case end
}

/// A pool of keep-alive HTTP/1.1 connections to the platform's services, for the gateway's proxy.
///
/// Each exchange runs on its connection's event loop: the request goes out in one write, and an answer that
/// arrives in one read (head, body and end) completes the caller's promise at once, without a stream. A
/// connection returns to the pool when its answer has ended, unless either side asked to close it.
final class UpstreamPool: Sendable {
    private struct Idle {
        let channel: any Channel
        let since: NIODeadline
    }

    /// Idle connections are kept per service and event loop: a request's upstream I/O runs on the thread of the
    /// connection it came on.
    private struct Key: Hashable {
        let target: UpstreamTarget
        let eventLoop: ObjectIdentifier
    }

    private struct State {
        var idle: [Key: [Idle]] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    /// Time allowed until a service's answer head arrives.
    let responseTimeout: TimeAmount
    /// Time allowed between two reads while an answer streams in.
    let readTimeout: TimeAmount
    let connectTimeout: TimeAmount
    /// Idle connections kept per service and event loop; more are closed when they come back.
    let maxIdlePerTarget: Int
    /// An idle connection older than this is not reused (services close theirs after `http.idle_timeout`, 60 s).
    let idleLifetime: TimeAmount

    init(
        responseTimeout: TimeAmount,
        readTimeout: TimeAmount = .seconds(120), connectTimeout: TimeAmount = .seconds(3),
        maxIdlePerTarget: Int = 256, idleLifetime: TimeAmount = .seconds(30)
    ) {
        self.responseTimeout = responseTimeout
        self.readTimeout = readTimeout
        self.connectTimeout = connectTimeout
        self.maxIdlePerTarget = maxIdlePerTarget
        self.idleLifetime = idleLifetime
    }

    /// Sends a request and waits for its answer's head. A request without a body that fails on a reused connection
    /// before any answer (the service had just closed it) is sent once more on a new connection when its method is
    /// safe to repeat.
    func execute(
        _ head: HTTPRequest, to target: UpstreamTarget, on eventLoop: any EventLoop,
        body: (any AsyncSequence<ByteBuffer, any Error> & Sendable)?
    ) async throws -> UpstreamResponse {
        guard let body else { return try await send(head, to: target, on: eventLoop).get() }
        let key = Key(target: target, eventLoop: ObjectIdentifier(eventLoop))
        var channel = try takeIdle(key)
        if channel == nil { channel = try await connect(key, on: eventLoop).get() }
        guard let channel else { throw UpstreamFailure.unavailable }
        let response = start(head, on: channel, hasBody: true)
        do {
            for try await chunk in body {
                try await channel.writeAndFlush(UpstreamCommand.body(chunk)).get()
            }
            try await channel.writeAndFlush(UpstreamCommand.end).get()
        } catch {
            // The connection cannot carry another request after half a body: the answer, if one came before
            // the failure, still counts; otherwise the body's own error (too large, client gone) does.
            channel.close(promise: nil)
            if let answer = try? await response.get() { return answer }
            throw error
        }
        return try await response.get()
    }

    /// The exchange of a request without a body, as a future that completes on the connection's event loop (which
    /// is `eventLoop` on a server's socket loop): the gateway's fast path never leaves that loop.
    func send(_ head: HTTPRequest, to target: UpstreamTarget, on eventLoop: any EventLoop)
        -> EventLoopFuture<UpstreamResponse>
    {
        let key = Key(target: target, eventLoop: ObjectIdentifier(eventLoop))
        let idle: (any Channel)?
        do { idle = try takeIdle(key) } catch { return eventLoop.makeFailedFuture(error) }
        guard let idle else {
            return connect(key, on: eventLoop).flatMap { self.start(head, on: $0, hasBody: false) }
        }
        return start(head, on: idle, hasBody: false).flatMapError { error in
            guard error as? UpstreamFailure == .closed(beforeHead: true), head.method.isIdempotentRead else {
                return idle.eventLoop.makeFailedFuture(error)
            }
            return self.connect(key, on: eventLoop).flatMap { self.start(head, on: $0, hasBody: false) }
        }
    }

    /// Hands the request head to the connection's handler; the future is its answer.
    private func start(_ head: HTTPRequest, on channel: any Channel, hasBody: Bool) -> EventLoopFuture<UpstreamResponse> {
        let response = channel.eventLoop.makePromise(of: UpstreamResponse.self)
        // Fails only when the connection closed before its handler took the request (and so the promise).
        channel.writeAndFlush(UpstreamCommand.head(head, hasBody: hasBody, response: response))
            .whenFailure { _ in response.fail(UpstreamFailure.closed(beforeHead: true)) }
        return response.futureResult
    }

    /// An idle connection to the key's service on its event loop, or nil; stale ones on the way are closed.
    private func takeIdle(_ key: Key) throws -> (any Channel)? {
        let now = NIODeadline.now()
        let (reusable, stale, closed) = state.withLock { state -> ((any Channel)?, [any Channel], Bool) in
            var stale: [any Channel] = []
            guard !state.closed else { return (nil, stale, true) }
            while let idle = state.idle[key]?.popLast() {
                if idle.channel.isActive, now - idle.since < idleLifetime { return (idle.channel, stale, false) }
                stale.append(idle.channel)
            }
            return (nil, stale, false)
        }
        for channel in stale { channel.close(promise: nil) }
        if closed { throw UpstreamFailure.cancelled }
        return reusable
    }

    private func connect(_ key: Key, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        let readTimeout = self.readTimeout, responseTimeout = self.responseTimeout
        // The request's own loop when it is a socket loop (it is not under the router tests' embedded loop).
        let bootstrap = (ClientBootstrap(validatingGroup: eventLoop)
            ?? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton))
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(HTTP1ToHTTPClientCodec())
                    try pipeline.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    try pipeline.addHandler(UpstreamHandler(responseTimeout: responseTimeout) { channel in
                        self?.release(channel, to: key)
                    })
                }
            }
        return bootstrap.connect(host: key.target.host, port: key.target.port)
            .flatMapErrorThrowing { _ in throw UpstreamFailure.unavailable }
    }

    /// A connection whose exchange ended cleanly goes back to the pool (called on its event loop).
    private func release(_ channel: any Channel, to key: Key) {
        let keep = state.withLock { state -> Bool in
            guard !state.closed, state.idle[key, default: []].count < maxIdlePerTarget else { return false }
            state.idle[key, default: []].append(Idle(channel: channel, since: .now()))
            return true
        }
        if !keep { channel.close(promise: nil) }
    }

    /// Closes the idle connections and refuses new exchanges; exchanges under way finish.
    func shutdown() {
        let idle = state.withLock { state -> [any Channel] in
            state.closed = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0.map(\.channel) }
        }
        for channel in idle { channel.close(promise: nil) }
    }

    /// Idle connections now held (tests).
    var idleCount: Int { state.withLock { $0.idle.values.reduce(0) { $0 + $1.count } } }
}

extension HTTPRequest.Method {
    /// Methods whose request may be sent twice without harm when the first never reached the service.
    var isIdempotentRead: Bool { self == .get || self == .head || self == .options }
}

/// Lets the streaming body of an answer pace the connection: reading stops while the client is slower than the
/// service, and the connection closes when the client goes away before the end.
struct UpstreamBodyDelegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<UpstreamHandler>
    let exchange: Int

    func produceMore() {
        handler.eventLoop.execute { handler.value.resumeReading(exchange: exchange) }
    }

    func didTerminate() {
        handler.eventLoop.execute { handler.value.bodyAbandoned(exchange: exchange) }
    }
}

/// One connection's exchanges, one at a time, on its event loop.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPResponsePart
    typealias OutboundIn = UpstreamCommand
    typealias OutboundOut = HTTPRequestPart

    private enum State {
        case idle
        /// Request sent; no head yet.
        case waiting(EventLoopPromise<UpstreamResponse>, timeout: Scheduled<Void>)
        /// Head (and maybe some body) received in the current read.
        case collecting(EventLoopPromise<UpstreamResponse>, HTTPResponse, ByteBuffer?)
        /// Head delivered; the rest of the body goes through `source`.
        case streaming(UpstreamBodyStream.Source)
        case closed
    }

    private var state = State.idle
    private var exchange = 0
    private var requestEnded = true
    private var keepAlive = true
    private var timedOut = false
    private var context: ChannelHandlerContext?
    private let responseTimeout: TimeAmount
    private let onReusable: (any Channel) -> Void

    init(responseTimeout: TimeAmount, onReusable: @escaping (any Channel) -> Void) {
        self.responseTimeout = responseTimeout
        self.onReusable = onReusable
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head, let hasBody, let response):
            guard case .idle = state else {
                promise?.succeed(())
                response.fail(UpstreamFailure.closed(beforeHead: true))
                return
            }
            exchange += 1
            timedOut = false
            keepAlive = !Self.asksToClose(head.headerFields)
            requestEnded = !hasBody
            let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: responseTimeout) { [weak self] in
                self?.timedOut = true
                context.close(promise: nil)
            }
            state = .waiting(response, timeout: timeout)
            // The handler owns the answer's promise from here on; socket errors close the channel and fail it.
            promise?.succeed(())
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if !hasBody { context.write(wrapOutboundOut(.end(nil)), promise: nil) }
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(buffer)), promise: promise)
        case .end:
            requestEnded = true
            context.write(wrapOutboundOut(.end(nil)), promise: promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .waiting(let response, let timeout) = state else { return }
            timeout.cancel()
            if Self.asksToClose(head.headerFields) { keepAlive = false }
            state = .collecting(response, head, nil)
        case .body(var buffer):
            switch state {
            case .collecting(let response, let head, var collected):
                if collected == nil { collected = buffer } else { collected!.writeBuffer(&buffer) }
                state = .collecting(response, head, collected)
            case .streaming(let source):
                if source.yield(buffer) == .stopProducing {
                    context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
                }
            default:
                break
            }
        case .end:
            switch state {
            case .collecting(let response, let head, let collected):
                state = .idle
                finishExchange(context: context)
                response.succeed(UpstreamResponse(head: head, body: .complete(collected)))
            case .streaming(let source):
                state = .idle
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                finishExchange(context: context)
                source.finish()
            default:
                break
            }
        }
    }

    /// The head came without the end in this read: the caller gets the head now and the body as it streams.
    func channelReadComplete(context: ChannelHandlerContext) {
        if case .collecting(let response, let head, let collected) = state {
            let delegate = UpstreamBodyDelegate(handler: NIOLoopBound(self, eventLoop: context.eventLoop),
                                                exchange: exchange)
            let stream = UpstreamBodyStream.makeSequence(
                backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: true,
                delegate: delegate)
            state = .streaming(stream.source)
            response.succeed(UpstreamResponse(head: head, body: .stream(prefix: collected, rest: stream.sequence)))
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let previous = state
        state = .closed
        switch previous {
        case .waiting(let response, let timeout):
            timeout.cancel()
            response.fail(timedOut ? UpstreamFailure.timedOut : UpstreamFailure.closed(beforeHead: true))
        case .collecting(let response, _, _):
            response.fail(UpstreamFailure.closed(beforeHead: false))
        case .streaming(let source):
            source.finish(UpstreamFailure.closed(beforeHead: false))
        case .idle, .closed:
            break
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A read timeout while an answer is awaited or streams in ends the connection (the caller sees a failure);
    /// an idle pooled connection just closes.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, case .read = event {
            if case .waiting = state { timedOut = true }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func resumeReading(exchange: Int) {
        guard exchange == self.exchange, case .streaming = state, let context else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        context.read()
    }

    /// The caller stopped reading the body before its end: the rest can never be read, so the connection closes.
    func bodyAbandoned(exchange: Int) {
        guard exchange == self.exchange, case .streaming = state, let context else { return }
        context.close(promise: nil)
    }

    private func finishExchange(context: ChannelHandlerContext) {
        if keepAlive && requestEnded {
            onReusable(context.channel)
        } else {
            context.close(promise: nil)
        }
    }

    static func asksToClose(_ fields: HTTPFields) -> Bool {
        fields[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingASCIISpaces().lowercased() == "close" }
        }
    }
}
