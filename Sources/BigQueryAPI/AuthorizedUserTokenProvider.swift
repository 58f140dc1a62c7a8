import AsyncHTTPClient
import Foundation
import NIOCore

/// The credentials of a person rather than a service account (`gcloud auth application-default
/// login` writes them): an `authorized_user` file with `client_id`, `client_secret` and
/// `refresh_token`, exchanged at the token URI for an access token
/// (`grant_type=refresh_token`). Every call fetches a new token; wrap it in `CachedTokenProvider`.
public struct AuthorizedUserTokenProvider: AccessTokenSource, AccessTokenProvider {
    /// The OAuth client the refresh token was issued to.
    public let clientID: String
    private let clientSecret: String
    private let refreshToken: String
    /// Where the refresh token is exchanged.
    public let tokenURI: String
    /// The file it was read from, for messages.
    public let file: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let now: @Sendable () -> Date

    /// Parses an `authorized_user` credentials file's JSON; errors name `file` and the field.
    public init(
        json data: Data, file: String, httpClient: HTTPClient = BigQueryClient.sharedHTTPClient, timeout: Duration = .seconds(30),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        guard let json = JSON.parse(data), case .object = json else {
            throw GoogleCredentialsFile.problem(file, "file is not JSON")
        }
        func field(_ name: String) throws -> String {
            guard let value = json[name].string, !value.isEmpty else {
                throw GoogleCredentialsFile.problem(file, "field \(name) is missing (run `gcloud auth application-default login` again)")
            }
            return value
        }
        clientID = try field("client_id")
        clientSecret = try field("client_secret")
        refreshToken = try field("refresh_token")
        tokenURI = json["token_uri"].string ?? ServiceAccountKey.defaultTokenURI
        self.file = file
        self.httpClient = httpClient
        self.timeout = timeout
        self.now = now
    }

    /// A fresh token.
    public func token() async throws -> String? {
        try await fetchToken().value
    }

    /// Exchanges the refresh token for an access token.
    public func fetchToken() async throws -> AccessToken {
        var request = HTTPClientRequest(url: tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: BigQueryTransport.userAgent)
        let form = [("grant_type", "refresh_token"), ("client_id", clientID), ("client_secret", clientSecret), ("refresh_token", refreshToken)]
            .map { "\($0.0)=\(BigQueryURL.escape($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let requested = now()
        let reply = try await TokenEndpointResponse.send(request, httpClient: httpClient, timeout: timeout) { [tokenURI] error in
            BigQueryError(reason: "connectionFailed", message: "Could not reach Google's token endpoint \(tokenURI): \(error)", hint: "check the network")
        }
        do {
            return try TokenEndpointResponse.token(from: reply, now: requested, source: "Google's token endpoint (for \(file))")
        } catch var error as BigQueryError where error.reason == "badCredentials" {
            error.hint = "the refresh token in \(file) was revoked or expired: run `gcloud auth application-default login` again"
            throw error
        }
    }
}

/// A Google credentials file (`GOOGLE_APPLICATION_CREDENTIALS`, or gcloud's application-default
/// file): a service-account key or an authorized user, told apart by its `type`.
enum GoogleCredentialsFile {
    /// gcloud's application-default credentials file: under `CLOUDSDK_CONFIG` when set, else
    /// `~/.config/gcloud`.
    static func gcloudDefaultPath(environment: [String: String]) -> String? {
        if let config = environment["CLOUDSDK_CONFIG"], !config.isEmpty {
            return config + "/application_default_credentials.json"
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/gcloud/application_default_credentials.json"
    }

    /// The token source for the file at `path`.
    static func provider(path: String, httpClient: HTTPClient) throws -> any AccessTokenSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw problem(path, "file cannot be read (check the path and its permissions)")
        }
        switch JSON.parse(data)?["type"].string {
        case "authorized_user":
            return try AuthorizedUserTokenProvider(json: data, file: path, httpClient: httpClient)
        case "service_account", nil:
            return ServiceAccountTokenProvider(key: try ServiceAccountKey(json: data, file: path), httpClient: httpClient)
        case let type?:
            throw problem(path, "field type is \"\(type)\"; Sluice reads \"service_account\" keys and \"authorized_user\" credentials")
        }
    }

    static func problem(_ file: String, _ what: String) -> BigQueryError {
        BigQueryError(
            reason: "badCredentials", message: "GOOGLE_APPLICATION_CREDENTIALS=\(file): \(what)",
            hint: "point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file, or run `gcloud auth application-default login`")
    }
}
