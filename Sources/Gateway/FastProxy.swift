import Dispatch
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import NIOHTTPTypes
import SetragKernel
import Synchronization

/// The proxy's short path for the commonest public request: an anonymous `GET` or `HEAD` of a service path from a
/// client that is not a browser (no cookie, no `Authorization`, no `Origin`, no `Sec-Fetch-*`, no body). Such a
/// request needs none of the gateway's layers but the quota, the request id and the forwarding headers, so a
/// channel handler placed in front of the HTTP server's own parser answers it on the connection's event loop: it
/// reads the request head from the bytes (`HTTPHeadScan`), writes the request to the service on a connection of
/// the same loop (`RawUpstreamPool`), and copies the service's answer back with the gateway's headers, its body
/// unchanged as it arrives.
///
/// It behaves as the long path does: the same quota bucket (`ip:<address>`, class read), the same request id
/// (the caller's when well formed), the same headers to the service and back (hop-by-hop ones dropped,
/// `X-Forwarded-*` written, `Server`, `X-Content-Type-Options`, `Vary: Origin` when CORS is on), the same problem
/// documents when the service is down (503), slow (504) or broken (502), and the same request metrics. Everything
/// else (browsers, signed-in callers, bodies, refused quotas, upgrades, anything unusual) goes to the server's
/// parser and the long way, in order: requests on one connection are answered one after another, whichever path
/// each takes. A request whose framing the handler does not follow (a chunked body, a malformed head) hands the
/// rest of the connection to the server.
///
/// The handler also keeps the connection's idle timeout (the server's own idle timer does not see the requests
/// answered here) and holds a graceful shutdown until its answer is written.
struct FastProxy: Sendable {
    let proxy: UpstreamProxy
    let pool: RawUpstreamPool
    let buckets: QuotaBuckets
    let trustedProxies: Set<String>
    let varyOrigin: Bool
    let serverName: String
    let idleTimeout: TimeAmount?
    let logger: Logger
    let stats: FastProxyStats

    init(services: GatewayServices, pool: RawUpstreamPool, stats: FastProxyStats, serverName: String,
         idleTimeout: Duration?, logger: Logger) {
        proxy = services.proxy
        self.pool = pool
        buckets = services.buckets
        trustedProxies = services.configuration.trustedProxies
        varyOrigin = !services.configuration.corsOrigins.isEmpty
        self.serverName = serverName
        self.idleTimeout = idleTimeout.map { TimeAmount($0) }
        self.logger = logger
        self.stats = stats
    }

    func makeHandler() -> FastProxyHandler { FastProxyHandler(self) }

    /// A request head's method and target when it is `GET` or `HEAD` of an origin-form target in HTTP/1.1.
    static func requestLine(_ head: HTTPHeadScan) -> (method: HTTPRequest.Method, target: String)? {
        let line = head.startLine
        return head.bytes.withUnsafeReadableBytes { raw -> (HTTPRequest.Method, String)? in
            let bytes = raw[line]
            guard let firstSpace = bytes.firstIndex(of: 32), let lastSpace = bytes.lastIndex(of: 32),
                  firstSpace < lastSpace else { return nil }
            let method: HTTPRequest.Method
            switch firstSpace - line.lowerBound {
            case 3 where raw[line.lowerBound] == 71 && raw[line.lowerBound + 1] == 69 && raw[line.lowerBound + 2] == 84:
                method = .get
            case 4 where Array(raw[line.lowerBound..<firstSpace]) == Array("HEAD".utf8):
                method = .head
            default:
                return nil
            }
            guard Array(raw[(lastSpace + 1)..<line.upperBound]) == Self.http11 else { return nil }
            let target = raw[(firstSpace + 1)..<lastSpace]
            guard target.first == 47, target.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
            return (method, String(decoding: target, as: UTF8.self))
        }
    }

    private static let http11 = Array("HTTP/1.1".utf8)
    /// `Host` (HTTP types spell it `authority`; a head read from bytes has the field).
    static let hostField = HTTPField.Name("Host")!

