import NIOCore
import NIOPosix
import Synchronization

/// Who receives a short-path exchange's answer: the client connection's handler, on the same event loop as the
/// service's connection, so that the answer's bytes go from one socket to the other without changing threads.
protocol RawAnswerSink: AnyObject {
    /// The answer's head (its status line and fields, as the service wrote them) and its status code.
    func answerHead(_ head: HTTPHeadScan, status: Int, chunked: Bool, untilClose: Bool)
    /// Body bytes, unchanged (a chunked body keeps its chunks).
    func answerBody(_ bytes: ByteBuffer)
    /// The end of a read from the service: time to flush.
    func answerFlush()
    func answerEnd()
    /// The exchange failed; `afterHead` when the head was already given.
    func answerFailed(_ failure: UpstreamFailure, afterHead: Bool)
}

/// Keep-alive connections to the platform's services for the gateway's short path, one set per event loop: an
/// exchange runs on the client connection's loop, and so does everything here (no lock on the way).
final class RawUpstreamPool: Sendable {
    let responseTimeout: TimeAmount
    let readTimeout: TimeAmount
    let connectTimeout: TimeAmount
    let maxIdlePerTarget: Int
    let idleLifetime: TimeAmount
    private let loops = Mutex<[ObjectIdentifier: RawLoopPool]>([:])
    private let closed = Atomic<Bool>(false)

    init(responseTimeout: TimeAmount, readTimeout: TimeAmount = .seconds(120), connectTimeout: TimeAmount = .seconds(3),
         maxIdlePerTarget: Int = 256, idleLifetime: TimeAmount = .seconds(30)) {
        self.responseTimeout = responseTimeout
        self.readTimeout = readTimeout
        self.connectTimeout = connectTimeout
        self.maxIdlePerTarget = maxIdlePerTarget
        self.idleLifetime = idleLifetime
    }

    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// The pool of `eventLoop` (looked up once per client connection).
    func local(_ eventLoop: any EventLoop) -> RawLoopPool {
        loops.withLock { loops in
            if let pool = loops[ObjectIdentifier(eventLoop)] { return pool }
            let pool = RawLoopPool(parent: self, eventLoop: eventLoop)
            loops[ObjectIdentifier(eventLoop)] = pool
            return pool
        }
    }

    /// Closes the idle connections; exchanges under way finish and their connections then close.
    func shutdown() {
        closed.store(true, ordering: .relaxed)
        for pool in loops.withLock({ Array($0.values) }) {
            pool.eventLoop.execute { pool.closeIdle() }
        }
    }

    /// Idle connections now held (tests); asks each loop.
    func idleCount() async -> Int {
        var total = 0
        for pool in loops.withLock({ Array($0.values) }) {
            total += (try? await pool.eventLoop.submit { pool.idleTotal }.get()) ?? 0
        }
        return total
    }
}

/// One event loop's connections. Used only on that loop.
final class RawLoopPool: @unchecked Sendable {
    private struct Idle {
        let handler: RawUpstreamHandler
        let since: NIODeadline
    }

    unowned let parent: RawUpstreamPool
    let eventLoop: any EventLoop
    private var idle: [UpstreamTarget: [Idle]] = [:]

    init(parent: RawUpstreamPool, eventLoop: any EventLoop) {
        self.parent = parent
        self.eventLoop = eventLoop
    }

    var idleTotal: Int { idle.values.reduce(0) { $0 + $1.count } }

    /// An idle connection to `target`, or nil; stale ones on the way are closed.
    func take(_ target: UpstreamTarget) -> RawUpstreamHandler? {
        eventLoop.preconditionInEventLoop()
        let now = NIODeadline.now()
        while let entry = idle[target]?.popLast() {
            if entry.handler.isUsable, now - entry.since < parent.idleLifetime { return entry.handler }
            entry.handler.close()
        }
        return nil
    }

