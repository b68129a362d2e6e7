/// Tracking's contract (OpenAPI 3.1), served at `/openapi.json` and, through the gateway, `/api/docs/tracking`.
enum TrackingOpenAPI {
    static let document = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "SETRAG tracking",
        "version": "1.0.0",
        "description": "GPS devices on the trains, their fixes, and the live position of each train run (a run is one of inventory's dated trips, same id). A fix is placed on the line: its PK (kilometre point from Owendo, on the stations' scale), its distance from the line's polyline, the leg it is on. Devices authenticate with the key they were given once: `Authorization: Device <id>:<key>`. Over MQTT a device publishes on `setrag/telemetry/<id>` (QoS 1) a fix or a batch; where the platform writes the broker's logins, it logs in with its id as user name and its key as password and may publish on no other topic, else each message carries the key (`key` field or MQTT 5 user property). Every fix is checked: coordinates beyond ±90/±180 (impossible-coordinates) or far outside Gabon (outside-gabon), a speed over 200 km/h (too-fast), a time more than 2 minutes ahead (in-the-future) or older than the positions kept (too-old) are refused and counted (tracking_fixes_rejected_total{reason,source}); a request with such a fix is refused whole (422 fixes-rejected, the errors name each fix by its index) and nothing of it is stored. A fix sent again (same device and time, or same device and seq on its day) is skipped and counted as a duplicate; late and out-of-order fixes are stored. Instants are written in Africa/Libreville time (UTC+1) with their offset. Errors are RFC 9457 problem+json documents with a stable type (https://setrag.ga/problems/<code>)."
      },
      "servers": [{"url": "/"}],
      "components": {
        "securitySchemes": {
          "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
          "device": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Device <id>:<key>"}
        },
        "responses": {
          "Problem": {"description": "A problem document", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
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
                "properties": {
                  "field": {"type": "string", "description": "fixes.<index> for a refused fix"},
                  "code": {"type": "string", "description": "required, wrong-type, invalid, out-of-range, unknown-trip, impossible-coordinates, outside-gabon, too-fast, in-the-future, too-old"},
                  "message": {"type": "string"}
                }
              }}
            }
          },
          "Device": {
            "type": "object",
            "required": ["id", "name", "kind", "tripId", "assignedAt", "createdAt", "brokerLogin", "locomotive", "assignmentSource", "assignedBy"],
            "properties": {
              "id": {"type": "integer"},
              "name": {"type": "string"},
              "kind": {"type": "string", "enum": ["locomotive", "phone", "portable"]},
              "tripId": {"type": ["integer", "null"], "description": "The run the device travels with"},
              "assignedAt": {"type": ["string", "null"], "format": "date-time"},
              "createdAt": {"type": "string", "format": "date-time"},
              "brokerLogin": {"type": "boolean", "description": "Whether the device can log in to the MQTT broker (user name its id, password its key); false for a device registered before broker logins, until it gets a new key"},
              "locomotive": {"type": ["string", "null"], "examples": ["CC 2201"], "description": "The locomotive the device is mounted on. While no operator's assignment runs, the device is assigned automatically to the trip inventory plans with that locomotive, from an hour before its departure to two hours after its arrival (the one leaving last when two run), at the time of its newest fix"},
              "assignmentSource": {"type": ["string", "null"], "enum": ["operator", "locomotive", null], "description": "Who made the assignment: an operator, or tracking from the trip planned with the device's locomotive (automatic); null while unassigned. An operator's assignment is never replaced automatically until two hours after its trip's arrival"},
              "assignedBy": {"type": ["string", "null"], "description": "The operator's subject, or the locomotive of an automatic assignment"}
            }
          },
          "LocomotiveNumber": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9][A-Za-z0-9 -]*$", "minLength": 1, "maxLength": 16, "examples": ["CC 2201"], "description": "A locomotive's running number: letters, digits, spaces and dashes, kept in capitals with single spaces; null: none"},
          "NewDevice": {
            "description": "A device with its key, shown in this answer only (only hashes of it are kept)",
            "allOf": [{"$ref": "#/components/schemas/Device"}, {"type": "object", "required": ["key", "authorization", "mqtt"], "properties": {
              "key": {"type": "string"},
              "authorization": {"type": "string", "description": "Device <id>:<key>, for HTTP"},
              "mqtt": {"type": "object", "required": ["username", "topic"], "description": "The broker login (password: the key) and the only topic the device may publish on, with QoS 1: a fix {ts, lat, lon, speed, heading, accuracy, seq} or a batch {fixes: [...]}", "properties": {
                "username": {"type": "string"}, "topic": {"type": "string"}}}}}]
          },
          "Fix": {
            "type": "object", "required": ["ts", "lat", "lon"], "additionalProperties": false,
            "properties": {
              "ts": {"oneOf": [{"type": "string", "format": "date-time"}, {"type": "number", "description": "Unix seconds"}]},
              "lat": {"type": "number"}, "lon": {"type": "number"},
              "speed": {"type": "number", "minimum": 0, "description": "km/h"},
              "heading": {"type": "number", "minimum": 0, "maximum": 360},
              "accuracy": {"type": "number", "minimum": 0, "description": "metres"},
              "altitude": {"type": "number", "description": "metres"},
              "seq": {"type": "integer", "minimum": 0, "description": "The device's own counter"}
            }
          },
          "Ingested": {
            "type": "object", "required": ["accepted", "duplicates"],
            "properties": {
              "accepted": {"type": "integer", "description": "Fixes stored"},
              "duplicates": {"type": "integer", "description": "Fixes stored already, skipped"}
            }
          },
          "Train": {
            "type": "object",
            "required": ["runId", "tripId", "trainNumber", "serviceDate", "service", "origin", "destination", "lat", "lon", "motion", "updatedAt"],
            "properties": {
              "runId": {"type": "integer"}, "tripId": {"type": "integer"}, "trainNumber": {"type": "integer"},
              "serviceDate": {"type": "string", "format": "date"}, "service": {"type": "string"},
              "origin": {"type": "string"}, "destination": {"type": "string"},
              "lat": {"type": "number"}, "lon": {"type": "number"},
              "pk": {"type": ["number", "null"], "description": "Kilometre point from Owendo; null more than 20 km off the line"},
              "offLineMetres": {"type": ["integer", "null"]},
              "leg": {"type": ["object", "null"], "properties": {"from": {"type": "string"}, "to": {"type": "string"}}},
              "station": {"type": ["string", "null"], "description": "The station within 1 km of the PK"},
              "speed": {"type": ["number", "null"], "description": "km/h"},
              "heading": {"type": ["number", "null"]},
              "motion": {"type": "string", "enum": ["moving", "stopped", "unknown"]},
              "updatedAt": {"type": "string", "format": "date-time", "description": "The time of the fix"},
              "delayMinutes": {"type": ["integer", "null"], "description": "Expected lateness at the next stop (negative: early); null without a timetable"},
              "nextStop": {"type": ["object", "null"], "properties": {
                "station": {"type": "string"}, "scheduledArrival": {"type": ["string", "null"], "format": "date-time"},
                "eta": {"type": ["string", "null"], "format": "date-time", "description": "Expected arrival (or departure, at the stop the train is at)"}}}
            }
          },
          "RunStop": {
            "type": "object",
            "required": ["seq", "station", "name", "pk", "state"],
            "properties": {
              "seq": {"type": "integer"}, "station": {"type": "string"}, "name": {"type": "string"}, "pk": {"type": "number"},
              "scheduledArrival": {"type": ["string", "null"], "format": "date-time"},
              "scheduledDeparture": {"type": ["string", "null"], "format": "date-time"},
              "actualArrival": {"type": ["string", "null"], "format": "date-time"},
              "actualDeparture": {"type": ["string", "null"], "format": "date-time"},
              "eta": {"type": ["string", "null"], "format": "date-time"},
              "etd": {"type": ["string", "null"], "format": "date-time"},
              "state": {"type": "string", "enum": ["departed", "at", "upcoming"]}
            }
          }
        }
      },
      "paths": {
        "/api/v1/devices": {
          "post": {
            "summary": "Registers a GPS device (tracking.manage). The key is shown in this answer only; audited",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["name", "kind"], "additionalProperties": false,
              "properties": {"name": {"type": "string", "maxLength": 80}, "kind": {"type": "string", "enum": ["locomotive", "phone", "portable"]}, "locomotive": {"$ref": "#/components/schemas/LocomotiveNumber"}}
            }}}},
            "responses": {
              "201": {"description": "The device, its key, the Authorization value to send and its broker login", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewDevice"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "get": {
            "summary": "Every device (tracking.manage), without keys",
            "security": [{"bearer": []}],
            "responses": {
              "200": {"description": "Devices", "content": {"application/json": {"schema": {"type": "object", "required": ["devices"], "properties": {"devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}}}}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/devices/{id}/key": {
          "post": {
            "summary": "Gives the device a new key (tracking.manage), shown in this answer only; the old key stops working over HTTP at once and at the broker once it has reloaded its logins (its connections are then closed); audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {
              "200": {"description": "The device with its new key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewDevice"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/devices/{id}/assignment": {
          "put": {
            "summary": "Assigns the device to a dated trip (operations.manage); tripId null ends the assignment (a device on a locomotive may then be assigned automatically again; clear its locomotive to stop that). Fixes are stored with the run the device is assigned to when they arrive; audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["tripId"], "additionalProperties": false,
              "properties": {"tripId": {"type": ["integer", "null"]}}
            }}}},
            "responses": {
              "200": {"description": "The device", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Device"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"description": "unknown-trip: inventory has no such trip", "content": {"application/problem+json": {}}},
              "503": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/devices/{id}/locomotive": {
          "put": {
            "summary": "Mounts the device on a locomotive, or none (tracking.manage): it then follows the trips planned with that locomotive (see Device.locomotive); an automatic assignment made from its former locomotive ends. Audited",
            "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["locomotive"], "additionalProperties": false,
              "properties": {"locomotive": {"$ref": "#/components/schemas/LocomotiveNumber"}}
            }}}},
            "responses": {
              "200": {"description": "The device", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Device"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/positions": {
          "post": {
            "summary": "A device's batch of 1 to 1,000 fixes, stored at once (one insert) or not at all",
            "security": [{"device": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
              "type": "object", "required": ["fixes"], "additionalProperties": false,
              "properties": {"fixes": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/Fix"}}}
            }}}},
            "responses": {
              "200": {"description": "Stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ingested"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"description": "No device key, an unknown device or a wrong key", "content": {"application/problem+json": {}}},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"description": "A field that cannot be read (validation), a batch size out of range (batch-size), or fixes that are not plausible (fixes-rejected); nothing was stored", "content": {"application/problem+json": {}}},
              "503": {"description": "The line could not be read from inventory yet: send again later", "content": {"application/problem+json": {}}}
            }
          }
        },
        "/osmand": {
          "get": {
            "summary": "One fix in the OsmAnd protocol (Traccar Client, OsmAnd live tracking): query parameters id (the device id), lat, lon, timestamp (Unix seconds or ISO 8601), speed (knots), bearing, altitude, accuracy, and key (the device key) unless sent as Authorization: Device <id>:<key>. POST takes the same as query or application/x-www-form-urlencoded parameters",
            "parameters": [
              {"name": "id", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "lat", "in": "query", "required": true, "schema": {"type": "number"}},
              {"name": "lon", "in": "query", "required": true, "schema": {"type": "number"}},
              {"name": "timestamp", "in": "query", "required": true, "schema": {"type": "string"}},
              {"name": "speed", "in": "query", "schema": {"type": "number"}, "description": "knots"},
              {"name": "bearing", "in": "query", "schema": {"type": "number"}},
              {"name": "altitude", "in": "query", "schema": {"type": "number"}},
              {"name": "accuracy", "in": "query", "schema": {"type": "number"}},
              {"name": "key", "in": "query", "schema": {"type": "string"}}
            ],
            "responses": {
              "200": {"description": "Stored (or a duplicate)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ingested"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"},
              "503": {"$ref": "#/components/responses/Problem"}
            }
          },
          "post": {
            "summary": "The same as GET, parameters in the query or an application/x-www-form-urlencoded body",
            "responses": {
              "200": {"description": "Stored (or a duplicate)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ingested"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/trains": {
          "get": {
            "summary": "The latest position of every train run with a fix in the last tracking.active_minutes (public)",
            "responses": {
              "200": {"description": "Live trains", "content": {"application/json": {"schema": {"type": "object", "required": ["trains"], "properties": {"trains": {"type": "array", "items": {"$ref": "#/components/schemas/Train"}}}}}}}
            }
          }
        },
        "/api/v1/gtfs.zip": {
          "get": {
            "summary": "The static GTFS feed (public): agency.txt, stops.txt (one stop per station, stop_id its code), routes.txt (one route per service, route_id its code, route_type 2), trips.txt (one trip per weekly timetable train, trip_id its train number, service_id its weekday: MON to SUN; direction_id 0 towards Franceville), stop_times.txt (times from midnight of the day the train leaves its first stop, 24:00:00 and more past midnight), calendar.txt (one service per weekday with trains, valid from today for a year) and feed_info.txt, as a ZIP of stored files. Built from inventory's stations and weekly timetable, kept 10 minutes; the same content keeps its ETag and Last-Modified",
            "parameters": [
              {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
              {"name": "If-Modified-Since", "in": "header", "schema": {"type": "string"}}
            ],
            "responses": {
              "200": {"description": "The feed", "headers": {
                "ETag": {"schema": {"type": "string"}}, "Last-Modified": {"schema": {"type": "string"}}},
                "content": {"application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}}},
              "304": {"description": "The copy named by If-None-Match or If-Modified-Since is current"},
              "503": {"description": "Inventory could not be read yet: try again later", "content": {"application/problem+json": {}}}
            }
          }
        },
        "/api/v1/gtfs-rt/vehicle-positions": {
          "get": {
            "summary": "GTFS Realtime vehicle positions (public; a transit_realtime.FeedMessage, FULL_DATASET): one entity per run with a fix in the last tracking.active_minutes. Its trip: trip_id the train number, start_date the service day (YYYYMMDD), schedule_relationship SCHEDULED for a timetable train and ADDED for an extra one; its vehicle: id and label the train number; the fix's position (speed in m/s, bearing) and time; the stop it is at (STOPPED_AT) or heading for (IN_TRANSIT_TO)",
            "responses": {
              "200": {"description": "The feed", "content": {"application/x-protobuf": {"schema": {"type": "string", "contentMediaType": "application/x-protobuf"}}}}
            }
          }
        },
        "/api/v1/gtfs-rt/trip-updates": {
          "get": {
            "summary": "GTFS Realtime trip updates (public): for each run with a fix in the last tracking.active_minutes, a stop_time_update for each stop from the one it is at or heading for to its destination (stop_sequence and stop_id as in stop_times.txt), each with an arrival and a departure: the expected time and, for a timetable train, its delay in seconds (seen times have uncertainty 0); and each trip cancelled in the coming three days as a CANCELED trip",
            "responses": {
              "200": {"description": "The feed", "content": {"application/x-protobuf": {"schema": {"type": "string", "contentMediaType": "application/x-protobuf"}}}}
            }
          }
        },
        "/api/v1/gtfs-rt/alerts": {
          "get": {
            "summary": "GTFS Realtime alerts (public): one alert per trip cancelled in the coming three days (read from inventory every 30 seconds): informed_entity its trip (trip_id and start_date), effect NO_SERVICE, active until its scheduled arrival, header and description in French and English",
            "responses": {
              "200": {"description": "The feed", "content": {"application/x-protobuf": {"schema": {"type": "string", "contentMediaType": "application/x-protobuf"}}}},
              "503": {"description": "Inventory could not be read: try again later", "content": {"application/problem+json": {}}}
            }
          }
        },
        "/api/v1/trains/{runId}/history": {
          "get": {
            "summary": "One run's whole track downsampled to a point a minute (its first fix), oldest first, at most 2,000 points; kept tracking.history_days (default 730) (public)",
            "parameters": [{"name": "runId", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
              "200": {"description": "The history", "content": {"application/json": {"schema": {
                "type": "object", "required": ["runId", "trainNumber", "serviceDate", "points"],
                "properties": {"runId": {"type": "integer"}, "trainNumber": {"type": "integer"}, "serviceDate": {"type": "string"},
                  "points": {"type": "array", "items": {"type": "object", "required": ["ts", "lat", "lon"]}}}}}}},
              "404": {"description": "No such run", "content": {"application/problem+json": {}}}
            }
          }
        },
        "/api/v1/trains/{runId}": {
          "get": {
            "summary": "One run: its latest position and its track of the last `minutes` (default 60, at most 1440; the newest 1,000 fixes), oldest first (public)",
            "parameters": [
              {"name": "runId", "in": "path", "required": true, "schema": {"type": "integer"}},
              {"name": "minutes", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1440}}
            ],
            "responses": {
              "200": {"description": "The run", "content": {"application/json": {"schema": {
                "type": "object", "required": ["runId", "tripId", "trainNumber", "serviceDate", "service", "origin", "destination", "status", "track"],
                "properties": {
                  "runId": {"type": "integer"}, "tripId": {"type": "integer"}, "trainNumber": {"type": "integer"},
                  "serviceDate": {"type": "string", "format": "date"}, "service": {"type": "string"},
                  "origin": {"type": "string"}, "destination": {"type": "string"}, "status": {"type": "string"},
                  "latest": {"oneOf": [{"$ref": "#/components/schemas/Train"}, {"type": "null"}]},
                  "delayMinutes": {"type": ["integer", "null"]},
                  "stops": {"type": "array", "description": "The timetable with what happened and what is expected; empty before the first fix on the line", "items": {"$ref": "#/components/schemas/RunStop"}},
                  "track": {"type": "array", "items": {"type": "object", "required": ["ts", "lat", "lon"], "properties": {
                    "ts": {"type": "string", "format": "date-time"}, "lat": {"type": "number"}, "lon": {"type": "number"},
                    "speed": {"type": ["number", "null"]}, "pk": {"type": ["number", "null"]}}}}
                }
              }}}},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        }
      }
    }
    """#
}
