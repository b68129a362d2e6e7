/// Inventory's contract (OpenAPI 3.1), served at `/openapi.json` and, through the gateway, `/api/docs/inventory`.
enum InventoryOpenAPI {
    static let document = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "SETRAG inventory",
        "version": "1.0.0",
        "description": "The Transgabonais network (stations in line order, the line's polyline), dated trips and their seat inventory, counted per seat and leg (the stretch between two consecutive stations). Times are local to Africa/Libreville (UTC+1), written in ISO 8601 with their offset. Errors are RFC 9457 problem+json documents with a stable type (https://setrag.ga/problems/<code>); invalid parameters are a 422 whose errors name each field with a code."
      },
      "servers": [{"url": "/"}],
      "components": {
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
                "properties": {
                  "field": {"type": "string"},
                  "code": {"type": "string", "description": "required, unknown-station, same-station, invalid-date, past-date, out-of-range, not-a-stop, wrong-order"},
                  "message": {"type": "string"}
                }
              }}
            }
          },
          "Station": {
            "type": "object",
            "required": ["code", "name", "km", "lat", "lon", "type", "coordQuality"],
            "properties": {
              "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
              "name": {"type": "string"},
              "km": {"type": "number", "description": "Kilometre point (PK) from Owendo"},
              "lat": {"type": "number"},
              "lon": {"type": "number"},
              "type": {"type": "string", "enum": ["terminus", "principale", "gare"]},
              "coordQuality": {"type": "string", "description": "station, placed, town, or interpolated (can be 5-15 km off the track)"}
            }
          },
          "StationRef": {
            "type": "object", "required": ["code", "name"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}}
          },
          "LocalDateTime": {"type": "string", "format": "date-time", "examples": ["2026-12-01T12:30:00+01:00"]},
          "Class": {"type": "string", "enum": ["vip", "first", "second"]},
          "Trip": {
            "type": "object",
            "required": ["id", "trainNumber", "service", "serviceDate", "departure", "arrival", "durationMinutes", "classes"],
            "properties": {
              "id": {"type": "integer", "description": "The trip id for seat maps (and holds)"},
              "trainNumber": {"type": "integer"},
              "service": {"type": "string", "enum": ["express", "omnibus"]},
              "serviceDate": {"type": "string", "format": "date", "description": "The local date the train leaves its first station"},
              "departure": {"$ref": "#/components/schemas/LocalDateTime"},
              "arrival": {"$ref": "#/components/schemas/LocalDateTime"},
              "durationMinutes": {"type": "integer"},
              "classes": {"type": "array", "items": {
                "type": "object", "required": ["class", "seatsFree", "available"],
                "properties": {
                  "class": {"$ref": "#/components/schemas/Class"},
                  "seatsFree": {"type": "integer", "description": "Seats free on every leg of the journey"},
                  "available": {"type": "boolean", "description": "seatsFree is at least the number of passengers"}
                }
              }}
            }
          },
          "TripSearch": {
            "type": "object",
            "required": ["from", "to", "date", "passengers", "trips", "nextDates"],
            "properties": {
              "from": {"$ref": "#/components/schemas/StationRef"},
              "to": {"$ref": "#/components/schemas/StationRef"},
              "date": {"type": "string", "format": "date"},
              "passengers": {"type": "integer"},
              "trips": {"type": "array", "items": {"$ref": "#/components/schemas/Trip"}},
              "nextDates": {"type": "array", "maxItems": 3, "items": {"type": "string", "format": "date"},
                "description": "Empty unless trips is: then the next dates (among the trips generated so far) on which a train leaves from towards to"}
            }
          },
          "SeatMap": {
            "type": "object",
            "required": ["tripId", "trainNumber", "service", "serviceDate", "status", "from", "to", "coaches"],
            "properties": {
              "tripId": {"type": "integer"},
              "trainNumber": {"type": "integer"},
              "service": {"type": "string"},
              "serviceDate": {"type": "string", "format": "date"},
              "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
              "locomotive": {"type": "string", "examples": ["CC 2201"], "description": "The locomotive planned for the trip; absent while none is"},
              "from": {"type": "object", "required": ["code", "name", "departure"], "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "departure": {"$ref": "#/components/schemas/LocalDateTime"}}},
              "to": {"type": "object", "required": ["code", "name", "arrival"], "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "arrival": {"$ref": "#/components/schemas/LocalDateTime"}}},
              "coaches": {"type": "array", "description": "In train order from the locomotive", "items": {
                "type": "object", "required": ["number", "type", "name", "kind", "airConditioned", "seats"],
                "properties": {
                  "number": {"type": "integer", "description": "The coach number passengers see"},
                  "type": {"type": "string"},
                  "name": {"type": "string"},
                  "kind": {"type": "string", "enum": ["seats", "baggage", "bar"], "description": "Only seats coaches have a class and seats"},
                  "class": {"$ref": "#/components/schemas/Class"},
                  "airConditioned": {"type": "boolean"},
                  "layout": {"type": "string", "examples": ["2+3"], "description": "Seats either side of the gangway"},
                  "seats": {"type": "array", "items": {
                    "type": "object", "required": ["number", "row", "column", "position", "free"],
                    "properties": {
                      "number": {"type": "integer"},
                      "row": {"type": "integer"},
                      "column": {"type": "integer", "description": "From 1 on the left, the gangway not counted"},
                      "position": {"type": "string", "enum": ["window", "aisle", "middle"]},
                      "free": {"type": "boolean", "description": "Free on every leg from 'from' to 'to'"}
                    }
                  }}
                }
              }}
            }
          }
        },
        "securitySchemes": {
          "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (typ at+jwt, EdDSA)"}
        },
        "responses": {
          "Problem": {"description": "A problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      },
      "paths": {
        "/api/v1/stations": {
          "get": {
            "summary": "The stations in line order, and the line's polyline for maps",
            "responses": {
              "200": {"description": "The network", "content": {"application/json": {"schema": {
                "type": "object", "required": ["stations", "line"],
                "properties": {
                  "stations": {"type": "array", "items": {"$ref": "#/components/schemas/Station"}},
                  "line": {"type": "array", "items": {"type": "object", "required": ["lat", "lon"],
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}}}
                }
              }}}}
            }
          }
        },
        "/api/v1/trips": {
          "get": {
            "summary": "Trips leaving a station on a local date and stopping at another afterwards (either direction)",
            "parameters": [
              {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "Station code or name, whatever the case and accents (OWE, owendo, Ndjolé, NDJOLE)"},
              {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "date", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}, "description": "Local date of departure from 'from', today or later"},
              {"name": "passengers", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9, "default": 1}}
            ],
            "responses": {
              "200": {"description": "The trips of that date, earliest first, or the next dates with one", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TripSearch"}}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "post": {
            "summary": "SETRAG adds an extra train (operations.manage): the stops of a timetable train (pattern) on another date, at the same times or leaving its first station at 'departure' (local time); the service's consist; on sale at once. Audited",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["pattern", "date", "trainNumber"], "additionalProperties": false,
              "properties": {
                "pattern": {"type": "integer", "description": "A timetable train number"},
                "date": {"type": "string", "format": "date", "description": "Today to 366 days ahead"},
                "trainNumber": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "Not a timetable train's number"},
                "departure": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
              }
            }}}},
            "responses": {
              "201": {"description": "The extra train's trip", "content": {"application/json": {"schema": {
                "type": "object", "required": ["tripId", "trainNumber", "service", "serviceDate", "status", "extra", "from", "to"],
                "properties": {
                  "tripId": {"type": "integer"}, "trainNumber": {"type": "integer"}, "service": {"type": "string"},
                  "serviceDate": {"type": "string", "format": "date"}, "status": {"const": "scheduled"},
                  "extra": {"const": true},
                  "from": {"type": "object", "properties": {"code": {"type": "string"}, "time": {"$ref": "#/components/schemas/LocalDateTime"}}},
                  "to": {"type": "object", "properties": {"code": {"type": "string"}, "time": {"$ref": "#/components/schemas/LocalDateTime"}}}
                }
              }}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "That train number runs that day already (train-exists)", "content": {"application/problem+json": {}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trips/dates": {
          "get": {
            "summary": "The local dates on which a scheduled train still to leave goes from one station to another: what a calendar marks",
            "parameters": [
              {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "Station code or name, as for /api/v1/trips"},
              {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "First local date (default today; a past date counts from today)"},
              {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 62, "default": 42}}
            ],
            "responses": {
              "200": {"description": "The dates, in order", "content": {"application/json": {"schema": {
                "type": "object", "required": ["from", "to", "start", "days", "dates"],
                "properties": {
                  "from": {"type": "string"}, "to": {"type": "string"},
                  "start": {"type": "string", "format": "date"}, "days": {"type": "integer"},
                  "dates": {"type": "array", "items": {"type": "string", "format": "date"}}
                }
              }}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trips/{tripId}/seats": {
          "get": {
            "summary": "A trip's coaches in order, and which seats are free on every leg of a journey",
            "parameters": [
              {"name": "tripId", "in": "path", "required": true, "schema": {"type": "integer"}},
              {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "A stop of the trip (code or name); default its first"},
              {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "A later stop of the trip; default its last"}
            ],
            "responses": {
              "200": {"description": "The seat map", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeatMap"}}}},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trips/{tripId}/cancel": {
          "post": {
            "summary": "SETRAG cancels a trip (operations.manage): it leaves search and sales, and TripCancelled (v1) is published. Repeating it changes nothing",
            "security": [{"bearer": []}],
            "parameters": [{"name": "tripId", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["reason"], "additionalProperties": false,
              "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 200}}
            }}}},
            "responses": {
              "200": {"description": "The trip is cancelled", "content": {"application/json": {"schema": {
                "type": "object", "required": ["tripId", "trainNumber", "serviceDate", "status", "reason", "cancelledAt"],
                "properties": {
                  "tripId": {"type": "integer"}, "trainNumber": {"type": "integer"},
                  "serviceDate": {"type": "string", "format": "date"}, "status": {"const": "cancelled"},
                  "reason": {"type": "string"}, "cancelledAt": {"type": "string", "format": "date-time"}
                }
              }}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trips/{tripId}/consist": {
          "put": {
            "summary": "SETRAG changes a trip's consist (operations.manage): coach types in train order. Every seat sold or held must keep its coach number, class and seat number, or nothing changes and the answer lists the conflicts. Audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "tripId", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["coaches"], "additionalProperties": false,
              "properties": {"coaches": {"type": "array", "minItems": 1, "maxItems": 30, "items": {"type": "string"}}}
            }}}},
            "responses": {
              "200": {"description": "The trip's new consist", "content": {"application/json": {"schema": {
                "type": "object", "required": ["tripId", "coaches", "seats"],
                "properties": {
                  "tripId": {"type": "integer"}, "seats": {"type": "integer"},
                  "coaches": {"type": "array", "items": {"type": "object", "properties": {
                    "number": {"type": "integer"}, "type": {"type": "string"}, "kind": {"type": "string"},
                    "class": {"type": "string"}, "seats": {"type": "integer"}}}}
                }
              }}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "Seats sold or held would be lost (consist-conflicts: errors name coach and seat with the code coach-removed, class-changed or seat-missing), or the trip is cancelled or has left (trip-not-on-sale)", "content": {"application/problem+json": {}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trips/{tripId}/locomotive": {
          "put": {
            "summary": "SETRAG plans the locomotive of a trip, or none (operations.manage): trackers mounted on it are then assigned to the trip automatically while it runs (tracking). Allowed until the train arrives, also while it runs (a locomotive replaced on the way). Audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "tripId", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["locomotive"], "additionalProperties": false,
              "properties": {"locomotive": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9][A-Za-z0-9 -]*$", "minLength": 1, "maxLength": 16, "examples": ["CC 2201"], "description": "Its running number: letters, digits, spaces and dashes; kept in capitals with single spaces. null: none planned"}}
            }}}},
            "responses": {
              "200": {"description": "The trip and its planned locomotive", "content": {"application/json": {"schema": {
                "type": "object", "required": ["tripId", "trainNumber", "serviceDate", "status", "locomotive"],
                "properties": {
                  "tripId": {"type": "integer"}, "trainNumber": {"type": "integer"},
                  "serviceDate": {"type": "string", "format": "date"}, "status": {"const": "scheduled"},
                  "locomotive": {"type": ["string", "null"]}
                }
              }}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"description": "The trip is cancelled or has arrived (trip-closed)", "content": {"application/problem+json": {}}},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        }
      }
    }
    """#
}
