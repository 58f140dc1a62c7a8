import AsyncHTTPClient
import Crypto
import _CryptoExtras
import Foundation
import Logging
import NIOCore

/// Exchanges a JWT signed with a service-account key (RS256) for an access token at the key's
/// `token_uri` (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`). Every call fetches a new
/// token; wrap it in `CachedTokenProvider`.
public struct ServiceAccountTokenProvider: AccessTokenSource, AccessTokenProvider {
    /// The scope requested.
    public static let scope = "https://www.googleapis.com/auth/cloud-platform"

    /// The key in use.
    public let key: ServiceAccountKey
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let now: @Sendable () -> Date

    /// Uses `key`, asking its token endpoint through `httpClient`.
    public init(
        key: ServiceAccountKey, httpClient: HTTPClient = BigQueryClient.sharedHTTPClient, timeout: Duration = .seconds(30),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.key = key
        self.httpClient = httpClient
        self.timeout = timeout
        self.now = now
    }

    /// Reads the key file at `path` (errors name the file and the field).
    public init(keyFile path: String, httpClient: HTTPClient = BigQueryClient.sharedHTTPClient) throws {
        self.init(key: try ServiceAccountKey(contentsOfFile: path), httpClient: httpClient)
    }

    /// A fresh token.
    public func token() async throws -> String? {
        try await fetchToken().value
    }

    /// Signs a JWT and exchanges it for a token.
    public func fetchToken() async throws -> AccessToken {
        let issuedAt = now()
        let assertion = try signedAssertion(issuedAt: issuedAt)
        var request = HTTPClientRequest(url: key.tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: BigQueryTransport.userAgent)
        let form = "grant_type=\(BigQueryURL.escape("urn:ietf:params:oauth:grant-type:jwt-bearer"))&assertion=\(assertion)"
        request.body = .bytes(ByteBuffer(string: form))
        let reply = try await TokenEndpointResponse.send(request, httpClient: httpClient, timeout: timeout) { [key] error in
            BigQueryError(
                reason: "connectionFailed", message: "Could not reach Google's token endpoint \(key.tokenURI): \(error)", hint: "check the network")
        }
        return try TokenEndpointResponse.token(from: reply, now: issuedAt, source: "Google's token endpoint (\(key.clientEmail))")
    }

    /// The RS256-signed JWT `header.claims.signature` (base64url), issued at `issuedAt` and valid one hour.
    func signedAssertion(issuedAt: Date) throws -> String {
        var header: [String: JSON] = ["alg": .string("RS256"), "typ": .string("JWT")]
        if let kid = key.privateKeyID { header["kid"] = .string(kid) }
        let iat = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let claims: JSON = .object([
            "iss": .string(key.clientEmail),
            "scope": .string(Self.scope),
            "aud": .string(key.tokenURI),
            "iat": .number(Double(iat)),
            "exp": .number(Double(iat + 3600)),
        ])
        let signingInput = Self.base64URL(JSON.object(header).encoded) + "." + Self.base64URL(claims.encoded)
        let signature = try key.privateKey.signature(for: Array(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
    }

    /// Base64url without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
