import Foundation
import SetragKernel

/// How one simulator runs: the merchant's credentials, where callbacks go and how they are retried.
public struct EBillingConfiguration: Sendable {
    /// HTTP Basic user name of the merchant.
    public var username: String
    /// HTTP Basic password of the merchant (E-Billing calls it the shared key).
    public var sharedKey: String
    /// The key of the callbacks' HMAC.
    public var callbackSecret: String
    /// Where every signed callback is POSTed.
    public var callbackURL: String
    public var host: String
    /// 0: any free port.
    public var port: Int
    /// The base of the hosted pages' addresses (`payment_url`); by default `http://<host>:<bound port>`.
    public var publicURL: String?
    /// After a refused or failed callback, wait this long and try again, once per entry.
    public var callbackRetryDelays: [Duration]
    /// How long one callback may take.
    public var callbackTimeout: Duration
    /// The largest amount of one bill or payout, in XAF.
    public var maximumAmount: Int

    public init(
        username: String, sharedKey: String, callbackSecret: String, callbackURL: String, host: String = "127.0.0.1",
        port: Int = 0, publicURL: String? = nil,
        callbackRetryDelays: [Duration] = [.milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2),
                                           .seconds(5)],
        callbackTimeout: Duration = .seconds(5), maximumAmount: Int = 5_000_000
    ) {
        self.username = username
        self.sharedKey = sharedKey
        self.callbackSecret = callbackSecret
        self.callbackURL = callbackURL
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.callbackRetryDelays = callbackRetryDelays
        self.callbackTimeout = callbackTimeout
        self.maximumAmount = maximumAmount
    }

    /// The secrets from settings (`ebilling.username`, `ebilling.shared_key`, `ebilling.callback_secret`, i.e. the
    /// environment variables `SETRAG_EBILLING_USERNAME`, `SETRAG_EBILLING_SHARED_KEY`,
    /// `SETRAG_EBILLING_CALLBACK_SECRET`). Missing ones are noted in `settings`; call `settings.validate()`.
    public init(settings: Settings, callbackURL: String, host: String, port: Int, publicURL: String? = nil) {
        self.init(
            username: settings.string("ebilling.username", secret: true),
            sharedKey: settings.string("ebilling.shared_key", secret: true),
            callbackSecret: settings.string("ebilling.callback_secret", secret: true),
            callbackURL: callbackURL, host: host, port: port, publicURL: publicURL)
    }

    /// Whether `text` is an absolute http or https URL with a host (callback and return addresses).
    public static func isWebURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, !text.contains(where: { $0.isWhitespace }),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else { return false }
        return true
    }
}
