/// RFC 8288 `Link` header values: `<https://api.example.com/items?page=2>; rel="next", <…>; rel="last"`.
/// Several links may share one header and several headers may be sent; a target may itself hold
/// commas and semicolons (inside `<…>`), parameter values may be tokens or quoted strings, and `rel`
/// may list several relation types separated by spaces.
enum HTTPLinkHeader {
    /// One link: its target as written (maybe relative) and its parameters (names lowercased).
    struct Link: Equatable {
        var target: String
        var parameters: [String: String]

        /// The relation types of `rel`, lowercased.
        var relations: [String] {
            (parameters["rel"] ?? "").lowercased().split(separator: " ").map(String.init)
        }
    }

    /// The target of the first link whose relation is `next`, or nil.
    static func next(in values: [String]) -> String? {
        values.lazy.flatMap { links(in: $0) }.first { $0.relations.contains("next") }?.target
    }

    /// Every link of one header value; text that does not parse ends the value (what came before it stays).
    static func links(in value: String) -> [Link] {
        var links: [Link] = []
        var rest = Substring(value)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return links }
            let target = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            var parameters: [String: String] = [:]
            while true {
                rest = rest.drop { $0 == " " || $0 == "\t" }
                guard rest.first == ";" else { break }
                rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
                let name = rest.prefix { $0 != "=" && $0 != ";" && $0 != "," && $0 != " " }
                rest = rest[name.endIndex...].drop { $0 == " " || $0 == "\t" }
                var parameter = ""
                if rest.first == "=" {
                    rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
                    if rest.first == "\"" {
                        rest = rest.dropFirst()
                        var escaped = false
                        var end = rest.endIndex
                        for index in rest.indices {
                            let character = rest[index]
                            if escaped {
                                parameter.append(character)
                                escaped = false
                            } else if character == "\\" {
                                escaped = true
                            } else if character == "\"" {
                                end = index
                                break
                            } else {
                                parameter.append(character)
                            }
                        }
                        rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
                    } else {
                        let token = rest.prefix { $0 != ";" && $0 != "," && $0 != " " && $0 != "\t" }
                        parameter = String(token)
                        rest = rest[token.endIndex...]
                    }
                }
                let key = name.lowercased()
                // RFC 8288 §3.3: a repeated `rel` after the first is ignored.
                if !key.isEmpty, parameters[key] == nil { parameters[key] = parameter }
            }
            links.append(Link(target: target, parameters: parameters))
        }
    }
}
