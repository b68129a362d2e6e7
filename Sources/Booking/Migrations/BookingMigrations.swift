import SetragEvents
import SetragKernel

/// The booking database's schema, in order. Names are stable: never rename or edit one that has shipped.
/// SQL that MySQL 8.4 and MariaDB 10.11 both accept; instants are UTC `DATETIME`s; money is whole XAF.
enum BookingMigrations {
    static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    static let all: [Migration] = [
        Migration("booking_0001_fares", [
            // One row (id 1): how class fares are rounded. Loaded from data/fares.json by `setrag seed`.
            """
            CREATE TABLE fare_policy (
                id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
                source VARCHAR(200) NOT NULL,
                currency CHAR(3) NOT NULL,
                rounding_step INT UNSIGNED NOT NULL,
                minimum_fare INT UNSIGNED NOT NULL,
                CONSTRAINT fare_policy_single CHECK (id = 1)
            ) \(table)
            """,
            // code: inventory's class code. per_km: XAF per kilometre point.
            """
            CREATE TABLE fare_classes (
                code VARCHAR(8) NOT NULL PRIMARY KEY,
                name VARCHAR(40) NOT NULL,
                per_km INT UNSIGNED NOT NULL,
                sort_order TINYINT UNSIGNED NOT NULL
            ) \(table)
            """,
            // fare_percent: share of the class fare. on_lap_of: the type whose lap it is (infants: adult).
            """
            CREATE TABLE passenger_types (
                code VARCHAR(12) NOT NULL PRIMARY KEY,
                name VARCHAR(60) NOT NULL,
                min_age TINYINT UNSIGNED NULL,
                max_age TINYINT UNSIGNED NULL,
                fare_percent TINYINT UNSIGNED NOT NULL,
                needs_seat BOOLEAN NOT NULL,
                on_lap_of VARCHAR(12) NULL,
                sort_order TINYINT UNSIGNED NOT NULL
            ) \(table)
            """,
            // A fee that applies when departure is at least from_hours_before hours away (NULL: at any time).
            // cause: customer or operator (SETRAG cancelled the trip); action: refund or exchange.
            """
            CREATE TABLE fare_change_rules (
                cause VARCHAR(12) NOT NULL,
                action VARCHAR(12) NOT NULL,
                seq TINYINT UNSIGNED NOT NULL,
                from_hours_before INT NULL,
                fee_percent TINYINT UNSIGNED NOT NULL,
                PRIMARY KEY (cause, action, seq)
            ) \(table)
            """,
        ]),
        Migration("booking_0002_bookings", [
            // A booking (PNR) with a copy of the journey inventory sold. hold_id: inventory's seat hold.
            // Personal data is sealed per field (FieldCrypto, bound to the PNR and column); the phone has a keyed
            // hash beside it for look-ups. idempotency_use_id: the use of the Idempotency-Key that made it (so that
            // a request run again after a crash finds it instead of booking twice).
            """
            CREATE TABLE bookings (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                pnr CHAR(6) NOT NULL,
                status VARCHAR(20) NOT NULL,
                owner_id VARCHAR(64) NOT NULL,
                sold_by VARCHAR(64) NULL,
                trip_id INT UNSIGNED NOT NULL,
                train_number SMALLINT UNSIGNED NOT NULL,
                service VARCHAR(16) NOT NULL,
                service_date DATE NOT NULL,
                from_station CHAR(3) NOT NULL,
                from_name VARCHAR(80) NOT NULL,
                to_station CHAR(3) NOT NULL,
                to_name VARCHAR(80) NOT NULL,
                departs_at DATETIME NOT NULL,
                arrives_at DATETIME NOT NULL,
                class_code VARCHAR(8) NOT NULL,
                distance_m INT UNSIGNED NOT NULL,
                total_amount INT UNSIGNED NOT NULL,
                currency CHAR(3) NOT NULL,
                hold_id BIGINT UNSIGNED NOT NULL,
                hold_expires_at DATETIME NOT NULL,
                contact_phone_enc VARBINARY(255) NOT NULL,
                contact_phone_hash BINARY(32) NOT NULL,
                refund_amount INT UNSIGNED NULL,
                idempotency_use_id BINARY(16) NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                paid_at DATETIME(6) NULL,
                cancelled_at DATETIME(6) NULL,
                UNIQUE KEY bookings_pnr (pnr),
                UNIQUE KEY bookings_idempotency (idempotency_use_id),
                KEY bookings_owner (owner_id, created_at),
                KEY bookings_due (status, hold_expires_at),
                KEY bookings_phone (contact_phone_hash),
                CONSTRAINT bookings_status CHECK (status IN ('awaiting_payment', 'confirmed', 'cancelled',
                    'refund_pending', 'refund_due', 'expired'))
            ) \(table)
            """,
            // seq: order given at booking (1 first). Infants have no seat; their ID number is optional.
            """
            CREATE TABLE booking_passengers (
                booking_id BIGINT UNSIGNED NOT NULL,
                seq TINYINT UNSIGNED NOT NULL,
                passenger_type VARCHAR(12) NOT NULL,
                name_enc VARBINARY(512) NOT NULL,
                id_number_enc VARBINARY(255) NULL,
                coach_position TINYINT UNSIGNED NULL,
                seat_number TINYINT UNSIGNED NULL,
                fare_amount INT UNSIGNED NOT NULL,
                PRIMARY KEY (booking_id, seq),
                CONSTRAINT booking_passengers_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
                    ON DELETE CASCADE
            ) \(table)
            """,
        ]),
        IdempotencyMigrations.table(service: "booking"),
        Migration("booking_0003_ticket_keys", [
            // The Ed25519 keys that sign tickets (booking's own; never identity's). kid: the 2-byte key id written
            // in each ticket. The private key is sealed (FieldCrypto, bound to its kid); public_key: raw 32 bytes.
            // A key signs from signs_from until the next key's signs_from, and stays published while tickets it
            // signed are valid (see TicketKeyRing).
            """
            CREATE TABLE ticket_keys (
                kid SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
                public_key BINARY(32) NOT NULL,
                private_key_enc VARBINARY(255) NOT NULL,
                signs_from DATETIME(6) NOT NULL,
                created_at DATETIME(6) NOT NULL,
                KEY ticket_keys_order (signs_from, kid),
                CONSTRAINT ticket_keys_kid CHECK (kid > 0)
            ) \(table)
            """,
        ]),
        Migration("booking_0004_tickets", [
            // One ticket per passenger of a confirmed booking. id: 8 random bytes. payload: the signed bytes the QR
            // code carries (TicketPayload; no personal data in clear), kept so the code never changes. Whether it
            // is still good is the booking's status.
            """
            CREATE TABLE tickets (
                id BINARY(8) NOT NULL PRIMARY KEY,
                booking_id BIGINT UNSIGNED NOT NULL,
                passenger_seq TINYINT UNSIGNED NOT NULL,
                trip_id INT UNSIGNED NOT NULL,
                kid SMALLINT UNSIGNED NOT NULL,
                payload VARBINARY(255) NOT NULL,
                valid_until DATETIME NOT NULL,
                issued_at DATETIME(6) NOT NULL,
                UNIQUE KEY tickets_passenger (booking_id, passenger_seq),
                KEY tickets_trip (trip_id),
                KEY tickets_key_validity (kid, valid_until),
                CONSTRAINT tickets_booking_passenger FOREIGN KEY (booking_id, passenger_seq)
                    REFERENCES booking_passengers (booking_id, seq) ON DELETE CASCADE
            ) \(table)
            """,
            // The scan journal: every verification of a ticket, by whom (the token's subject), when (UTC), on which
            // trip the scanner said it was, and the result (`valid` or the reason it was not). ticket_id is NULL
            // when the signature did not verify (the id read could be anything).
            """
            CREATE TABLE ticket_scans (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                ticket_id BINARY(8) NULL,
                kid SMALLINT UNSIGNED NULL,
                trip_id INT UNSIGNED NULL,
                scanned_by VARCHAR(64) NOT NULL,
                scanned_at DATETIME(6) NOT NULL,
                result VARCHAR(20) NOT NULL,
                KEY ticket_scans_ticket (ticket_id, result, scanned_at),
                KEY ticket_scans_at (scanned_at)
            ) \(table)
            """,
            // The manifest reads a trip's confirmed bookings.
            "ALTER TABLE bookings ADD KEY bookings_trip (trip_id, status)",
        ]),
        // Events booking consumes (inventory's TripCancelled): the inbox and the catch-up cursors (SetragEvents).
        EventsMigrations.inbox(service: "booking"),
        Migration("booking_0005_trip_cancellation", [
            // SETRAG cancelled the booking's trip: when (the event's instant, UTC) and why. The booking keeps its
            // status when confirmed (the customer chooses a free exchange or a full refund); an unpaid one is
            // cancelled. hold_release_due_at: the booking's seats are still to be released in inventory (done
            // after the transaction, and retried by the sweeper until inventory answers).
            """
            ALTER TABLE bookings ADD COLUMN cancelled_by_setrag_at DATETIME(6) NULL,
                ADD COLUMN cancelled_by_setrag_reason VARCHAR(200) NULL,
                ADD COLUMN hold_release_due_at DATETIME(6) NULL,
                ADD KEY bookings_release_due (hold_release_due_at)
            """,
            // What the booking's holder was told (kind: a stable code such as trip-cancelled), in French and
            // English. Sending it by SMS or push is the notifications service's job.
            """
            CREATE TABLE booking_notices (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                pnr CHAR(6) NOT NULL,
                kind VARCHAR(40) NOT NULL,
                message_fr VARCHAR(1000) NOT NULL,
                message_en VARCHAR(1000) NOT NULL,
                created_at DATETIME(6) NOT NULL,
                KEY booking_notices_pnr (pnr, created_at),
                CONSTRAINT booking_notices_booking FOREIGN KEY (pnr) REFERENCES bookings (pnr) ON DELETE CASCADE
            ) \(table)
            """,
        ]),
        // Events booking produces (BookingRefundDue): its outbox, served at /internal/events and relayed to MQTT.
        EventsMigrations.outbox(service: "booking"),
        Migration("booking_0006_exchange", [
            // A booking made by exchanging another: exchange_of (the old PNR), what the old one was worth
            // (exchange_credit), the fee, and what was left to pay (amount_due: a payment brings this, not the
            // total). The old booking becomes `exchanged` with exchanged_to, once the new one is paid.
            """
            ALTER TABLE bookings ADD COLUMN exchange_of CHAR(6) NULL,
                ADD COLUMN exchange_credit INT UNSIGNED NULL,
                ADD COLUMN exchange_fee_percent TINYINT UNSIGNED NULL,
                ADD COLUMN exchange_fee INT UNSIGNED NULL,
                ADD COLUMN amount_due INT UNSIGNED NULL,
                ADD COLUMN exchanged_to CHAR(6) NULL,
                ADD KEY bookings_exchange_of (exchange_of)
            """,
            "ALTER TABLE bookings DROP CONSTRAINT bookings_status",
            """
            ALTER TABLE bookings ADD CONSTRAINT bookings_status CHECK (status IN ('awaiting_payment', 'confirmed',
                'cancelled', 'refund_pending', 'refund_due', 'expired', 'exchanged'))
            """,
        ]),
        // The states OSDM names on either side: held (seats held, no payment started; awaiting_payment now means a
        // payment is under way, paying_payment) and refunded (what was owed has been paid back: refunded_amount,
        // from payments' RefundPaid, counted once each through the inbox). Bookings awaiting payment stay so.
        Migration("booking_0007_held_refunded", [
            """
            ALTER TABLE bookings ADD COLUMN paying_payment VARCHAR(40) NULL,
                ADD COLUMN refunded_amount INT UNSIGNED NOT NULL DEFAULT 0
            """,
            "ALTER TABLE bookings DROP CONSTRAINT bookings_status",
            """
            ALTER TABLE bookings ADD CONSTRAINT bookings_status CHECK (status IN ('held', 'awaiting_payment',
                'confirmed', 'cancelled', 'refund_pending', 'refund_due', 'refunded', 'expired', 'exchanged'))
            """,
        ]),
    ]
}