    /// The service path a request may take the short path to, or nil when it must go the long way.
    static func route(for head: HTTPHeadScan, method: HTTPRequest.Method, target: String)
        -> (prefix: String, service: String)?
    {
        guard method == .get || method == .head else { return nil }
        let path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        guard !head.has(.authorization), !head.has(.origin), !head.has(.upgrade), !head.has(.transferEncoding),
              !head.has(.expect), head.values(.contentLength).allSatisfy({ $0 == "0" }),
              head.values(hostField).count == 1,
              !EdgeMiddleware.looksLikeBrowser(head, path: path), !GatewayRouteTable.isForbidden(path)
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

/// One connection's short path (see `FastProxy`). It is the connection's first handler: it reads the bytes before
/// the server's HTTP parser, answers the requests it can, and hands the others to the parser, one request at a time
/// so that the answers keep the requests' order.
final class FastProxyHandler: ChannelDuplexHandler, RemovableChannelHandler, RawAnswerSink {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A longer request head goes to the server's parser (with the rest of the connection).
    static let headLimit = 16 * 1024
    /// Fields of a service's answer that stay at the gateway (or that it writes itself). `Transfer-Encoding` goes
    /// through: a chunked body is passed on with its chunks.
    static let droppedFromAnswer: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "upgrade", "x-request-id", "server",
    ]

    private struct Exchange {
        let method: HTTPRequest.Method
        let route: (prefix: String, service: String)
        let target: UpstreamTarget
        let request: ByteBuffer
        let requestID: String
        let closes: Bool
        let start: UInt64
        let active: Meter
        var upstream: RawUpstreamHandler?
        var reused = false
        var retried = false
        var status = 0
        var closesAfter = false
        var paused = false
    }

    private let proxy: FastProxy
    private var context: ChannelHandlerContext?
    private var pool: RawLoopPool?
    /// Bytes read and not dealt with yet (a request waiting for the one before, or the start of one).
    private var pending: ByteBuffer?
    /// The rest of the connection belongs to the server's parser (a framing this handler does not follow).
    private var handedOver = false
    /// ... because the connection was upgraded (a WebSocket): the idle timer is the socket's business then.
    private var upgraded = false
    /// Body bytes of the request last handed to the server that are still to come.
    private var bodyToPass = 0
    /// Requests handed to the server whose answers have not ended.
    private var longPending = 0
    private var exchange: Exchange?
    /// Bytes went on to the server's parser since its last read completion.
    private var passedRead = false
    private var readHeld = false
    private var closeAfterAnswer = false
    /// The server's own handlers have seen a request (until then, nobody else closes the connection on shutdown).
    private var serverSawRequest = false
    private var drainScheduled = false
    fileprivate weak var watch: LongPathWatch?
    /// Completed with true when a request first goes to the server's parser, false if the connection ends before.
    var serverNeeded: EventLoopPromise<Bool>?
    private var peer: String?
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// The connection's meters and quota key, looked up once (shared tables take a lock per look-up).
    private var meters: [FastProxyMetrics.Key: FastProxyMetrics.Meters] = [:]
    private var activeMeters: [HTTPRequest.Method: Meter] = [:]
    private var peerQuotaKey = "ip:unknown"

    init(_ proxy: FastProxy) { self.proxy = proxy }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        pool = proxy.pool.local(context.eventLoop)
        setPeer(context.channel.remoteAddress?.ipAddress)
        if context.channel.isActive { scheduleIdleCheck(context, in: proxy.idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        serverNeeded?.succeed(false)
        serverNeeded = nil
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
        pending = nil
        serverNeeded?.succeed(false)
        serverNeeded = nil
        if let exchange {
            self.exchange = nil
            exchange.active.decrement()
            exchange.upstream?.abandon()
        }
        context.fireChannelInactive()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        var bytes = unwrapInboundIn(data)
        if handedOver {
            pass(bytes, context: context)
            return
        }
        if bodyToPass > 0 {
            let count = min(bodyToPass, bytes.readableBytes)
            pass(bytes.readSlice(length: count)!, context: context)
            bodyToPass -= count
            guard bytes.readableBytes > 0 else { return }
        }
        if pending == nil { pending = bytes } else { pending!.writeBuffer(&bytes) }
        processPending(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if handedOver || passedRead {
            passedRead = false
            context.fireChannelReadComplete()
        }
    }

    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        if let serverNeeded {
            self.serverNeeded = nil
            serverNeeded.succeed(true)
        }
        passedRead = true
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    /// Deals with the waiting bytes, request after request, until one has to wait for the answer before it.
    private func processPending(context: ChannelHandlerContext) {
        while !handedOver, exchange == nil, longPending == 0, bodyToPass == 0, !closeAfterAnswer,
              var buffer = pending, buffer.readableBytes > 0 {
            switch HTTPHeadScan.scan(buffer, limit: Self.headLimit) {
            case .incomplete:
                return
            case .malformed:
                refuseMalformed(context: context)
                return
            case .tooLarge:
                handOver(context: context, upgrade: false)
                return
            case .head(let head):
                if let exchange = shortExchange(head, context: context) {
                    buffer.moveReaderIndex(forwardBy: head.length)
                    pending = buffer.readableBytes > 0 ? buffer : nil
                    start(exchange, context: context)
                    return
                }
                guard let framing = Self.framing(head) else {
                    handOver(context: context, upgrade: false)
                    return
                }
                if framing.upgrade {
                    handOver(context: context, upgrade: true)
                    return
                }
                longPending += 1
                serverSawRequest = true
                pass(buffer.readSlice(length: head.length)!, context: context)
                let body = min(framing.body, buffer.readableBytes)
                if body > 0 { pass(buffer.readSlice(length: body)!, context: context) }
                bodyToPass = framing.body - body
                pending = buffer.readableBytes > 0 ? buffer : nil
            }
        }
    }

    /// A head that is not well-formed HTTP/1.1 gets a 400 problem, and the connection ends: what follows it cannot
    /// be told apart from it.
    private func refuseMalformed(context: ChannelHandlerContext) {
        pending = nil
        closeAfterAnswer = true
        let problem = ProblemError(.malformedRequest, status: .badRequest,
                                   detail: "The request head is not valid HTTP/1.1 (CRLF line ends, no folded lines)")
        let (head, body) = ProblemResponse.encode(problem, requestID: RequestIDMiddleware<AppContext>.make())
        var out = context.channel.allocator.buffer(capacity: 512 + body.readableBytes)
        Self.writeHead(head, bodyLength: body.readableBytes, to: &out)
        out.writeStaticString("Server: ")
        out.writeString(proxy.serverName)
        out.writeStaticString("\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n")
        out.writeImmutableBuffer(body)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(out)), promise: nil)
        closeAfterWrites(context: context)
    }

    /// Closes the connection once what was written before has gone out (a close drops writes still waiting).
    private func closeAfterWrites(context: ChannelHandlerContext) {
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: written)
        written.futureResult.whenComplete { _ in context.close(promise: nil) }
    }

