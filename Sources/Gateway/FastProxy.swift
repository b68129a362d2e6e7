import Dispatch
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOHTTPTypes
import SetragKernel
import Synchronization

/// The proxy's short path for the commonest public request: an anonymous `GET` or `HEAD` of a service path from a
/// client that is not a browser (no cookie, no `Authorization`, no `Origin`, no `Sec-Fetch-*`, no body). Such a
/// request needs none of the gateway's layers but the quota, the request id and the forwarding headers, so a
/// channel handler placed in front of the HTTP server answers it on the connection's event loop, from the request
/// head to the service's answer and back, without going through the server's request task and the middleware.
///
/// It behaves as the long path does: the same quota bucket (`ip:<address>`, class read), the same request id
/// (the caller's when well formed), the same headers to the service and back (hop-by-hop ones dropped,
/// `X-Forwarded-*` written, `Server`, `X-Content-Type-Options`, `Vary: Origin` when CORS is on), the same problem
/// documents when the service is down (503), slow (504) or broken (502), and the same request metrics. Everything
/// else (browsers, signed-in callers, bodies, refused quotas, upgrades) goes the long way, in order: requests on
/// one connection are answered one after another, whichever path each takes.
///
/// The handler also keeps the connection's idle timeout (the server's own idle timer does not see the requests
/// answered here) and holds a graceful shutdown until its answer is written.
struct FastProxy: Sendable {
    let proxy: UpstreamProxy
    let buckets: QuotaBuckets
    let trustedProxies: Set<String>
    let varyOrigin: Bool
    let serverName: String
    let idleTimeout: TimeAmount?
    let logger: Logger
    let stats: FastProxyStats

    init(services: GatewayServices, stats: FastProxyStats, serverName: String, idleTimeout: Duration?, logger: Logger) {
        proxy = services.proxy
        buckets = services.buckets
        trustedProxies = services.configuration.trustedProxies
        varyOrigin = !services.configuration.corsOrigins.isEmpty
        self.serverName = serverName
        self.idleTimeout = idleTimeout.map { TimeAmount($0) }
        self.logger = logger
        self.stats = stats
    }

    func makeHandler() -> FastProxyHandler { FastProxyHandler(self) }

    /// The service path a request may take the short path to, or nil when it must go the long way.
    static func route(for head: HTTPRequest) -> (prefix: String, service: String)? {
        guard head.method == .get || head.method == .head, let target = head.path else { return nil }
        let fields = head.headerFields
        let path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        guard fields[.authorization] == nil, fields[.origin] == nil, fields[.upgrade] == nil,
              fields[.transferEncoding] == nil, fields[.expect] == nil,
              fields[.contentLength] == nil || fields[.contentLength] == "0",
              !EdgeMiddleware.looksLikeBrowser(fields, path: path), !GatewayRouteTable.isForbidden(path)
        else { return nil }
        return GatewayRouteTable.match(path)
    }
}

/// How many requests took the short path (tests, and the bench's check that it was used).
final class FastProxyStats: Sendable {
    private let proxied = Atomic<Int>(0)
    var count: Int { proxied.load(ordering: .relaxed) }
    func add() { proxied.add(1, ordering: .relaxed) }
}

/// The request metrics the server's `MetricsMiddleware` records, under the same labels, for requests answered on
/// the short path.
enum FastProxyMetrics {
    struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    struct Meters: Sendable {
        let counter: Counter
        let timer: Timer
    }

    private static let table = Mutex<[Key: Meters]>([:])
    private static let active = Mutex<[HTTPRequest.Method: Meter]>([:])

