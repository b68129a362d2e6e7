import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SetragEvents
import SetragKernel
import SetragMySQL

/// The notifications service: what the platform tells people outside the web app. Today: a text message to a
/// booking's contact phone for every notice booking issues to its holder (SETRAG cancelled the trip, money was paid
/// back), through an SMS gateway's HTTP API, with a delivery log.
///
/// Settings: `crypto.*` (recipients are sealed in the log); `notifications.sms.url` (the gateway, default
/// `http://127.0.0.1:8191`), `notifications.sms.api_key` (required), `notifications.sms.sender` (default `SETRAG`),
/// `notifications.language` (the language messages are written in, `fr` or `en`; default `fr`),
/// `notifications.send_seconds` (how often queued messages are sent, default 2).
///
/// Events: notifications consumes booking's `BookingNoticeIssued` (MQTT shared subscription, and catch-up from
/// booking's `/internal/events` feed at `booking.url`) through its inbox, and queues one message per notice.
public enum NotificationsModule {
    public static let definition = ModuleDefinition(
        name: "notifications", needs: [.database, .broker], migrations: NotificationsMigrations.all
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        var crypto: FieldCrypto?
        public var smsURL: String
        public var apiKey: String
        public var sender: String
        public var language: String
        public var sendSeconds: Int

        public init(_ settings: Settings) {
            crypto = FieldCrypto.from(settings)
            smsURL = settings.string("notifications.sms.url", default: "http://127.0.0.1:8191")
            apiKey = settings.string("notifications.sms.api_key", secret: true)
            sender = settings.string("notifications.sms.sender", default: "SETRAG")
            language = settings.string("notifications.language", default: "fr") == "en" ? "en" : "fr"
            sendSeconds = settings.int("notifications.send_seconds", default: 2, range: 1...3600)
        }
    }

    public struct Parts: Sendable {
        public let store: DeliveryStore
        public let notices: BookingNotices
        public let sender: MessageSender
    }

    public static func parts(database: any MySQLDatabase, options: Options, http: HTTPClient, logger: Logger,
                             now: @escaping @Sendable () -> Date = { Date() }) -> Parts {
        let store = DeliveryStore(db: database, crypto: options.crypto!)
        let gateway = SMSGateway(baseURL: options.smsURL, apiKey: options.apiKey, sender: options.sender, http: http)
        return Parts(store: store,
                     notices: BookingNotices(database: database, logger: logger, store: store, crypto: options.crypto!,
                                             language: options.language, now: now),
                     sender: MessageSender(store: store, gateway: gateway, logger: logger))
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let parts = parts(database: context.requireDatabase(), options: options, http: context.httpClient,
                          logger: context.logger)
        guard let broker = context.broker else { throw NotificationsStartError.noBroker }
        let feed = HTTPEventFeed(baseURL: context.endpoints.url("booking"), client: context.httpClient)
        let router = ServiceHTTP.router(context)
        return [
            parts.notices.consumer(broker: broker, feed: feed),
            sendingLoop(sender: parts.sender, interval: .seconds(options.sendSeconds), logger: context.logger),
            ServiceHTTP.application(name: "notifications", router: router,
                                    address: context.endpoints.listen["notifications"]!, kernel: context.kernel,
                                    logger: context.logger),
        ]
    }
}

enum NotificationsStartError: Error { case noBroker }

/// Sends queued messages through the gateway: sent, tried again later (backing off, up to `maxAttempts`), or
/// failed for good when the gateway refuses it.
public struct MessageSender: Sendable {
    let store: DeliveryStore
    let gateway: SMSGateway
    let logger: Logger
    public var maxAttempts = 8

    /// Seconds before attempt `n + 1` after `n` failed: 5, 10, 20, … up to an hour.
    static func backoff(after attempts: Int) -> TimeInterval { min(3600, 5 * pow(2, Double(max(0, attempts - 1)))) }

    /// One pass; returns how many messages were handed to the gateway.
    @discardableResult
    public func sendDue(now: Date, limit: Int = 50) async throws -> Int {
        var sent = 0
        for (delivery, recipient) in try await store.due(now: now, limit: limit) {
            let accepted: SMSGateway.Accepted
            do throws(SMSSendError) {
                accepted = try await gateway.send(to: recipient, text: delivery.text, reference: delivery.reference)
            } catch {
                switch error {
                case .refused(let status, let detail):
                    logger.warning("a message was refused", metadata: ["reference": "\(delivery.reference)",
                                                                      "status": "\(status)", "detail": "\(detail)"])
                    try await store.notSent(delivery.id, detail: "refused (\(status)): \(detail)", next: nil, now: now)
                case .retry(let why):
                    let attempts = delivery.attempts + 1
                    let next = attempts >= maxAttempts ? nil : now.addingTimeInterval(Self.backoff(after: attempts))
                    logger.info("a message will be sent again", metadata: ["reference": "\(delivery.reference)",
                                                                          "attempts": "\(attempts)", "why": "\(why)"])
                    try await store.notSent(delivery.id, detail: why, next: next, now: now)
                }
                continue
            }
            try await store.sent(delivery.id, providerID: accepted.id, now: now)
            sent += 1
        }
        return sent
    }
}

/// Every `interval`: sends what is due.
func sendingLoop(sender: MessageSender, interval: Duration, logger: Logger) -> PeriodicJob {
    PeriodicJob("sending messages", every: interval, logger: logger) {
        let sent = try await sender.sendDue(now: Date())
        if sent > 0 { logger.info("messages sent", metadata: ["count": "\(sent)"]) }
    }
}

public enum NotificationsMigrations {
    static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    public static let all: [Migration] = [
        // The delivery log: one row per message (reference: once however often its event arrives), its text, its
        // recipient sealed, and where it is: queued (next_attempt_at), sent (the gateway's id), failed,
        // undeliverable (no mobile number).
        Migration("notifications_0001_deliveries", [
            """
            CREATE TABLE deliveries (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                reference VARCHAR(64) NOT NULL,
                pnr CHAR(6) NOT NULL,
                kind VARCHAR(40) NOT NULL,
                channel VARCHAR(8) NOT NULL,
                language CHAR(2) NOT NULL,
                body TEXT NOT NULL,
                recipient_enc VARBINARY(255) NULL,
                status VARCHAR(14) NOT NULL,
                attempts INT UNSIGNED NOT NULL,
                next_attempt_at DATETIME(6) NULL,
                provider_id VARCHAR(64) NULL,
                detail VARCHAR(200) NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                UNIQUE KEY deliveries_reference (reference),
                KEY deliveries_due (status, next_attempt_at),
                KEY deliveries_pnr (pnr),
                CONSTRAINT deliveries_status CHECK (status IN ('queued', 'sent', 'failed', 'undeliverable'))
            ) \(table)
            """,
        ]),
        // Events notifications consumes (booking's BookingNoticeIssued): the inbox and the catch-up cursors.
        EventsMigrations.inbox(service: "notifications"),
    ]
}