    /// A status line and fields from HTTP types, with the body's length.
    private static func writeHead(_ head: HTTPResponse, bodyLength: Int, to out: inout ByteBuffer) {
        out.writeString("HTTP/1.1 \(head.status.code) \(head.status.reasonPhrase)\r\n")
        for field in head.headerFields where field.name != .contentLength {
            out.writeString(field.name.rawName)
            out.writeStaticString(": ")
            out.writeString(field.value)
            out.writeStaticString("\r\n")
        }
        writeField("Content-Length", String(bodyLength), to: &out)
    }

    /// The rest of the connection goes to the server's parser as it comes.
    private func handOver(context: ChannelHandlerContext, upgrade: Bool) {
        handedOver = true
        serverSawRequest = true
        if upgrade {
            upgraded = true
            idleCheck?.cancel()
            idleCheck = nil
        }
        if let pending, pending.readableBytes > 0 { pass(pending, context: context) }
        pending = nil
        resumeReading(context: context)
    }

    /// How a request for the long path is framed: its body's length, and whether it asks to change protocols.
    /// Nil for a framing the handler does not follow (chunked, or a length that is not one number).
    static func framing(_ head: HTTPHeadScan) -> (body: Int, upgrade: Bool)? {
        guard !head.has(.transferEncoding) else { return nil }
        let upgrade = head.has(.upgrade) || head.bytes.getString(at: head.bytes.readerIndex, length: 8) == "CONNECT "
        let lengths = head.values(.contentLength)
        guard let first = lengths.first else { return (0, upgrade) }
        guard lengths.allSatisfy({ $0 == first }), first.utf8.count <= 15,
              first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(first) else { return nil }
        return (length, upgrade)
    }

    // MARK: the short path