    static func activeMeter(_ method: HTTPRequest.Method) -> Meter {
        active.withLock { table in
            if let meter = table[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            table[method] = meter
            return meter
        }
    }

    static func meters(_ key: Key) -> Meters {
        table.withLock { table in
            if let meters = table[key] { return meters }
            let dimensions = [("http.route", key.route), ("http.request.method", key.method.rawValue),
                              ("http.response.status_code", String(key.status))]
            let meters = Meters(counter: Counter(label: "hb.requests", dimensions: dimensions),
                                timer: Timer(label: "http.server.request.duration", dimensions: dimensions,
                                             preferredDisplayUnit: .seconds))
            table[key] = meters
            return meters
        }
    }
}

/// One connection's short-path exchanges (see `FastProxy`). It sits between the HTTP codec and the server's own
/// handlers: it answers some requests itself and passes the others on, keeping the answers in request order.
final class FastProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Whose request's parts are arriving now.
    private enum Open { case none, short, long }

    private let proxy: FastProxy
    private var open = Open.none
    /// A short-path exchange is under way (from its head until its answer's end is written).
    private var shortInFlight = false
    /// Requests passed to the server whose answers have not ended yet.
    private var longPending = 0
    /// Parts of requests that arrived while an earlier one was being answered.
    private var queue = CircularBuffer<HTTPRequestPart>()
    private var readHeld = false
    private var closeAfterAnswer = false
    private var peer: String?
    private var context: ChannelHandlerContext?
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// The connection's meters and quota key, looked up once (shared tables take a lock per look-up).
    private var meters: [FastProxyMetrics.Key: FastProxyMetrics.Meters] = [:]
    private var activeMeters: [HTTPRequest.Method: Meter] = [:]
    private var peerQuotaKey = "ip:unknown"

