/// Booking's contract (OpenAPI 3.1), served at `/openapi.json` and, through the gateway, `/api/docs/booking`.
enum BookingOpenAPI {
    static let document = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "SETRAG booking",
        "version": "1.0.0",
        "description": "Offers (trip search with prices), bookings (PNR) and their tickets. Money is in XAF, whole francs. Times are local to Africa/Libreville (UTC+1), written in ISO 8601 with their offset. Errors are RFC 9457 problem+json documents with a stable type (https://setrag.ga/problems/<code>); invalid input is a 422 whose errors name each field with a code. Creating and cancelling take an Idempotency-Key header: the same key and request get the first answer again (with Idempotent-Replayed: true), the same key with another request is a 422 (idempotency-key-reused), and a 409 (idempotency-key-in-use) while the first is still being handled; keys are kept 24 hours. Tickets: one per passenger of a confirmed booking (infants on a lap included), each a QR code whose text is base45 (RFC 9285) of a 103-byte payload signed with Ed25519: version (1), key id (2), ticket id (8), trip id (4), service date as days since 2020-01-01 (2), from and to station codes (3 + 3 ASCII), coach and seat (1 + 1, 0 for a lap infant), class (1: vip 1, first 2, second 3), passenger type (1: adult 1, child 2, infant 3), holder hash (8: SHA-256 of ticket id, normalised name, 0x00, ID number), valid until in minutes since 1970 (4), then the signature (64) of everything before it; integers big-endian. Devices verify offline with the keys of /api/v1/tickets/keys."
      },
      "servers": [{"url": "/"}],
      "components": {
        "securitySchemes": {
          "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (typ at+jwt, EdDSA)"}
        },
        "parameters": {
          "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 255}, "description": "A key unique to this operation (a UUID): repeat it to repeat the request safely"},
          "PNR": {"name": "pnr", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[2-9A-HJKMNP-Z]{6}$"}}
        },
        "schemas": {
          "Problem": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
              "type": {"type": "string", "format": "uri"},
              "title": {"type": "string"},
              "status": {"type": "integer"},
              "detail": {"type": "string"},
              "requestId": {"type": "string"},
              "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "code"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}
              }}
            }
          },
          "LocalDateTime": {"type": "string", "format": "date-time", "examples": ["2026-12-01T12:30:00+01:00"]},
          "Class": {"type": "string", "enum": ["vip", "first", "second"]},
          "PassengerType": {"type": "string", "enum": ["adult", "child", "infant"], "description": "adult 12+, child 4-11 (half fare), infant under 4 (free, on an adult's lap, no seat)"},
          "StationRef": {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
          "Seat": {
            "type": "object", "additionalProperties": false, "required": ["coach", "seat"],
            "properties": {"coach": {"type": "integer", "minimum": 1}, "seat": {"type": "integer", "minimum": 1}}
          },
          "Price": {
            "type": "object", "required": ["total", "currency", "perPassenger"],
            "properties": {
              "total": {"type": "integer", "description": "The whole party, XAF"},
              "currency": {"const": "XAF"},
              "perPassenger": {"type": "array", "items": {
                "type": "object", "required": ["type", "count", "unitPrice", "amount"],
                "properties": {
                  "type": {"$ref": "#/components/schemas/PassengerType"},
                  "count": {"type": "integer"},
                  "unitPrice": {"type": "integer"},
                  "amount": {"type": "integer"}
                }
              }}
            }
          },
          "Offers": {
            "type": "object",
            "required": ["from", "to", "date", "distanceKm", "passengers", "trips", "nextDates"],
            "properties": {
              "from": {"$ref": "#/components/schemas/StationRef"},
              "to": {"$ref": "#/components/schemas/StationRef"},
              "date": {"type": "string", "format": "date"},
              "distanceKm": {"type": "number", "description": "Between the kilometre points (PK) of the two stations"},
              "passengers": {"type": "array", "items": {"type": "object", "required": ["type", "count"], "properties": {
                "type": {"$ref": "#/components/schemas/PassengerType"}, "count": {"type": "integer"}}}},
              "trips": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "trainNumber", "service", "serviceDate", "departure", "arrival", "durationMinutes", "classes"],
                "properties": {
                  "id": {"type": "integer"},
                  "trainNumber": {"type": "integer"},
                  "service": {"type": "string", "enum": ["express", "omnibus"]},
                  "serviceDate": {"type": "string", "format": "date"},
                  "departure": {"$ref": "#/components/schemas/LocalDateTime"},
                  "arrival": {"$ref": "#/components/schemas/LocalDateTime"},
                  "durationMinutes": {"type": "integer"},
                  "classes": {"type": "array", "items": {
                    "type": "object", "required": ["class", "seatsFree", "available"],
                    "properties": {
                      "class": {"$ref": "#/components/schemas/Class"},
                      "seatsFree": {"type": "integer"},
                      "available": {"type": "boolean", "description": "Enough seats for every passenger who takes one"},
                      "price": {"$ref": "#/components/schemas/Price"}
                    }
                  }}
                }
              }},
              "nextDates": {"type": "array", "items": {"type": "string", "format": "date"}}
            }
          },
          "NewBooking": {
            "type": "object", "additionalProperties": false,
            "required": ["tripId", "from", "to", "class", "passengers", "contactPhone"],
            "properties": {
              "tripId": {"type": "integer", "minimum": 1},
              "from": {"type": "string", "maxLength": 80, "description": "Station code or name"},
              "to": {"type": "string", "maxLength": 80},
              "class": {"$ref": "#/components/schemas/Class"},
              "passengers": {"type": "array", "minItems": 1, "maxItems": 18, "description": "1 to 9 passengers with a seat, plus at most one infant per adult. Seats: chosen for every passenger with a seat, or for none (inventory then seats the party together)", "items": {
                "type": "object", "additionalProperties": false, "required": ["type", "name"],
                "properties": {
                  "type": {"$ref": "#/components/schemas/PassengerType"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 80},
                  "idNumber": {"type": "string", "pattern": "^[A-Za-z0-9-]{4,30}$", "description": "ID document number (required except for infants); stored upper-case"},
                  "seat": {"$ref": "#/components/schemas/Seat"}
                }
              }},
              "contactPhone": {"type": "string", "description": "A Gabonese mobile number: 0 + 8 digits (06[256]/07[47]) or +241 + 8 digits"},
              "ownerId": {"type": "string", "description": "Counter agents only: the customer's user id the booking belongs to"}
            }
          },
          "ExchangeTerms": {
            "type": "object",
            "description": "How a booking made by an exchange was priced: total - credit + fee is amountDue when positive, refund (paid back) when negative",
            "required": ["of", "credit", "feePercent", "fee", "amountDue", "refund"],
            "properties": {
              "of": {"type": "string", "description": "The PNR exchanged"},
              "credit": {"type": "integer", "description": "What the old booking was worth (its total)"},
              "feePercent": {"type": "integer"},
              "fee": {"type": "integer", "description": "0 up to 24 h before the old departure or when SETRAG cancelled the old trip, then 10 % of the credit"},
              "amountDue": {"type": "integer"},
              "refund": {"type": "integer"}
            }
          },
          "ExchangeRequest": {
            "type": "object",
            "required": ["tripId"],
            "additionalProperties": false,
            "properties": {
              "tripId": {"type": "integer", "description": "Another trip serving the same stations (from the trip search), or the same trip in another class"},
              "class": {"type": "string", "description": "Default: the booking's class"},
              "seats": {"type": "array", "items": {"$ref": "#/components/schemas/Seat"}, "description": "One seat for each passenger who takes one, in the booking's order; default: inventory seats the party together"}
            }
          },
          "ExchangeQuote": {
            "type": "object",
            "properties": {
              "pnr": {"type": "string"}, "trip": {"type": "object"}, "from": {"type": "object"}, "to": {"type": "object"},
              "class": {"type": "string"}, "total": {"type": "integer", "description": "The new fare of the party"},
              "currency": {"type": "string"}, "credit": {"type": "integer"}, "feePercent": {"type": "integer"},
              "fee": {"type": "integer"}, "difference": {"type": "integer", "description": "total - credit + fee"},
              "amountDue": {"type": "integer"}, "refund": {"type": "integer"}
            }
          },
          "BookingStatus": {"type": "string", "enum": ["held", "awaiting_payment", "confirmed", "cancelled", "refund_pending", "refund_due", "refunded", "expired", "exchanged"], "description": "held (seats held until holdExpiresAt, no payment started) and awaiting_payment (a payment under way; back to held if it fails) until paid or the hold expires (expired); confirmed when paid; cancelled (unpaid); refund_pending (cancelled after payment, refundAmount owed); refund_due (paid but the seats were gone, or cancelled: all of it owed); refunded (refundAmount paid back in full, refundedAmount); exchanged (replaced by the booking exchangedTo; its tickets are refused with reason exchanged, refundAmount is what the exchange paid back)"},
          "Trip": {
            "type": "object", "required": ["id", "trainNumber", "service", "serviceDate"],
            "properties": {"id": {"type": "integer"}, "trainNumber": {"type": "integer"}, "service": {"type": "string"}, "serviceDate": {"type": "string", "format": "date"}}
          },
          "Booking": {
            "type": "object",
            "required": ["pnr", "status", "trip", "from", "to", "class", "distanceKm", "passengers", "contactPhone", "total", "currency", "createdAt"],
            "properties": {
              "pnr": {"type": "string", "pattern": "^[2-9A-HJKMNP-Z]{6}$"},
              "status": {"$ref": "#/components/schemas/BookingStatus"},
              "trip": {"$ref": "#/components/schemas/Trip"},
              "from": {"type": "object", "required": ["code", "name", "departure"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "departure": {"$ref": "#/components/schemas/LocalDateTime"}}},
              "to": {"type": "object", "required": ["code", "name", "arrival"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "arrival": {"$ref": "#/components/schemas/LocalDateTime"}}},
              "class": {"$ref": "#/components/schemas/Class"},
              "distanceKm": {"type": "number"},
              "passengers": {"type": "array", "items": {
                "type": "object", "required": ["type", "name", "fare"],
                "properties": {
                  "type": {"$ref": "#/components/schemas/PassengerType"},
                  "name": {"type": "string"},
                  "idNumber": {"type": "string"},
                  "seat": {"$ref": "#/components/schemas/Seat"},
                  "fare": {"type": "integer", "description": "XAF"}
                }
              }},
              "contactPhone": {"type": "string", "description": "E.164"},
              "total": {"type": "integer", "description": "XAF"},
              "currency": {"const": "XAF"},
              "holdExpiresAt": {"$ref": "#/components/schemas/LocalDateTime", "description": "Pay before this (held, awaiting_payment), or when the seats were let go (expired)"},
              "refundAmount": {"type": "integer", "description": "XAF owed back (refund_pending, refund_due); 0 when cancelled unpaid. Payments pays it back to the payer's wallet (mobile money) or records it to be paid in cash at a counter (cash, card)"},
              "refundedAmount": {"type": "integer", "description": "Of refundAmount, what has been paid back so far (present with refundAmount)"},
              "amountDue": {"type": "integer", "description": "held, awaiting_payment, expired: what a payment must bring (the total, or an exchange's difference)"},
              "exchange": {"$ref": "#/components/schemas/ExchangeTerms"},
              "exchangedTo": {"type": "string", "description": "exchanged: the PNR of the booking that replaced this one"},
              "createdAt": {"$ref": "#/components/schemas/LocalDateTime"},
              "paidAt": {"$ref": "#/components/schemas/LocalDateTime"},
              "cancelledAt": {"$ref": "#/components/schemas/LocalDateTime"},
              "operatorCancellation": {
                "type": "object", "required": ["reason", "at", "options"],
                "description": "SETRAG cancelled the trip: the holder may choose a free exchange or a full refund (options empty once the booking is settled)",
                "properties": {"reason": {"type": "string"}, "at": {"$ref": "#/components/schemas/LocalDateTime"}, "options": {"type": "array", "items": {"enum": ["refund", "exchange"]}}}
              },
              "notices": {"type": "array", "description": "What the holder was told, newest first", "items": {
                "type": "object", "required": ["kind", "message", "at"],
                "properties": {
                  "kind": {"type": "string", "description": "Stable code, e.g. trip-cancelled"},
                  "message": {"type": "object", "required": ["fr", "en"], "properties": {"fr": {"type": "string"}, "en": {"type": "string"}}},
                  "at": {"$ref": "#/components/schemas/LocalDateTime"}
                }
              }}
            }
          },
          "Station": {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
          "TicketList": {
            "type": "object", "required": ["pnr", "status", "tickets"],
            "properties": {
              "pnr": {"type": "string"},
              "status": {"const": "confirmed"},
              "tickets": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "passengerName", "passengerType", "lapInfant", "class", "trip", "from", "to", "validUntil", "qr"],
                "properties": {
                  "id": {"type": "string", "description": "13 characters of Crockford base32 (8 random bytes)"},
                  "passengerName": {"type": "string"},
                  "passengerType": {"$ref": "#/components/schemas/PassengerType"},
                  "lapInfant": {"type": "boolean", "description": "An infant on a lap: no seat (coach and seat 0 in the QR code)"},
                  "seat": {"$ref": "#/components/schemas/Seat"},
                  "class": {"$ref": "#/components/schemas/Class"},
                  "trip": {"$ref": "#/components/schemas/Trip"},
                  "from": {"type": "object", "required": ["code", "name", "departure"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "departure": {"$ref": "#/components/schemas/LocalDateTime"}}},
                  "to": {"type": "object", "required": ["code", "name", "arrival"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "arrival": {"$ref": "#/components/schemas/LocalDateTime"}}},
                  "validUntil": {"$ref": "#/components/schemas/LocalDateTime", "description": "12 hours after the scheduled arrival"},
                  "qr": {"type": "string", "pattern": "^[0-9A-Z $%*+./:-]+$", "description": "The QR code's text (base45: encode it in alphanumeric mode)"}
                }
              }}
            }
          },
          "TicketKeys": {
            "type": "object", "required": ["keys"],
            "properties": {"keys": {"type": "array", "items": {
              "type": "object", "required": ["kid", "alg", "publicKey", "validFrom"],
              "properties": {
                "kid": {"type": "string", "pattern": "^[0-9a-f]{4}$", "description": "The key id: bytes 1-2 of the payload, as 4 hex digits"},
                "alg": {"const": "Ed25519"},
                "publicKey": {"type": "string", "description": "Raw 32-byte Ed25519 public key, base64url without padding"},
                "validFrom": {"$ref": "#/components/schemas/LocalDateTime", "description": "From when it signs (a new key is published before)"},
                "validUntil": {"$ref": "#/components/schemas/LocalDateTime", "description": "Absent while it signs; else until when tickets it signed may be valid"}
              }
            }}}
          },
          "TicketVerifyRequest": {
            "type": "object", "additionalProperties": false, "required": ["qr"],
            "properties": {
              "qr": {"type": "string", "minLength": 1, "maxLength": 512, "description": "The QR code's text"},
              "tripId": {"type": "integer", "minimum": 1, "description": "The trip the conductor is on: another trip's ticket is wrong-train"}
            }
          },
          "TicketVerification": {
            "type": "object", "required": ["valid", "alreadyScanned"],
            "properties": {
              "valid": {"type": "boolean"},
              "reason": {"type": "string", "enum": ["unknown-key", "bad-signature", "unknown-ticket", "superseded", "cancelled", "exchanged", "trip-cancelled", "wrong-train", "not-yet-valid", "expired"], "description": "Why it is not valid"},
              "ticket": {
                "type": "object", "description": "Present when the signature verified and the ticket is known",
                "required": ["id", "pnr", "passengerName", "passengerType", "lapInfant", "class", "from", "to", "tripId", "trainNumber", "serviceDate", "departure", "validUntil"],
                "properties": {
                  "id": {"type": "string"},
                  "pnr": {"type": "string"},
                  "passengerName": {"type": "string"},
                  "passengerType": {"$ref": "#/components/schemas/PassengerType"},
                  "lapInfant": {"type": "boolean"},
                  "seat": {"$ref": "#/components/schemas/Seat"},
                  "class": {"$ref": "#/components/schemas/Class"},
                  "from": {"$ref": "#/components/schemas/Station"},
                  "to": {"$ref": "#/components/schemas/Station"},
                  "tripId": {"type": "integer"},
                  "trainNumber": {"type": "integer"},
                  "serviceDate": {"type": "string", "format": "date"},
                  "departure": {"$ref": "#/components/schemas/LocalDateTime"},
                  "validUntil": {"$ref": "#/components/schemas/LocalDateTime"}
                }
              },
              "alreadyScanned": {"type": "boolean", "description": "The ticket was found valid by an earlier scan (not an error: shown to the conductor)"},
              "firstScannedAt": {"$ref": "#/components/schemas/LocalDateTime"}
            }
          },
          "Manifest": {
            "type": "object", "required": ["tripId", "count", "passengers"],
            "properties": {
              "tripId": {"type": "integer"},
              "trainNumber": {"type": "integer"},
              "serviceDate": {"type": "string", "format": "date"},
              "count": {"type": "integer"},
              "passengers": {"type": "array", "description": "By coach then seat; an infant on a lap right after the first seated passenger of their booking", "items": {
                "type": "object",
                "required": ["name", "passengerType", "lapInfant", "from", "to", "pnr", "scanned"],
                "properties": {
                  "seat": {"$ref": "#/components/schemas/Seat"},
                  "name": {"type": "string"},
                  "idNumber": {"type": "string"},
                  "passengerType": {"$ref": "#/components/schemas/PassengerType"},
                  "lapInfant": {"type": "boolean"},
                  "from": {"$ref": "#/components/schemas/Station"},
                  "to": {"$ref": "#/components/schemas/Station"},
                  "pnr": {"type": "string"},
                  "ticketId": {"type": "string"},
                  "scanned": {"type": "boolean"},
                  "firstScannedAt": {"$ref": "#/components/schemas/LocalDateTime"}
                }
              }}
            }
          },
          "BookingList": {
            "type": "object", "required": ["bookings"],
            "properties": {"bookings": {"type": "array", "items": {
              "type": "object",
              "required": ["pnr", "status", "trip", "from", "to", "class", "passengerCount", "total", "currency", "createdAt"],
              "properties": {
                "pnr": {"type": "string"},
                "status": {"$ref": "#/components/schemas/BookingStatus"},
                "trip": {"$ref": "#/components/schemas/Trip"},
                "from": {"type": "object"},
                "to": {"type": "object"},
                "class": {"$ref": "#/components/schemas/Class"},
                "passengerCount": {"type": "integer"},
                "total": {"type": "integer"},
                "currency": {"const": "XAF"},
                "holdExpiresAt": {"$ref": "#/components/schemas/LocalDateTime"},
                "createdAt": {"$ref": "#/components/schemas/LocalDateTime"},
                "operatorCancellation": {"type": "object", "description": "As on the booking: SETRAG cancelled the trip", "properties": {"reason": {"type": "string"}, "at": {"$ref": "#/components/schemas/LocalDateTime"}, "options": {"type": "array", "items": {"enum": ["refund", "exchange"]}}}}
              }
            }}}
          }
        },
        "responses": {
          "Problem": {"description": "A problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "Booking": {"description": "The booking", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Booking"}}}}
        }
      },
      "paths": {
        "/api/v1/offers": {
          "get": {
            "summary": "Trips of a date with, per class, the party's total and each passenger type's fare (no sign-in)",
            "parameters": [
              {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "Station code or name"},
              {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "date", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}},
              {"name": "passengers", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9, "default": 1}, "description": "Adults (12 and over)"},
              {"name": "children", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9, "default": 0}, "description": "Children 4 to 11"},
              {"name": "infants", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 9, "default": 0}, "description": "Under 4, on an adult's lap: at most one per adult"}
            ],
            "responses": {
              "200": {"description": "The offers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Offers"}}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/bookings": {
          "post": {
            "summary": "Hold seats and create a booking awaiting payment (customers: bookings.own; counter agents: counter.sell)",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewBooking"}}}},
            "responses": {
              "201": {"$ref": "#/components/responses/Booking"},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "seats-taken, not-enough-seats, trip-not-on-sale, or idempotency-key-in-use", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "get": {
            "summary": "The caller's bookings, newest first",
            "security": [{"bearer": []}],
            "responses": {
              "200": {"description": "The bookings", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookingList"}}}},
              "401": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/bookings/{pnr}": {
          "get": {
            "summary": "A booking: its owner's, or any for staff; 404 for anyone else",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/PNR"}],
            "responses": {
              "200": {"$ref": "#/components/responses/Booking"},
              "401": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/bookings/{pnr}/cancel": {
          "post": {
            "summary": "Cancel: unpaid -> cancelled; paid -> refund_pending with the refund the fare rules give (refund minus 10 % up to 24 h before departure, minus 20 % after; all of it when SETRAG cancelled the trip). The seats go back on sale",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/PNR"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
            "responses": {
              "200": {"$ref": "#/components/responses/Booking"},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "trip-departed, booking-state, or idempotency-key-in-use", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/bookings/{pnr}/exchange": {
          "get": {
            "summary": "What exchanging the booking for ?tripId= (and &class=) would cost; nothing is held",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/PNR"}, {"name": "tripId", "in": "query", "required": true, "schema": {"type": "integer"}}, {"name": "class", "in": "query", "schema": {"type": "string"}}],
            "responses": {
              "200": {"description": "The price", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExchangeQuote"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "trip-departed or booking-state (only a confirmed booking can be exchanged)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "post": {
            "summary": "Exchange a confirmed booking for another trip, date or class of the same journey: a new booking (new PNR) is made on seats held first. Nothing left to pay: it is confirmed at once with its tickets, the old booking becomes exchanged (its tickets are refused) and any difference is paid back. Otherwise it awaits a payment of amountDue (POST /api/v1/payments) and expires like any hold; the old booking stays good until that payment succeeds. The owner or a counter agent only",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/PNR"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExchangeRequest"}}}},
            "responses": {
              "201": {"$ref": "#/components/responses/Booking"},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"description": "No such booking for this caller, or no such trip", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "409": {"description": "trip-departed, booking-state, seats taken, or idempotency-key-in-use", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
              "422": {"description": "Invalid fields (same-trip, other-journey, trip-cancelled, unknown-class, seats), or the key reused with another body", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
          }
        },
        "/api/v1/bookings/{pnr}/tickets": {
          "get": {
            "summary": "The tickets of a confirmed booking, one per passenger, with their QR codes: its owner's, or any for staff; 404 for anyone else",
            "security": [{"bearer": []}],
            "parameters": [{"$ref": "#/components/parameters/PNR"}],
            "responses": {
              "200": {"description": "The tickets", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketList"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "booking-state: the booking is not confirmed", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
          }
        },
        "/api/v1/tickets/keys": {
          "get": {
            "summary": "The public keys that verify tickets offline (no sign-in; cacheable for 5 minutes). A new key appears before it signs; an old one stays while tickets it signed are valid",
            "responses": {
              "200": {"description": "The keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketKeys"}}}}
            }
          }
        },
        "/api/v1/tickets/verify": {
          "post": {
            "summary": "Check a ticket's QR code (tickets.verify: conductors, agents). Every check is journalled; a ticket already found valid is flagged alreadyScanned",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketVerifyRequest"}}}},
            "responses": {
              "200": {"description": "The result, valid or not with a reason", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketVerification"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "422": {"description": "The text is no ticket: qr required, too-long, not-base45, wrong-length, unsupported-version; tripId out-of-range", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
          }
        },
        "/api/v1/tickets/manifest": {
          "get": {
            "summary": "Every passenger of a trip's confirmed bookings, by coach and seat, with ID numbers and whether their ticket was scanned (manifest.read: agents, conductors, operators). Each read is audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "tripId", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
              "200": {"description": "The manifest", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Manifest"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        }
      }
    }
    """#
}