    /// The exchange for a request the short path answers, or nil when it goes the long way (its quota is used
    /// up: the long path answers the 429 with everything it says).
    private func shortExchange(_ head: HTTPHeadScan, context: ChannelHandlerContext) -> Exchange? {
        guard let (method, target) = FastProxy.requestLine(head),
              let route = FastProxy.route(for: head, method: method, target: target),
              let upstream = proxy.proxy.targets[route.service] else { return nil }
        let address = proxy.trustedProxies.isEmpty ? peer : ClientAddressResponder<RouterResponder<AppContext>>
            .address(peer: peer, forwarded: head.values(UpstreamProxy.forwardedFor).joined(separator: ", "),
                     trustedProxies: proxy.trustedProxies)
        let quotaKey = address == peer ? peerQuotaKey : "ip:" + (address ?? "unknown")
        guard proxy.buckets.take(quotaKey, class: .read).allowed else { return nil }
        let given = head.values(UpstreamProxy.requestID)
        let requestID = given.count == 1 && RequestIDMiddleware<AppContext>.valid(given[0])
            ? given[0] : RequestIDMiddleware<AppContext>.make()
        let connection = head.tokens(.connection)

        var request = context.channel.allocator.buffer(capacity: head.length + 256)
        request.writeString(method == .get ? "GET " : "HEAD ")
        request.writeString(target)
        request.writeStaticString(" HTTP/1.1\r\nHost: ")
        request.writeString(upstream.authority)
        request.writeStaticString("\r\n")
        for index in head.fields.indices {
            let name = head.lowercasedName(at: index)
            if UpstreamProxy.droppedNames.contains(name) || connection.contains(name) { continue }
            head.writeField(at: index, to: &request)
        }
        Self.writeField("X-Request-Id", requestID, to: &request)
        if let address { Self.writeField("X-Forwarded-For", address, to: &request) }
        Self.writeField("X-Forwarded-Proto", proxy.proxy.publicScheme, to: &request)
        if let host = head.values(FastProxy.hostField).first { Self.writeField("X-Forwarded-Host", host, to: &request) }
        request.writeStaticString("\r\n")

        let active = activeMeters[method] ?? FastProxyMetrics.activeMeter(method)
        activeMeters[method] = active
        return Exchange(method: method, route: route, target: upstream, request: request, requestID: requestID,
                        closes: connection.contains("close"), start: DispatchTime.now().uptimeNanoseconds,
                        active: active)
    }

