import Foundation

/// The fixed vocabulary of the demo shop: where customers live, what they are called, what is sold.
enum DemoCatalog {
    /// A US state customers live in.
    struct State {
        /// Two-letter code.
        var code: String
        /// Relative share of customers.
        var weight: Int
        /// Cities customers live in.
        var cities: [String]
        /// Typical days from shipping to delivery (the warehouse is in Ohio).
        var transitDays: Int64
    }

    /// A product category.
    struct Category {
        /// Lower-case name.
        var name: String
        /// Product kinds in it.
        var nouns: [String]
        /// Price range in cents.
        var cents: ClosedRange<Int64>
    }

    /// Where customers live, with their share of customers.
    static let states: [State] = [
        State(code: "CA", weight: 12, cities: ["Los Angeles", "San Francisco", "San Diego", "Sacramento"], transitDays: 5),
        State(code: "TX", weight: 9, cities: ["Houston", "Austin", "Dallas", "San Antonio"], transitDays: 3),
        State(code: "NY", weight: 7, cities: ["New York", "Buffalo", "Rochester", "Albany"], transitDays: 2),
        State(code: "FL", weight: 7, cities: ["Miami", "Orlando", "Tampa", "Jacksonville"], transitDays: 3),
        State(code: "IL", weight: 4, cities: ["Chicago", "Springfield", "Naperville"], transitDays: 2),
        State(code: "PA", weight: 4, cities: ["Philadelphia", "Pittsburgh", "Allentown"], transitDays: 2),
        State(code: "OH", weight: 4, cities: ["Columbus", "Cleveland", "Cincinnati"], transitDays: 1),
        State(code: "GA", weight: 3, cities: ["Atlanta", "Savannah", "Augusta"], transitDays: 3),
        State(code: "NC", weight: 3, cities: ["Charlotte", "Raleigh", "Durham"], transitDays: 2),
        State(code: "MI", weight: 3, cities: ["Detroit", "Grand Rapids", "Ann Arbor"], transitDays: 2),
        State(code: "NJ", weight: 3, cities: ["Newark", "Jersey City", "Princeton"], transitDays: 2),
        State(code: "VA", weight: 3, cities: ["Richmond", "Virginia Beach", "Arlington"], transitDays: 2),
        State(code: "WA", weight: 3, cities: ["Seattle", "Spokane", "Tacoma"], transitDays: 6),
        State(code: "AZ", weight: 2, cities: ["Phoenix", "Tucson", "Mesa"], transitDays: 5),
        State(code: "MA", weight: 2, cities: ["Boston", "Cambridge", "Worcester"], transitDays: 3),
        State(code: "TN", weight: 2, cities: ["Nashville", "Memphis", "Knoxville"], transitDays: 2),
        State(code: "CO", weight: 2, cities: ["Denver", "Boulder", "Colorado Springs"], transitDays: 4),
        State(code: "MN", weight: 2, cities: ["Minneapolis", "Saint Paul", "Duluth"], transitDays: 3),
        State(code: "OR", weight: 1, cities: ["Portland", "Eugene", "Salem"], transitDays: 6),
        State(code: "NV", weight: 1, cities: ["Las Vegas", "Reno", "Henderson"], transitDays: 5),
    ]

    /// Ten product categories.
    static let categories: [Category] = [
        Category(name: "electronics", nouns: ["Headphones", "Speaker", "Charger", "Keyboard", "Mouse", "Webcam"], cents: 1_500...39_900),
        Category(name: "books", nouns: ["Novel", "Cookbook", "Atlas", "Biography", "Travel Guide", "Anthology"], cents: 800...4_500),
        Category(name: "home", nouns: ["Lamp", "Rug", "Cushion", "Curtain", "Wall Clock", "Mirror"], cents: 1_000...15_000),
        Category(name: "kitchen", nouns: ["Kettle", "Skillet", "Knife Set", "Blender", "Mug Set", "Cutting Board"], cents: 800...12_000),
        Category(name: "toys", nouns: ["Puzzle", "Board Game", "Building Set", "Plush Bear", "Kite", "Robot Kit"], cents: 600...8_000),
        Category(name: "sports", nouns: ["Yoga Mat", "Dumbbell Set", "Tennis Racket", "Bike Helmet", "Water Bottle", "Jump Rope"], cents: 1_000...20_000),
        Category(name: "beauty", nouns: ["Shampoo", "Face Cream", "Perfume", "Lip Balm", "Hair Dryer", "Nail Kit"], cents: 500...6_000),
        Category(name: "garden", nouns: ["Hose", "Planter", "Pruner", "Seed Kit", "Bird Feeder", "Lawn Chair"], cents: 600...12_000),
        Category(name: "clothing", nouns: ["T-Shirt", "Hoodie", "Jeans", "Jacket", "Scarf", "Sneakers"], cents: 1_000...12_000),
        Category(name: "pets", nouns: ["Dog Bed", "Cat Tree", "Leash", "Pet Bowl", "Chew Toy", "Litter Box"], cents: 500...8_000),
    ]

    /// Words that make product kinds into product names.
    static let adjectives = ["Classic", "Compact", "Deluxe", "Eco", "Essential", "Premium", "Smart", "Urban", "Vintage", "Pro"]

    /// Customers' first names.
    static let firstNames = [
        "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mason",
        "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jackson", "Emily", "Mateo", "Ella",
        "Daniel", "Grace", "Henry", "Chloe", "Samuel", "Layla", "David", "Zoe", "Carlos", "Priya", "Wei", "Fatima",
        "Omar", "Hana", "Diego", "Aisha", "Kenji",
    ]

    /// Customers' last names.
    static let lastNames = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Nguyen",
        "Patel", "Kim", "Chen", "Singh", "Khan", "Tanaka", "Okafor", "Rossi", "Novak",
    ]

    /// Relative number of orders by weekday, Sunday first: busy midweek, quieter weekends.
    static let weekdayFactors: [Double] = [0.84, 1.0, 1.03, 1.02, 1.0, 0.95, 0.8]

    /// How many items an order has (1 to 5), as cumulative shares out of 100: 2.2 on average.
    static let itemCountShares = [35, 65, 85, 95, 100]

    /// How many of a product an item orders (1 to 3), as cumulative shares out of 100.
    static let quantityShares = [80, 95, 100]
}
