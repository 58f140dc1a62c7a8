import AsyncHTTPClient
import BigQueryAPI
import Crypto
import _CryptoExtras
import Foundation
import Synchronization
import Testing

@Suite("BigQuery authentication")
struct BigQueryAuthTests {
    /// Writes a service-account key file for `key` whose token endpoint is `tokenURI`.
    private static func writeKeyFile(_ workspace: Workspace, key: _RSA.Signing.PrivateKey, tokenURI: String) throws -> String {
        let file: [String: String] = [
            "type": "service_account",
            "project_id": "sluice-test",
            "private_key_id": "kid-0123",
            "private_key": key.pkcs8PEMRepresentation,
            "client_email": "sluice@sluice-test.iam.gserviceaccount.com",
            "token_uri": tokenURI,
        ]
        let data = try JSONSerialization.data(withJSONObject: file)
        try workspace.write("key.json", String(decoding: data, as: UTF8.self))
        return workspace.path("key.json")
    }

    /// Decodes base64url without padding.
    private static func base64URLDecode(_ text: Substring) throws -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return try #require(Data(base64Encoded: base64))
    }

    /// Form fields of an `application/x-www-form-urlencoded` body.
    private static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            fields[parts[0]] = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return fields
    }

    private static let tokenReply = StubResponse.json(200, #"{"access_token":"ya29.test-token","expires_in":3599,"token_type":"Bearer"}"#)

    @Test func jwtIsSignedRS256WithExactClaimsAndVerifiesWithThePublicKey() async throws {
        let workspace = try Workspace()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = BigQueryStubServer { _, _ in Self.tokenReply }
        let issuedAt = Date(timeIntervalSince1970: 1_795_000_000)
        _ = try await stub.run { base in
            let keyPath = try Self.writeKeyFile(workspace, key: key, tokenURI: base + "/token")
            let provider = ServiceAccountTokenProvider(key: try ServiceAccountKey(contentsOfFile: keyPath), now: { issuedAt })
            let token = try await provider.fetchToken()
            #expect(token.value == "ya29.test-token")
            #expect(token.expiresAt == issuedAt.addingTimeInterval(3599))
            #expect(!token.description.contains("ya29"))
            return base
        }

        let request = try #require(stub.requests.first)
        #expect(stub.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/token")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        let form = Self.formFields(request.text)
        #expect(form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let assertion = try #require(form["assertion"])
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)

        let header = try #require(try JSONSerialization.jsonObject(with: Self.base64URLDecode(parts[0])) as? [String: String])
        #expect(header == ["alg": "RS256", "typ": "JWT", "kid": "kid-0123"])

        let claims = try #require(try JSONSerialization.jsonObject(with: Self.base64URLDecode(parts[1])) as? [String: Any])
        #expect(Set(claims.keys) == ["iss", "scope", "aud", "iat", "exp"])
        #expect(claims["iss"] as? String == "sluice@sluice-test.iam.gserviceaccount.com")
        #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/cloud-platform")
        #expect((claims["aud"] as? String)?.hasSuffix("/token") == true)
        let iat = try #require(claims["iat"] as? Int)
        let exp = try #require(claims["exp"] as? Int)
        #expect(iat == 1_795_000_000)
        #expect(exp - iat == 3600)

        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try Self.base64URLDecode(parts[2]))
        #expect(key.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
        let tampered = Data("\(parts[0]).\(parts[1])x".utf8)
        #expect(!key.publicKey.isValidSignature(signature, for: tampered, padding: .insecurePKCS1v1_5))
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(!otherKey.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
    }

    @Test func cachedTokenIsFetchedOnceFor50ConcurrentCallersAndRefreshedFourMinutesBeforeExpiry() async throws {
        let workspace = try Workspace()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = BigQueryStubServer { request, index in
            request.path == "/token"
                ? StubResponse.json(200, #"{"access_token":"token-\#(index + 1)","expires_in":3600,"token_type":"Bearer"}"#)
                : StubResponse(status: 404)
        }
        let clock = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        _ = try await stub.run { base in
            let keyPath = try Self.writeKeyFile(workspace, key: key, tokenURI: base + "/token")
            let source = ServiceAccountTokenProvider(key: try ServiceAccountKey(contentsOfFile: keyPath), now: now)
            let cached = CachedTokenProvider(source: source, now: now)

            let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await cached.token() }
                }
                var tokens: [String?] = []
                for try await token in group { tokens.append(token) }
                return tokens
            }
            #expect(tokens.count == 50)
            #expect(Set(tokens) == ["token-1"])
            #expect(stub.requests.count == 1)

            clock.withLock { $0 += 3600 - 300 }
            #expect(try await cached.token() == "token-1")
            #expect(stub.requests.count == 1)

            clock.withLock { $0 += 100 }
            #expect(try await cached.token() == "token-2")
            #expect(try await cached.token() == "token-2")
            #expect(stub.requests.count == 2)
            return base
        }
    }

    @Test(arguments: [
        ("not json at all", "file is not JSON"),
        (#"{"type":"service_account","client_email":"a@b.c","token_uri":"https://oauth2.googleapis.com/token"}"#, "field private_key is missing"),
        (#"{"type":"service_account","client_email":"a@b.c","private_key":"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"}"#,
         "field private_key is not a PEM private key"),
        (#"{"type":"service_account","private_key":"x"}"#, "field client_email is missing"),
        (#"{"type":"authorized_user","client_id":"x","refresh_token":"y"}"#, "field client_secret is missing"),
        (#"{"type":"external_account"}"#, "field type is \"external_account\"; Sluice reads \"service_account\" keys and \"authorized_user\" credentials"),
    ])
    func malformedKeyFilesNameTheFileAndTheField(contents: String, expected: String) throws {
        let workspace = try Workspace()
        try workspace.write("bad-key.json", contents)
        let path = workspace.path("bad-key.json")
        let error = try #require(throws: BigQueryError.self) {
            _ = try BigQueryCredentials.provider(environment: ["GOOGLE_APPLICATION_CREDENTIALS": path], httpClient: .shared)
        }
        #expect(error.reason == "badCredentials")
        #expect(error.description.contains("GOOGLE_APPLICATION_CREDENTIALS=\(path): \(expected)"))
    }

    @Test func aMissingKeyFileIsNamed() throws {
        let error = try #require(throws: BigQueryError.self) {
            _ = try BigQueryCredentials.provider(
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/key.json"], httpClient: .shared
            )
        }
        #expect(error.description.contains("GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/key.json: file cannot be read"))
    }

    @Test func rejectedCredentialsSayWhyWithoutShowingTokens() async throws {
        let workspace = try Workspace()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = BigQueryStubServer { request, _ in
            if request.path == "/token" {
                return .json(400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
            }
            return .error(401, reason: "authError", message: "Request had invalid authentication credentials.")
        }
        _ = try await stub.run { base in
            let keyPath = try Self.writeKeyFile(workspace, key: key, tokenURI: base + "/token")
            let provider = try BigQueryCredentials.provider(
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": keyPath], httpClient: .shared
            )
            let grantError = await #expect(throws: BigQueryError.self) { _ = try await provider.token() }
            #expect(grantError?.reason == "badCredentials")
            #expect(grantError?.description.contains("invalid_grant") == true)
            #expect(grantError?.description.contains("Invalid JWT Signature.") == true)
            let assertion = Self.formFields(try #require(stub.requests.first).text)["assertion"] ?? "missing"
            #expect(grantError?.description.contains(assertion) == false)

            let client = BigQueryClient(
                project: "sluice-test", location: "US", endpoint: base,
                tokens: StaticTokenProvider(token: "ya29.SECRET-TOKEN"), retry: .immediate, logger: .init(label: "test")
            )
            let apiError = await #expect(throws: BigQueryError.self) { _ = try await client.table(dataset: "raw", table: "orders") }
            #expect(apiError?.httpStatus == 401)
            #expect(apiError?.hint?.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
            #expect(apiError?.description.contains("SECRET") == false)
            #expect(stub.requests(path: "/tables/").first?.header("Authorization") == "Bearer ya29.SECRET-TOKEN")
            return base
        }
    }

    @Test func metadataServerIsAskedWithTheMetadataFlavorHeader() async throws {
        let stub = BigQueryStubServer { _, _ in Self.tokenReply }
        _ = try await stub.run { base in
            let host = String(base.dropFirst("http://".count))
            let provider = try BigQueryCredentials.provider(environment: ["GCE_METADATA_HOST": host], httpClient: .shared)
            #expect(provider is CachedTokenProvider)
            #expect(try await provider.token() == "ya29.test-token")
            #expect(try await provider.token() == "ya29.test-token")
            return base
        }
        #expect(stub.requests.count == 1)
        let request = try #require(stub.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/computeMetadata/v1/instance/service-accounts/default/token")
        #expect(request.header("Metadata-Flavor") == "Google")
    }

    @Test func anUnreachableMetadataServerIsTriedFiveTimesThenSaysWhichCredentialsToSet() async throws {
        let pauses = SleepLog()
        let provider = MetadataServerTokenProvider(host: "127.0.0.1:1", timeout: .seconds(5), pause: pauses.policy.sleep)
        let error = await #expect(throws: BigQueryError.self) { _ = try await provider.fetchToken() }
        #expect(error?.reason == "noCredentials")
        #expect(error?.message.contains("did not answer in 5 tries") == true, "\(error?.message ?? "")")
        #expect(error?.hint?.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
        #expect(pauses.delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    @Test func aFailingMetadataServerIsAskedAgain() async throws {
        let counter = EventCounter()
        let stub = BigQueryStubServer { _, _ in counter.next("token") <= 2 ? StubResponse(status: 503) : Self.tokenReply }
        _ = try await stub.run { base in
            let provider = MetadataServerTokenProvider(host: String(base.dropFirst("http://".count)), pause: { _ in })
            let token = try await provider.fetchToken()
            #expect(token.value == "ya29.test-token")
            return base
        }
        #expect(stub.requests.count == 3)
    }

    @Test func authorizedUserCredentialsAreRefreshedAtTheTokenURIFromTheEnvironmentOrGcloudsFile() async throws {
        let stub = BigQueryStubServer { _, _ in Self.tokenReply }
        _ = try await stub.run { base in
            let workspace = try Workspace()
            let file = #"{"type":"authorized_user","client_id":"123.apps.googleusercontent.com","client_secret":"d-FL95Q","refresh_token":"1//0refresh","token_uri":"\#(base)/token"}"#
            try workspace.write("adc.json", file)
            try workspace.write("home/.config/gcloud/application_default_credentials.json", file)
            let explicit = try BigQueryCredentials.provider(environment: ["GOOGLE_APPLICATION_CREDENTIALS": workspace.path("adc.json")], httpClient: .shared)
            #expect(try await explicit.token() == "ya29.test-token")
            let gcloud = try BigQueryCredentials.provider(environment: ["HOME": workspace.path("home")], httpClient: .shared)
            #expect(gcloud is CachedTokenProvider)
            #expect(try await gcloud.token() == "ya29.test-token")
            let elsewhere = try BigQueryCredentials.provider(environment: ["CLOUDSDK_CONFIG": workspace.path("home/.config/gcloud")], httpClient: .shared)
            #expect(try await elsewhere.token() == "ya29.test-token")
            return base
        }
        #expect(stub.requests.count == 3)
        let request = try #require(stub.requests.first)
        #expect(request.method == "POST" && request.path == "/token")
        #expect(Self.formFields(request.text) == [
            "grant_type": "refresh_token", "client_id": "123.apps.googleusercontent.com", "client_secret": "d-FL95Q",
            "refresh_token": "1//0refresh",
        ])
    }

    @Test func aRevokedRefreshTokenSaysToLogInAgain() async throws {
        let stub = BigQueryStubServer { _, _ in StubResponse.json(400, #"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#) }
        let error: BigQueryError? = try await stub.run { base in
            let workspace = try Workspace()
            try workspace.write("adc.json", #"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r","token_uri":"\#(base)/token"}"#)
            let provider = try BigQueryCredentials.provider(environment: ["GOOGLE_APPLICATION_CREDENTIALS": workspace.path("adc.json")], httpClient: .shared)
            do {
                _ = try await provider.token()
                return nil
            } catch let error as BigQueryError {
                return error
            }
        }
        #expect(error?.reason == "badCredentials")
        #expect(error?.message.contains("Token has been expired or revoked") == true)
        #expect(error?.hint?.contains("gcloud auth application-default login") == true)
    }

    @Test func credentialsAreChosenFromTheEnvironmentInGooglesOrder() async throws {
        let given = try BigQueryCredentials.provider(
            environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "given", "BIGQUERY_EMULATOR_HOST": "localhost:9050"], httpClient: .shared
        )
        #expect(try await given.token() == "given")
        let emulator = try BigQueryCredentials.provider(environment: ["BIGQUERY_EMULATOR_HOST": "localhost:9050"], httpClient: .shared)
        #expect(emulator is NoTokenProvider)
        #expect(try await emulator.token() == nil)
        let override = try BigQueryCredentials.provider(environment: ["BIGQUERY_API_ENDPOINT": "http://localhost:9050"], httpClient: .shared)
        #expect(override is NoTokenProvider)
        let metadata = try BigQueryCredentials.provider(environment: [:], httpClient: .shared)
        #expect(metadata is CachedTokenProvider)
    }
}