    init(_ proxy: FastProxy) { self.proxy = proxy }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        setPeer(context.channel.remoteAddress?.ipAddress)
        if context.channel.isActive { scheduleIdleCheck(context, in: proxy.idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        self.context = nil
    }

    private func setPeer(_ address: String?) {
        peer = address
        peerQuotaKey = "ip:" + (address ?? "unknown")
    }

    func channelActive(context: ChannelHandlerContext) {
        setPeer(context.channel.remoteAddress?.ipAddress)
        scheduleIdleCheck(context, in: proxy.idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        queue.removeAll()
        context.fireChannelInactive()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        let part = unwrapInboundIn(data)
        if !queue.isEmpty {
            queue.append(part)
            return
        }
        process(part, context: context)
    }

    /// Handles one request part in order; a new request waits in the queue while an earlier one is answered.
    /// True when the part went on to the server's handler.
    @discardableResult
    private func process(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch part {
        case .head(let head):
            guard !shortInFlight, longPending == 0, open == .none, !closeAfterAnswer else {
                queue.append(part)
                return false
            }
            if let route = FastProxy.route(for: head), let exchange = admit(head, route: route) {
                open = .short
                shortInFlight = true
                proxy.stats.add()
                start(exchange, context: context)
                return false
            }
            open = .long
            longPending += 1
            context.fireChannelRead(wrapInboundOut(part))
            return true
        case .body, .end:
            let passed = open != .short  // A short-path request has no body; its end is all that comes.
            if passed { context.fireChannelRead(wrapInboundOut(part)) }
            if case .end = part { open = .none }
            return passed
        }
    }

    /// What the short path needs to answer `head`, or nil when its quota is used up (the long path answers the 429
    /// with everything it says).
    private func admit(_ head: HTTPRequest, route: (prefix: String, service: String)) -> ShortExchange? {
        guard let target = proxy.proxy.targets[route.service] else { return nil }
        let address = proxy.trustedProxies.isEmpty ? peer : ClientAddressResponder<RouterResponder<AppContext>>
            .address(peer: peer, forwarded: head.headerFields[UpstreamProxy.forwardedFor],
                     trustedProxies: proxy.trustedProxies)
        let quotaKey = address == peer ? peerQuotaKey : "ip:" + (address ?? "unknown")
        guard proxy.buckets.take(quotaKey, class: .read).allowed else { return nil }
        let requestID = head.headerFields[UpstreamProxy.requestID]
            .flatMap { RequestIDMiddleware<AppContext>.valid($0) ? $0 : nil } ?? RequestIDMiddleware<AppContext>.make()
        var fields = UpstreamProxy.upstreamHeaders(head.headerFields, authorization: nil)
        fields[UpstreamProxy.requestID] = requestID
        if let address { fields[UpstreamProxy.forwardedFor] = address }
        fields[UpstreamProxy.forwardedProto] = proxy.proxy.publicScheme
        if let host = head.authority { fields[UpstreamProxy.forwardedHost] = host }
        let upstream = HTTPRequest(method: head.method, scheme: nil, authority: target.authority, path: head.path,
                                   headerFields: fields)
        let closes = UpstreamHandler.asksToClose(head.headerFields)
        return ShortExchange(request: upstream, target: target, route: route, requestID: requestID, closes: closes,
                             start: DispatchTime.now().uptimeNanoseconds)
    }

    struct ShortExchange: Sendable {
        let request: HTTPRequest
        let target: UpstreamTarget
        let route: (prefix: String, service: String)
        let requestID: String
        let closes: Bool
        let start: UInt64
        var method: HTTPRequest.Method { request.method }
    }

    private func start(_ exchange: ShortExchange, context: ChannelHandlerContext) {
        let active = activeMeters[exchange.method] ?? FastProxyMetrics.activeMeter(exchange.method)
        activeMeters[exchange.method] = active
        active.increment()
        proxy.proxy.pool.send(exchange.request, to: exchange.target, on: context.eventLoop)
            .hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
                active.decrement()
                guard let context = self.context else { return }
                switch result {
                case .success(let answer):
                    self.respond(answer, exchange: exchange, context: context)
                case .failure(let error):
                    let failure = UpstreamProxy.classify(error, service: exchange.route.service,
                                                         logger: self.requestLogger(exchange))
                    let (head, body) = ProblemResponse.encode(failure.problemError, requestID: exchange.requestID)
                    self.write(head, body: body, exchange: exchange, context: context)
                    self.finish(exchange, status: head.status.code, context: context)
                }
            }
    }

    private func requestLogger(_ exchange: ShortExchange) -> Logger {
        var logger = proxy.logger
        logger[metadataKey: "request_id"] = .string(exchange.requestID)
        return logger
    }

    /// The service's answer, as the long path would give it.
    private func respond(_ answer: UpstreamResponse, exchange: ShortExchange, context: ChannelHandlerContext) {
        var head = answer.head
        var fields = HTTPFields()
        fields.reserveCapacity(head.headerFields.count + 4)
        for field in head.headerFields where !UpstreamProxy.droppedFromResponse.contains(field.name) {
            fields.append(field)
        }
        head.headerFields = fields
        let status = head.status.code
        let bodyless = exchange.method == .head || status == 204 || status == 304 || (100..<200).contains(status)
        switch answer.body {
        case .complete(let buffer):
            if !bodyless, head.headerFields[.contentLength] == nil {
                head.headerFields[.contentLength] = String(buffer?.readableBytes ?? 0)
            }
            write(head, body: bodyless ? nil : buffer, exchange: exchange, context: context)
            finish(exchange, status: status, context: context)
        case .stream(let prefix, let rest):
            if bodyless {
                write(head, body: nil, exchange: exchange, context: context)
                finish(exchange, status: status, context: context)
                return
            }
            writeHead(head, exchange: exchange, context: context)
            if let prefix { context.write(wrapOutboundOut(.body(prefix)), promise: nil) }
            context.flush()
            stream(rest, exchange: exchange, status: status, context: context)
        }
    }

    /// Copies a long answer's body as it comes, waiting for each piece to be written (the client's pace).
    private func stream(_ rest: UpstreamBodyStream, exchange: ShortExchange, status: Int,
                        context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        Task {
            do {
                for try await chunk in rest {
                    try await eventLoop.flatSubmit { bound.value.writeBody(chunk, on: eventLoop) }.get()
                }
                eventLoop.execute { bound.value.endStream(exchange, status: status) }
            } catch {
                eventLoop.execute { bound.value.abortStream(exchange, status: status) }
            }
        }
    }

    private func writeBody(_ chunk: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(.body(chunk)))
    }