    private static func writeField(_ name: StaticString, _ value: String, to buffer: inout ByteBuffer) {
        buffer.writeStaticString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    private func start(_ exchange: Exchange, context: ChannelHandlerContext) {
        self.exchange = exchange
        exchange.active.increment()
        proxy.stats.add()
        send(context: context)
    }

    /// Sends the exchange's request on an idle connection to its service, or on a new one.
    private func send(context: ChannelHandlerContext) {
        guard var exchange, let pool else { return }
        if let upstream = pool.take(exchange.target) {
            exchange.upstream = upstream
            exchange.reused = true
            self.exchange = exchange
            upstream.begin(exchange.request, bodyless: exchange.method == .head, sink: self)
            return
        }
        exchange.reused = false
        self.exchange = exchange
        let start = exchange.start
        pool.connect(exchange.target).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let upstream):
                guard var current = self.exchange, current.start == start, self.context != nil else {
                    pool.release(upstream)
                    return
                }
                current.upstream = upstream
                self.exchange = current
                upstream.begin(current.request, bodyless: current.method == .head, sink: self)
            case .failure(let error):
                guard let current = self.exchange, current.start == start else { return }
                self.answerFailed(error as? UpstreamFailure ?? .unavailable, afterHead: false)
            }
        }
    }

    func answerHead(_ head: HTTPHeadScan, status: Int, chunked: Bool, untilClose: Bool) {
        guard var exchange, let context else { return }
        exchange.status = status
        exchange.closesAfter = exchange.closes || closeAfterAnswer || untilClose
        self.exchange = exchange
        var out = context.channel.allocator.buffer(capacity: head.length + 160)
        out.writeImmutableBuffer(head.bytes.getSlice(at: head.bytes.readerIndex + head.startLine.lowerBound,
                                                     length: head.startLine.count)!)
        out.writeStaticString("\r\n")
        var nosniff = false, varyOrigin = false
        for index in head.fields.indices {
            let name = head.lowercasedName(at: index)
            if Self.droppedFromAnswer.contains(name) { continue }
            if name == "x-content-type-options" { nosniff = true }
            if name == "vary", head.string(head.fields[index].value).contains("Origin") { varyOrigin = true }
            head.writeField(at: index, to: &out)
        }
        writeGatewayFields(exchange, nosniff: nosniff, varyOrigin: varyOrigin, to: &out)
        context.write(wrapOutboundOut(.byteBuffer(out)), promise: nil)
    }

    /// What the gateway says on every answer (as `EdgeMiddleware` and the server do on the long path).
    private func writeGatewayFields(_ exchange: Exchange, nosniff: Bool, varyOrigin: Bool, to out: inout ByteBuffer) {
        Self.writeField("Server", proxy.serverName, to: &out)
        Self.writeField("X-Request-Id", exchange.requestID, to: &out)
        if !nosniff { out.writeStaticString("X-Content-Type-Options: nosniff\r\n") }
        if proxy.varyOrigin, !varyOrigin { out.writeStaticString("Vary: Origin\r\n") }
        if exchange.closesAfter { out.writeStaticString("Connection: close\r\n") }
        out.writeStaticString("\r\n")
    }

    func answerBody(_ bytes: ByteBuffer) {
        guard let context, var exchange else { return }
        context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
        if !exchange.paused, !context.channel.isWritable {
            // The client reads slower than the service writes: the service's connection waits.
            exchange.paused = true
            self.exchange = exchange
            exchange.upstream?.pauseReading()
        }
    }

    func answerFlush() {
        context?.flush()
    }

    func answerEnd() {
        guard let context, let exchange else { return }
        context.flush()
        finish(exchange, context: context)
    }

    func answerFailed(_ failure: UpstreamFailure, afterHead: Bool) {
        guard let context, var exchange else { return }
        if afterHead {
            // The client cannot tell a cut body from a whole one except by the connection closing.
            record(exchange)
            exchange.active.decrement()
            self.exchange = nil
            context.close(promise: nil)
            return
        }
        if failure == .closed(beforeHead: true), exchange.reused, !exchange.retried {
            // The service had just closed the idle connection: once more, on a new one.
            exchange.retried = true
            exchange.upstream = nil
            self.exchange = exchange
            let start = exchange.start
            pool?.connect(exchange.target).assumeIsolated().whenComplete { result in
                guard var current = self.exchange, current.start == start, self.context != nil else {
                    if case .success(let upstream) = result { self.pool?.release(upstream) }
                    return
                }
                switch result {
                case .success(let upstream):
                    current.upstream = upstream
                    self.exchange = current
                    upstream.begin(current.request, bodyless: current.method == .head, sink: self)
                case .failure(let error):
                    self.answerFailed(error as? UpstreamFailure ?? .unavailable, afterHead: false)
                }
            }
            return
        }
        var logger = proxy.logger
        logger[metadataKey: "request_id"] = .string(exchange.requestID)
        let problem = UpstreamProxy.classify(failure, service: exchange.route.service, logger: logger)
        let (head, body) = ProblemResponse.encode(problem.problemError, requestID: exchange.requestID)
        exchange.status = head.status.code
        exchange.closesAfter = exchange.closes || closeAfterAnswer
        self.exchange = exchange
        var out = context.channel.allocator.buffer(capacity: 512 + body.readableBytes)
        Self.writeHead(head, bodyLength: body.readableBytes, to: &out)
        writeGatewayFields(exchange, nosniff: false, varyOrigin: false, to: &out)
        if exchange.method != .head { out.writeImmutableBuffer(body) }
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(out)), promise: nil)
        finish(exchange, context: context)
    }

    private func record(_ exchange: Exchange) {
        let key = FastProxyMetrics.Key(route: exchange.route.prefix, method: exchange.method, status: exchange.status)
        let found = meters[key] ?? FastProxyMetrics.meters(key)
        meters[key] = found
        found.counter.increment()
        found.timer.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - exchange.start)
    }

    /// The answer is written: the next request (waiting, or still to be read) may go.
    private func finish(_ exchange: Exchange, context: ChannelHandlerContext) {
        record(exchange)
        exchange.active.decrement()
        self.exchange = nil
        lastActivity = .now()
        if exchange.closesAfter {
            pending = nil
            closeAfterWrites(context: context)
            return
        }
        scheduleDrain(context: context)
    }

    /// Waiting requests are dealt with after the current call returns (not inside the write or read that ended the
    /// answer before them).
    private func scheduleDrain(context: ChannelHandlerContext) {
        guard !drainScheduled else { return }
        if pending == nil || pending!.readableBytes == 0 {
            resumeReading(context: context)
            return
        }
        drainScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = bound.value
            handler.drainScheduled = false
            guard let context = handler.context else { return }
            handler.processPending(context: context)
            if handler.passedRead {
                handler.passedRead = false
                context.fireChannelReadComplete()
            }
            handler.resumeReading(context: context)
        }
    }

    /// Reading resumes once no request waits.
    private func resumeReading(context: ChannelHandlerContext) {
        if readHeld, !waiting {
            readHeld = false
            context.read()
        }
    }

    /// A whole request is read and waits for the one before it.
    private var waiting: Bool {
        guard !handedOver, let pending, pending.readableBytes > 0 else { return false }
        return exchange != nil || longPending > 0
    }

    /// An answer of the server's ended (`LongPathWatch`).
    fileprivate func longAnswerEnded() {
        lastActivity = .now()
        guard !handedOver, longPending > 0 else { return }
        longPending -= 1
        if longPending == 0, bodyToPass == 0, let context { scheduleDrain(context: context) }
    }

    // MARK: outbound

    /// Reading pauses while a request waits, so that a client cannot pile up more than one read's worth.
    func read(context: ChannelHandlerContext) {
        if waiting { readHeld = true } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, var exchange, exchange.paused {
            exchange.paused = false
            self.exchange = exchange
            exchange.upstream?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: connection life

    /// A graceful shutdown waits for the short path's answer. When the server's own handlers never saw a request,
    /// nobody else would close the connection.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            if exchange != nil {
                closeAfterAnswer = true
                return
            }
            if !serverSawRequest {
                context.close(promise: nil)
                return
            }
            closeAfterAnswer = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, in delay: TimeAmount?) {
        guard let delay, idleCheck == nil, !upgraded else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.idleTimerFired()
        }
    }

    /// Closes the connection once nothing was read or answered for the idle timeout and no request is under way.
    private func idleTimerFired() {
        idleCheck = nil
        guard let context, let timeout = proxy.idleTimeout, !upgraded else { return }
        let busy = exchange != nil || longPending > 0 || bodyToPass > 0 || (pending?.readableBytes ?? 0) > 0
            || (handedOver && (watch?.outstanding ?? 0) > 0)
        let due = lastActivity + timeout
        let now = NIODeadline.now()
        if !busy, now >= due {
            context.close(promise: nil)
            return
        }
        scheduleIdleCheck(context, in: busy ? timeout : due - now)
    }
}

