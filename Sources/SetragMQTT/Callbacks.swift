/// libmosquitto's MQTT 5 callbacks. They are C function pointers and cannot capture anything:
/// the `ClientCore` travels through libmosquitto's userdata pointer (set with
/// `mosquitto_user_data_set`, unretained: the network thread keeps the core alive while it runs,
/// and every callback runs on that thread).
import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

private func core(_ userdata: UnsafeMutableRawPointer?) -> ClientCore? {
    guard let userdata else { return nil }
    return Unmanaged<ClientCore>.fromOpaque(userdata).takeUnretainedValue()
}

func installCallbacks(_ mosq: OpaquePointer, withLog: Bool) {
    mosquitto_connect_v5_callback_set(mosq) { mosq, userdata, reason, flags, _ in
        // libmosquitto opens its socket without close-on-exec; a spawned process must not inherit it.
        let fd = mosquitto_socket(mosq)
        if fd >= 0 {
            let current = fcntl(fd, F_GETFD)
            if current >= 0, current & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, current | FD_CLOEXEC) }
        }
        core(userdata)?.handleConnect(reason: reason, flags: flags)
    }
    mosquitto_disconnect_v5_callback_set(mosq) { _, userdata, reason, _ in
        core(userdata)?.handleDisconnect(reason: reason)
    }
    mosquitto_publish_v5_callback_set(mosq) { _, userdata, mid, reason, _ in
        core(userdata)?.handlePublishAck(messageID: mid, reason: reason)
    }
    mosquitto_subscribe_v5_callback_set(mosq) { _, userdata, mid, count, granted, _ in
        guard let core = core(userdata) else { return }
        var codes: [Int32] = []
        if let granted, count > 0 {
            codes = Array(UnsafeBufferPointer(start: granted, count: Int(count)))
        }
        core.handleSubscribeAck(messageID: mid, grantedQoS: codes)
    }
    mosquitto_message_v5_callback_set(mosq) { _, userdata, message, properties in
        guard let core = core(userdata), let raw = message?.pointee, let topic = raw.topic else { return }
        var payload: [UInt8] = []
        if let bytes = raw.payload, raw.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
        }
        let received = MQTTMessage(
            topic: String(cString: topic),
            payload: payload,
            qos: MQTTQoS(rawValue: raw.qos) ?? .atMostOnce,
            retain: raw.retain,
            userProperties: ReceivedProperties.userProperties(properties)
        )
        core.handleMessage(received, subscriptionIdentifiers: ReceivedProperties.subscriptionIdentifiers(properties))
    }
    if withLog {
        mosquitto_log_callback_set(mosq) { _, userdata, level, text in
            guard let text else { return }
            core(userdata)?.handleLog(level: level, text: String(cString: text))
        }
    }
}

func removeCallbacks(_ mosq: OpaquePointer) {
    mosquitto_connect_v5_callback_set(mosq, nil)
    mosquitto_disconnect_v5_callback_set(mosq, nil)
    mosquitto_publish_v5_callback_set(mosq, nil)
    mosquitto_subscribe_v5_callback_set(mosq, nil)
    mosquitto_message_v5_callback_set(mosq, nil)
    mosquitto_log_callback_set(mosq, nil)
    mosquitto_user_data_set(mosq, nil)
}
