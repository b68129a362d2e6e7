import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Synchronization
import Testing

/// The kernel's `IdempotencyKeys` on a bare router (booking is its first user), against the real MariaDB.
@Suite struct IdempotencyTests {
    /// Opens once: handlers wait on it to stay "running" while a test looks.
    final class Gate: Sendable {
        let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        let entered = Mutex(0)

        func wait() async {
            entered.withLock { $0 += 1 }
            await withCheckedContinuation { continuation in
                let resume = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resume { continuation.resume() }
            }
        }

        func open() {
            let waiters = state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    final class Counter: Sendable {
        let count = Mutex(0)
        func increment() -> Int { count.withLock { $0 += 1; return $0 } }
        var value: Int { count.withLock { $0 } }
    }

    /// `POST /things`: counts its runs, fails when the body says so, waits on the gate when asked to.
    static func withRouter(_ test: @escaping @Sendable (any TestClientProtocol, TestDatabase, TestClock, Gate,
                                                       Counter) async throws -> Void) async throws {
        let db = try await TestEnvironment.freshDatabase("idem")
        do {
            try await db.migrate([IdempotencyMigrations.table(service: "test")])
            let clock = TestClock()
            let gate = Gate()
            let runs = Counter()
            let keys = IdempotencyKeys(database: db.pool, lease: 30, logger: TestEnvironment.logger, now: clock.now)
            let context = TestEnvironment.moduleContext(name: "test", settings: TestEnvironment.settings(),
                                                        database: db.pool)
            let router = ServiceHTTP.router(context)
            router.post("/things") { request, context in
                try await keys.run(request, context: context, caller: request.headers[.from] ?? "anonymous") { call in
                    let number = runs.increment()
                    var request = call.request
                    let text = String(buffer: try await request.collectBody(upTo: 1 << 16))
                    if text.contains("wait") { await gate.wait() }
                    if text.contains("fail") { throw ProblemError(.conflict, status: .conflict, detail: "no") }
                    return try IdempotentAnswer(json: ["run": number], status: .created,
                                                headers: [.location: "/things/\(number)", .eTag: "\"not kept\""])
                }
            }
            try await Application(router: router).test(.router) { client in
                try await test(client, db, clock, gate, runs)
            }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    static func post(_ client: any TestClientProtocol, key: String?, body: String, caller: String = "usr_1")
        async throws -> JSONAnswer
    {
        var headers: HTTPFields = [.contentType: "application/json", .from: caller]
        if let key { headers[IdempotencyKeys.header] = key }
        let response = try await client.execute(uri: "/things", method: .post, headers: headers,
                                                body: ByteBuffer(string: body))
        return JSONAnswer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    @Test func theFirstAnswerIsKeptAndReplayedWithItsStatusAndHeaders() async throws {
        try await Self.withRouter { client, _, _, _, runs in
            let first = try await Self.post(client, key: "k", body: #"{"a": 1, "b": [1, 2]}"#)
            #expect(first.status == .created && first["run"] as? Int == 1)
            let again = try await Self.post(client, key: "k", body: #"{"b": [1, 2], "a": 1}"#)
            #expect(again.status == .created && again["run"] as? Int == 1)
            #expect(again.headers[.location] == "/things/1")
            #expect(again.headers[.contentType] == "application/json; charset=utf-8")
            #expect(again.headers[.eTag] == nil)
            #expect(again.headers[IdempotencyKeys.replayedHeader] == "true")
            #expect(runs.value == 1)
            // The order of an array is part of the request.
            let other = try await Self.post(client, key: "k", body: #"{"a": 1, "b": [2, 1]}"#)
            #expect(other.status == .unprocessableContent && other.problemType == "idempotency-key-reused")
            // Keys belong to their caller.
            #expect(try await Self.post(client, key: "k", body: #"{"a": 1}"#, caller: "usr_2")["run"] as? Int == 2)
            for key in ["", "   ", "clé", String(repeating: "x", count: 256)] {
                let bad = try await Self.post(client, key: key, body: "{}")
                #expect(bad.status == .badRequest && bad.isProblem, "\(key)")
            }
            #expect(try await Self.post(client, key: nil, body: "{}").problemType == "idempotency-key-missing")
            #expect(runs.value == 2)
        }
    }

    @Test func aKeyStillRunningIs409AndAFailureFreesIt() async throws {
        try await Self.withRouter { client, _, _, gate, runs in
            let slow = Task { try await Self.post(client, key: "k", body: #"{"wait": true}"#) }
            while gate.entered.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let meanwhile = try await Self.post(client, key: "k", body: #"{"wait": true}"#)
            #expect(meanwhile.status == .conflict && meanwhile.problemType == "idempotency-key-in-use")
            #expect(meanwhile.headers[.retryAfter] == "1")
            gate.open()
            #expect(try await slow.value.status == .created)
            #expect(try await Self.post(client, key: "k", body: #"{"wait": true}"#)["run"] as? Int == 1)

            let failed = try await Self.post(client, key: "f", body: #"{"fail": true}"#)
            #expect(failed.status == .conflict && failed.problemType == "conflict")
            let retried = try await Self.post(client, key: "f", body: #"{"fail": true}"#)
            #expect(retried.status == .conflict && retried.problemType == "conflict")
            #expect(runs.value == 3)
        }
    }

    @Test func aRunWhoseProcessDiedIsTakenOverAfterItsLeaseAndKeysExpireAfterADay() async throws {
        try await Self.withRouter { client, db, clock, _, runs in
            // A first attempt at `POST /things {}` with key "crashed" that never finished (its process died).
            _ = try await db.pool.exec(SQLQueryString("""
                INSERT INTO idempotency_keys (key_hash, caller, use_id, request_hash, state, locked_until, created_at,
                    expires_at)
                VALUES (UNHEX(SHA2(CONCAT('usr_1', CHAR(0), 'crashed'), 256)), 'usr_1', UNHEX(REPEAT('ab', 16)),
                    UNHEX(SHA2(CONCAT('POST /things', CHAR(0), '{}'), 256)), 'running',
                    \(bind: clock.now().addingTimeInterval(30)), \(bind: clock.now()),
                    \(bind: clock.now().addingTimeInterval(86_400)))
                """))
            // Until its lease ends it counts as running; then the next attempt runs the handler.
            #expect(try await Self.post(client, key: "crashed", body: "{}").problemType == "idempotency-key-in-use")
            #expect(try await Self.post(client, key: "crashed", body: #"{"n": 1}"#).problemType
                == "idempotency-key-reused")
            clock.advance(seconds: 31)
            let takenOver = try await Self.post(client, key: "crashed", body: "{}")
            #expect(takenOver.status == .created && takenOver["run"] as? Int == 1)
            #expect(try await Self.post(client, key: "crashed", body: "{}")["run"] as? Int == 1)

            // After 24 hours a key is new again, whatever the body.
            clock.advance(seconds: 86_400)
            let reborn = try await Self.post(client, key: "crashed", body: #"{"n": 2}"#)
            #expect(reborn.status == .created && reborn["run"] as? Int == 2)
            #expect(runs.value == 2)
        }
    }
}
