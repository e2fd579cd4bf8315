import DojoProtocol
import Testing

@Suite struct EntityTests {
    @Test func modifierPricedAsAmountPerItemIsAcceptedAndWrittenAsAmountPerModifier() throws {
        // The spec's full Order example prices modifiers with `amountPerItem`; the schema says `amountPerModifier`.
        let json: JSONValue = [
            "name": "Extra Cheese", "quantity": 1, "plu": "10987",
            "amountPerItem": ["value": 0, "currencyCode": "GBP"],
        ]
        let modifier = try Modifier(json: json)
        #expect(modifier.amountPerModifier == Money(value: 0, currencyCode: "GBP"))
        #expect(
            modifier.jsonValue
                == [
                    "name": "Extra Cheese", "quantity": 1, "plu": "10987",
                    "amountPerModifier": ["value": 0, "currencyCode": "GBP"],
                ]
        )
    }

    @Test func fullSpecOrderExampleDecodesAndNormalisesTimestamps() throws {
        let json = try JSONValue(
            parsing: #"""
                {"id":"ord_12345678","details":{"orderType":"DineIn","dineIn":{"tableId":"Table 5","waiterId":"Becky"}},
                 "items":[{"quantity":1,"name":"Burger","plu":"234","amountPerItem":{"value":1090,"currencyCode":"GBP"},
                           "modifiers":[{"name":"No Lettuce","quantity":1,"amountPerItem":{"value":0,"currencyCode":"GBP"},"plu":"74983"}]}],
                 "discounts":[{"name":"10% discount","amountTotal":{"value":621,"currencyCode":"GBP"},"amountPercentage":1000}],
                 "serviceChargeAmount":{"value":6295,"currencyCode":"GBP"},
                 "taxLines":[{"id":"VAT","name":"VAT","amountPercentage":20,"amountTotal":{"value":6295,"currencyCode":"GBP"}}],
                 "status":"Created","createdAt":"2022-03-15T20:00:00Z","updatedAt":"2022-03-15T20:00:00Z",
                 "totalAmount":{"value":6295,"currencyCode":"GBP"},"payable":true,
                 "paidAmount":{"value":0,"currencyCode":"GBP"},"reference":"Table 5",
                 "customer":{"emailAddress":"support@dojo.com","phoneNumber":448000443550}}
                """#
        )
        let order = try Order(json: json, path: "result")
        #expect(order.createdAt?.iso8601String == "2022-03-15T20:00:00.000Z")
        #expect(order.discounts?.first?.amountPercentage == 1000)
        #expect(order.taxLines?.first?.id == "VAT")
        #expect(order.items?.first?.modifiers?.first?.amountPerModifier.value == 0)
        // The example's numeric phone number is kept as its digits.
        #expect(order.customer?.phoneNumber == "448000443550")
        #expect(order.jsonValue["createdAt"] == "2022-03-15T20:00:00.000Z")
        #expect(try Order(json: order.jsonValue) == order)
    }

    @Test func orderNeedsStatusAndDetails() {
        let error = #expect(throws: DojoProtocolError.self) { try Order(json: ["status": "New"], path: "result") }
        #expect(error?.message == "result.details: required field is missing")
        let type = #expect(throws: DojoProtocolError.self) {
            try Order(json: ["status": "New", "details": [:]], path: "result.data[3]")
        }
        #expect(type?.message == "result.data[3].details.orderType: required field is missing")
    }

    @Test func partyOmitsAbsentOptionals() {
        let party = Party(id: "p-1", tableIDs: ["t1"], status: "Seated", startTime: Timestamp(millisecondsSince1970: 0))
        #expect(
            party.jsonValue
                == ["id": "p-1", "tableIds": ["t1"], "status": "Seated", "startTime": "1970-01-01T00:00:00.000Z"]
        )
    }

    @Test func hugeAndFractionalNumbersAreRefusedAsIntegers() {
        let huge = #expect(throws: DojoProtocolError.self) {
            try Money(json: ["value": 1e20, "currencyCode": "GBP"], path: "amount")
        }
        #expect(
            huge?.message
                == "amount.value: expected an integer written as digits only (no fraction or exponent) between "
                + "-9223372036854775808 and 9223372036854775807, got another number"
        )
        let negative = #expect(throws: DojoProtocolError.self) {
            try OrderItem(json: [
                "name": "x", "plu": "1", "quantity": -2, "amountPerItem": ["value": 1, "currencyCode": "GBP"],
            ])
        }
        #expect(negative?.message == "quantity: must be a non-negative integer, got -2")
    }

    @Test func resultDecodingNamesThePathUnderResult() throws {
        let error = #expect(throws: DojoProtocolError.self) {
            try DojoResult(json: ["data": [["id": "t1"]]], for: .searchTables)
        }
        #expect(error?.message == "result.data[0].name: required field is missing")
        #expect(throws: DojoProtocolError.self) { try DojoResult(json: [], for: .deleteParty) }
        #expect(try DojoResult(json: [:], for: .deleteParty) == .empty)
    }
}