/// Tells the short path's handler when an answer of the server's own ends, so that the requests behind it may go;
/// it sits behind the server's HTTP codec, where requests and answers are parts.
final class LongPathWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private weak var front: FastProxyHandler?
    /// Requests the server is answering.
    fileprivate var outstanding = 0

    func handlerAdded(context: ChannelHandlerContext) {
        front = try? context.pipeline.syncOperations.handler(type: FastProxyHandler.self)
        front?.watch = self
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { outstanding += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let ended: Bool
        if case .end = unwrapOutboundIn(data) { ended = true } else { ended = false }
        context.write(data, promise: promise)
        if ended {
            outstanding = max(0, outstanding - 1)
            front?.longAnswerEnded()
        }
    }
}

/// The gateway's connections: the short path's handler first, then the server's own HTTP/1.1 (and WebSocket
/// upgrade) pipeline, with `LongPathWatch` behind its codec. A connection whose requests all took the short path
/// never reaches the server's handling (which would otherwise wait for a first request that never comes, and log
/// its absence as an error when the connection closes).
struct FastPathChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: HTTP1WebSocketUpgradeChannel.Value
        /// True once a request went to the server's parser; false when the connection ended before.
        let serverNeeded: EventLoopFuture<Bool>
        var channel: any Channel { inner.channel }
    }

    let inner: HTTP1WebSocketUpgradeChannel
    let fast: FastProxy

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let handler = fast.makeHandler()
        let serverNeeded = channel.eventLoop.makePromise(of: Bool.self)
        handler.serverNeeded = serverNeeded
        do {
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            serverNeeded.succeed(false)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).map { Value(inner: $0, serverNeeded: serverNeeded.futureResult) }
    }

    func handle(value: Value, logger: Logger) async {
        guard (try? await value.serverNeeded.get()) == true else { return }
        await inner.handle(value: value.inner, logger: logger)
    }
}
