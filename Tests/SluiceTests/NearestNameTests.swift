import Testing
import SluiceCore

@Suite("NearestName")
struct NearestNameTests {
    @Test("nearest names")
    func nearestNames() {
        let keys = ["schedule", "channel", "owners", "max_parallelism", "sources", "loads", "models", "checks"]
        #expect(NearestName.suggestions(for: "shedule", in: keys) == ["schedule"])
        #expect(NearestName.suggestions(for: "chanel", in: keys) == ["channel"])
        #expect(NearestName.suggestions(for: "MODELS", in: keys) == ["models"])
        #expect(NearestName.suggestions(for: "sourcse", in: keys) == ["sources"])
        #expect(NearestName.suggestions(for: "xyzzy", in: keys).isEmpty)
        #expect(NearestName.suggestions(for: "schedule", in: keys).isEmpty)
        #expect(NearestName.suggestions(for: "orders", in: ["raw.orders", "staging.stg_orders", "raw.customers"]) == ["raw.orders"])
        #expect(NearestName.suggestions(for: "London", in: ["Europe/London", "Europe/Paris"]) == ["Europe/London"])
        #expect(NearestName.suggestions(for: "load", in: ["loads", "loaf", "lead", "road", "goad"], limit: 2) == ["loads", "loaf"])
        #expect(NearestName.suggestions(for: "load", in: ["loads"], limit: 0).isEmpty)
    }
}
