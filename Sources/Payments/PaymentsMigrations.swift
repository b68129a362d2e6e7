import SetragEvents
import SetragKernel

/// The payments database's schema, in order. Names are stable: never rename or edit one that has shipped.
enum PaymentsMigrations {
    static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    static let all: [Migration] = [
        Migration("payments_0001_payments", [
            // One payment attempt for one booking. status: initiated → pending → succeeded | failed | expired, or
            // unknown (the provider may have acted: reconciled by asking it, never taken for a failure).
            // The payer's number is personal data: sealed per field, with a keyed hash beside it.
            """
            CREATE TABLE payments (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                public_id CHAR(24) NOT NULL,
                pnr CHAR(6) NOT NULL,
                owner VARCHAR(64) NOT NULL,
                method VARCHAR(16) NOT NULL,
                amount INT UNSIGNED NOT NULL,
                status VARCHAR(12) NOT NULL,
                provider_bill_id VARCHAR(32) NULL,
                payment_url VARCHAR(255) NULL,
                payer_msisdn VARBINARY(255) NULL,
                payer_msisdn_hash BINARY(32) NULL,
                till_agent VARCHAR(64) NULL,
                booking_status VARCHAR(20) NULL,
                detail VARCHAR(200) NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                UNIQUE KEY payments_public_id (public_id),
                UNIQUE KEY payments_bill (provider_bill_id),
                KEY payments_pnr (pnr),
                KEY payments_open (status, updated_at),
                CONSTRAINT payments_status
                    CHECK (status IN ('initiated', 'pending', 'succeeded', 'failed', 'expired', 'unknown'))
            ) \(table)
            """,
            // Every verified callback once: a repeated one (same bill or payout, same state) is recognised here.
            """
            CREATE TABLE provider_callbacks (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                provider_id VARCHAR(32) NOT NULL,
                state VARCHAR(16) NOT NULL,
                received_at DATETIME(6) NOT NULL,
                UNIQUE KEY provider_callbacks_once (provider_id, state)
            ) \(table)
            """,
            // Money paid back to the payer's wallet. reference is sent to the provider, which answers a repeated
            // reference with the same payout: a retry never pays twice.
            """
            CREATE TABLE refunds (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                payment_id BIGINT UNSIGNED NOT NULL,
                reference VARCHAR(40) NOT NULL,
                amount INT UNSIGNED NOT NULL,
                reason VARCHAR(40) NOT NULL,
                status VARCHAR(12) NOT NULL,
                provider_id VARCHAR(32) NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                UNIQUE KEY refunds_reference (reference),
                KEY refunds_open (status, updated_at),
                CONSTRAINT refunds_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
                CONSTRAINT refunds_status CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown', 'manual'))
            ) \(table)
            """,
        ]),
        IdempotencyMigrations.table(service: "payments"),
        // The payment that paid each booking. A booking can be paid only once: a second payment that succeeds
        // (two attempts both confirmed by their payers, or a late confirmation of an abandoned attempt) finds the
        // row taken and is paid back in full.
        Migration("payments_0002_settled", [
            """
            CREATE TABLE settled_bookings (
                pnr CHAR(6) NOT NULL PRIMARY KEY,
                payment_id BIGINT UNSIGNED NOT NULL,
                settled_at DATETIME(6) NOT NULL,
                CONSTRAINT settled_bookings_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
            ) \(table)
            """,
        ]),
        // Events payments consumes (booking's BookingRefundDue): the inbox and the catch-up cursors (SetragEvents).
        EventsMigrations.inbox(service: "payments"),
        // An agent's till: the cash they took, by day.
        Migration("payments_0003_till", [
            "CREATE INDEX payments_till ON payments (till_agent, created_at)",
        ]),
        // Whose refund each is (the booking that owes it: booking's BookingRefundDue, or a paid booking whose seats
        // were gone; none for a second payment of a paid booking); who paid a refund owed in cash at a counter, when
        // (the agent's till); and the wallet its customer chose to receive a refund owed in cash (sealed). Existing
        // rows learn their booking from their reason and reference.
        Migration("payments_0004_refund_owner", [
            """
            ALTER TABLE refunds ADD COLUMN owed_pnr CHAR(6) NULL, ADD COLUMN paid_by VARCHAR(64) NULL,
                ADD COLUMN paid_at DATETIME(6) NULL, ADD COLUMN payee_msisdn VARBINARY(255) NULL,
                ADD KEY refunds_owed (owed_pnr), ADD KEY refunds_till (paid_by, paid_at)
            """,
            """
            UPDATE refunds r JOIN payments p ON p.id = r.payment_id
            SET r.owed_pnr = CASE
                WHEN r.reason IN ('cancellation', 'trip-cancelled', 'exchange') THEN SUBSTRING(r.reference, 5, 6)
                WHEN r.reason = 'seats-gone' THEN p.pnr
                ELSE NULL END
            """,
        ]),
        // Events payments produces (RefundPaid): its outbox, served at /internal/events and relayed to MQTT.
        EventsMigrations.outbox(service: "payments"),
    ]
}