    private func endStream(_ exchange: ShortExchange, status: Int) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        finish(exchange, status: status, context: context)
    }

    /// The answer broke off (the service closed, or the client went away): the client cannot tell a cut body from
    /// a whole one except by the connection closing.
    private func abortStream(_ exchange: ShortExchange, status: Int) {
        guard let context else { return }
        record(exchange, status: status)
        context.close(promise: nil)
    }

    private func writeHead(_ head: HTTPResponse, exchange: ShortExchange, context: ChannelHandlerContext) {
        var head = head
        head.headerFields[.server] = proxy.serverName
        head.headerFields[UpstreamProxy.requestID] = exchange.requestID
        if head.headerFields[.xContentTypeOptions] == nil { head.headerFields[.xContentTypeOptions] = "nosniff" }
        if proxy.varyOrigin, !head.headerFields[values: .vary].contains(where: { $0.contains("Origin") }) {
            head.headerFields.append(HTTPField(name: .vary, value: "Origin"))
        }
        if exchange.closes || closeAfterAnswer { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    private func write(_ head: HTTPResponse, body: ByteBuffer?, exchange: ShortExchange,
                       context: ChannelHandlerContext) {
        writeHead(head, exchange: exchange, context: context)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func record(_ exchange: ShortExchange, status: Int) {
        let key = FastProxyMetrics.Key(route: exchange.route.prefix, method: exchange.method, status: status)
        let found = meters[key] ?? FastProxyMetrics.meters(key)
        meters[key] = found
        found.counter.increment()
        found.timer.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - exchange.start)
    }

    /// The answer is written: the next request (queued, or still to be read) may go.
    private func finish(_ exchange: ShortExchange, status: Int, context: ChannelHandlerContext) {
        record(exchange, status: status)
        shortInFlight = false
        lastActivity = .now()
        if exchange.closes || closeAfterAnswer {
            queue.removeAll()
            context.close(promise: nil)
            return
        }
        drain(context: context)
    }

    /// Processes queued parts until a request has to wait again; reading resumes once the queue is empty.
    private func drain(context: ChannelHandlerContext) {
        var passed = false
        while let part = queue.first {
            if case .head = part, shortInFlight || longPending > 0 || open != .none { break }
            queue.removeFirst()
            passed = process(part, context: context) || passed
        }
        // The server's handler hands what it was given to the request on a read's completion.
        if passed { context.fireChannelReadComplete() }
        if queue.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
    }

    // MARK: outbound

    /// Reading pauses while requests wait in the queue, so that a client cannot pile up more than one read's worth.
    func read(context: ChannelHandlerContext) {
        if queue.isEmpty { context.read() } else { readHeld = true }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            longPending -= 1
            lastActivity = .now()
            if longPending == 0, !queue.isEmpty {
                // After the write call returns, not inside it.
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    guard let context = bound.value.context else { return }
                    bound.value.drain(context: context)
                }
            }
        }
    }

    // MARK: connection life

    /// A graceful shutdown waits for the short path's answer; the server's handler deals with its own requests.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, shortInFlight {
            closeAfterAnswer = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, in delay: TimeAmount?) {
        guard let delay, idleCheck == nil else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.idleTimerFired()
        }
    }

    /// Closes the connection once nothing was read or answered for the idle timeout and no request is under way.
    private func idleTimerFired() {
        idleCheck = nil
        guard let context, let timeout = proxy.idleTimeout else { return }
        let busy = shortInFlight || longPending > 0 || open != .none || !queue.isEmpty
        let due = lastActivity + timeout
        let now = NIODeadline.now()
        if !busy, now >= due {
            context.close(promise: nil)
            return
        }
        scheduleIdleCheck(context, in: busy ? timeout : due - now)
    }
}