    func connect(_ target: UpstreamTarget) -> EventLoopFuture<RawUpstreamHandler> {
        guard !parent.isClosed, let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
            return eventLoop.makeFailedFuture(UpstreamFailure.unavailable)
        }
        let readTimeout = parent.readTimeout, responseTimeout = parent.responseTimeout
        return bootstrap
            .connectTimeout(parent.connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RawUpstreamHandler(pool: self, target: target, responseTimeout: responseTimeout)
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: target.host, port: target.port)
            .flatMapThrowing { channel in try channel.pipeline.syncOperations.handler(type: RawUpstreamHandler.self) }
            .flatMapErrorThrowing { _ in throw UpstreamFailure.unavailable }
    }

    /// A connection whose exchange ended cleanly comes back.
    func release(_ handler: RawUpstreamHandler) {
        guard !parent.isClosed, idle[handler.target, default: []].count < parent.maxIdlePerTarget else {
            handler.close()
            return
        }
        idle[handler.target, default: []].append(Idle(handler: handler, since: .now()))
    }

    func closeIdle() {
        let all = idle.values.flatMap { $0 }
        idle = [:]
        for entry in all { entry.handler.close() }
    }
}

/// One connection to a service for the short path: the request goes out as bytes, and the answer's head is read
/// (`HTTPHeadScan`) to learn how its body is framed; the body goes on to the sink unchanged as it arrives.
final class RawUpstreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        /// The request went out; the head is not whole yet.
        case waiting(ByteBuffer?)
        case length(remaining: Int)
        case chunked(ChunkedFraming)
        /// No length and not chunked: the body ends when the service closes.
        case untilClose
        case closed
    }

    /// The most an answer's head may take.
    static let headLimit = 64 * 1024

    let target: UpstreamTarget
    private let pool: RawLoopPool
    private let responseTimeout: TimeAmount
    private var state = State.idle
    private var sink: (any RawAnswerSink)?
    private var bodyless = false
    private var reusable = true
    private var timedOut = false
    private var timeout: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(pool: RawLoopPool, target: UpstreamTarget, responseTimeout: TimeAmount) {
        self.pool = pool
        self.target = target
        self.responseTimeout = responseTimeout
    }

    var isUsable: Bool {
        guard let context, context.channel.isActive, case .idle = state else { return false }
        return true
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends `request` (a whole head; the short path's requests have no body) and reads the answer for `sink`.
    func begin(_ request: ByteBuffer, bodyless: Bool, sink: any RawAnswerSink) {
        guard let context, case .idle = state else {
            sink.answerFailed(.closed(beforeHead: true), afterHead: false)
            return
        }
        self.sink = sink
        self.bodyless = bodyless
        reusable = true
        timedOut = false
        state = .waiting(nil)
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: responseTimeout) { [weak self] in
            self?.timedOut = true
            self?.context?.close(promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    /// The client went away: this answer can never be read to its end on this connection.
    func abandon() {
        sink = nil
        if case .idle = state { return }
        close()
    }

    func close() {
        context?.close(promise: nil)
    }

    func pauseReading() {
        context?.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    }

    func resumeReading() {
        guard let context else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch state {
        case .waiting(var collected):
            if collected == nil { collected = buffer } else { collected!.writeBuffer(&buffer) }
            switch HTTPHeadScan.scan(collected!, limit: Self.headLimit) {
            case .incomplete:
                state = .waiting(collected)
            case .malformed, .tooLarge:
                fail(.closed(beforeHead: false), context: context)
            case .head(let head):
                timeout?.cancel()
                timeout = nil
                startBody(head, rest: collected!.getSlice(at: collected!.readerIndex + head.length,
                                                          length: collected!.readableBytes - head.length)!,
                          context: context)
            }
        case .length, .chunked, .untilClose:
            feed(buffer, context: context)
        case .idle, .closed:
            // Bytes nobody asked for: the connection cannot be trusted any more.
            reusable = false
            context.close(promise: nil)
        }
    }

    private func startBody(_ head: HTTPHeadScan, rest: ByteBuffer, context: ChannelHandlerContext) {
        guard let status = Self.status(head), status >= 200 else {
            fail(.closed(beforeHead: false), context: context)
            return
        }
        if head.tokens(.connection).contains("close") { reusable = false }
        let encodings = head.tokens(.transferEncoding)
        let lengths = head.values(.contentLength)
        let noBody = bodyless || status == 204 || status == 304
        if noBody {
            state = .length(remaining: 0)
        } else if !encodings.isEmpty {
            guard encodings == ["chunked"] else {
                fail(.closed(beforeHead: false), context: context)
                return
            }
            state = .chunked(ChunkedFraming())
        } else if let only = lengths.first {
            guard lengths.allSatisfy({ $0 == only }), only.utf8.count <= 15,
                  only.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(only)
            else {
                fail(.closed(beforeHead: false), context: context)
                return
            }
            state = .length(remaining: length)
        } else {
            state = .untilClose
            reusable = false
        }
        let chunked: Bool
        if case .chunked = state { chunked = true } else { chunked = false }
        let untilClose: Bool
        if case .untilClose = state { untilClose = true } else { untilClose = false }
        sink?.answerHead(head, status: status, chunked: chunked, untilClose: untilClose)
        feed(rest, context: context)
    }

    /// Body bytes: passed on as they are, up to the body's end.
    private func feed(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        switch state {
        case .length(let remaining):
            if buffer.readableBytes < remaining {
                state = .length(remaining: remaining - buffer.readableBytes)
                if buffer.readableBytes > 0 { sink?.answerBody(buffer) }
                return
            }
            if remaining > 0 { sink?.answerBody(buffer.getSlice(at: buffer.readerIndex, length: remaining)!) }
            complete(extra: buffer.readableBytes > remaining, context: context)
        case .chunked(var framing):
            guard buffer.readableBytes > 0 else { return }
            switch framing.consume(buffer) {
            case .more:
                state = .chunked(framing)
                sink?.answerBody(buffer)
            case .ended(let used):
                sink?.answerBody(buffer.getSlice(at: buffer.readerIndex, length: used)!)
                complete(extra: buffer.readableBytes > used, context: context)
            case .malformed:
                fail(.closed(beforeHead: false), context: context)
            }
        case .untilClose:
            if buffer.readableBytes > 0 { sink?.answerBody(buffer) }
        default:
            break
        }
    }

    private func complete(extra: Bool, context: ChannelHandlerContext) {
        state = .idle
        let sink = self.sink
        self.sink = nil
        if extra { reusable = false }
        sink?.answerEnd()
        if reusable { pool.release(self) } else { context.close(promise: nil) }
    }

    private func fail(_ failure: UpstreamFailure, context: ChannelHandlerContext) {
        let afterHead: Bool
        switch state {
        case .waiting, .idle, .closed: afterHead = false
        default: afterHead = true
        }
        state = .closed
        timeout?.cancel()
        let sink = self.sink
        self.sink = nil
        sink?.answerFailed(failure, afterHead: afterHead)
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        sink?.answerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        let previous = state
        state = .closed
        let sink = self.sink
        self.sink = nil
        switch previous {
        case .waiting:
            sink?.answerFailed(timedOut ? .timedOut : .closed(beforeHead: true), afterHead: false)
        case .length, .chunked:
            sink?.answerFailed(.closed(beforeHead: false), afterHead: true)
        case .untilClose:
            sink?.answerEnd()
        case .idle, .closed:
            break
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// No byte from the service for the read timeout: an answer under way fails, an idle connection just closes.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, case .read = event {
            if case .waiting = state { timedOut = true }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private static let statusPrefix = Array("HTTP/1.1 ".utf8)

    /// `HTTP/1.1 200 OK` → 200.
    static func status(_ head: HTTPHeadScan) -> Int? {
        let line = head.startLine
        guard line.count >= 12 else { return nil }
        return head.bytes.withUnsafeReadableBytes { raw -> Int? in
            for (offset, byte) in Self.statusPrefix.enumerated() where raw[line.lowerBound + offset] != byte { return nil }
            var code = 0
            for offset in 9..<12 {
                let byte = raw[line.lowerBound + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                code = code * 10 + Int(byte - 48)
            }
            if line.count > 12, raw[line.lowerBound + 12] != 32 { return nil }
            return code
        }
    }
}
