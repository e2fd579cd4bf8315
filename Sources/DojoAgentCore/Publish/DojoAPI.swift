import DojoProtocol
import Transport

/// Where and how the agent calls Dojo's REST API: `POST /epos/events` and `PUT /epos/integrations/ws`.
///
/// Headers on every call (Dojo API reference, `dojo-epos-api.md` §4–§5): `Authorization: Basic <api_key>` (the raw
/// key, not base64: Dojo's scheme name is misleading), `software-house-id`, `reseller-id` when set, `version`, and
/// `Content-Type: application/json`. The key never appears in logs or errors.
public struct DojoAPIConfiguration: Sendable {
    /// `dojo.api_base_url`, for example `https://api.dojo.tech` (no trailing slash needed).
    public var baseURL: String
    /// `dojo.api_key` (secret).
    public var apiKey: String
    /// `dojo.software_house_id`.
    public var softwareHouseID: String
    /// `dojo.reseller_id`; nil or empty: the header is not sent.
    public var resellerID: String?
    /// `dojo.api_version`, the `version` header.
    public var apiVersion: String
    /// Deadline of each REST call. Default 10 s.
    public var requestTimeout: Duration

    public init(
        baseURL: String,
        apiKey: String,
        softwareHouseID: String,
        resellerID: String? = nil,
        apiVersion: String = "2026-02-27",
        requestTimeout: Duration = .seconds(10)
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.softwareHouseID = softwareHouseID
        self.resellerID = resellerID
        self.apiVersion = apiVersion
        self.requestTimeout = requestTimeout
    }

    /// The headers of every call, in this order.
    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Authorization", "Basic \(self.apiKey)"),
            ("software-house-id", self.softwareHouseID),
        ]
        if let resellerID = self.resellerID, !resellerID.isEmpty {
            headers.append(("reseller-id", resellerID))
        }
        headers.append(("version", self.apiVersion))
        headers.append(("Content-Type", "application/json"))
        return headers
    }

    private func url(_ path: String) -> String {
        var base = self.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// `POST {api_base_url}/epos/events` with the event's body.
    func eventRequest(_ event: PosEvent) -> HTTPRequest {
        HTTPRequest(
            method: .post,
            url: self.url("/epos/events"),
            headers: self.headers,
            body: Array(event.body.utf8),
            timeout: self.requestTimeout
        )
    }

    /// `PUT {api_base_url}/epos/integrations/ws` with the full capability set (it replaces the registered one).
    func registrationRequest(_ capabilities: Set<Capability>) -> HTTPRequest {
        HTTPRequest(
            method: .put,
            url: self.url("/epos/integrations/ws"),
            headers: self.headers,
            body: Array(CapabilityRegistration(capabilities).body.utf8),
            timeout: self.requestTimeout
        )
    }
}

/// Redacted: swift-service-lifecycle logs each service's description (`sl-service=` at debug), and the default
/// one of the Publisher and the Registrar, which hold this, would spell the API key out (`scripts/check-logs` found it).
extension DojoAPIConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "DojoAPIConfiguration(baseURL: \(self.baseURL), apiKey: <redacted>, softwareHouseID: \(self.softwareHouseID))"
    }

    public var debugDescription: String { self.description }
}
