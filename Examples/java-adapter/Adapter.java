// An example dojo-agent POS adapter in Java 17 (the JDK alone: no build tool, no libraries).
//
//   javac -d build Adapter.java && java -cp build Adapter
//
// dojo-agent starts this program and speaks newline-delimited JSON-RPC 2.0 with it over stdin/stdout
// (Docs/adapter-protocol.md). The agent sends Dojo's own methods (CreateReservationV1, SearchPartiesV1, ...) with
// Dojo's params; this program answers with Dojo's result objects, or with an error whose data.errorType is Dojo's
// errorType. The "POS" is the same in-memory restaurant as Examples/python-adapter: two areas, eight tables, one
// seated party and three orders. JSON objects are Map<String, Object>, arrays List<Object> (a small codec at the
// end of the file).
//
// Rules any adapter must follow: stdout carries protocol messages only, one JSON object per line, flushed; logs go
// to stderr; exit when stdin closes.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.*;
import java.util.function.Function;

public final class Adapter {
    static final List<String> CAPABILITIES = List.of(
        "CreateReservation", "GetReservationById", "UpdateReservation", "DeleteReservationById", "SearchReservations",
        "CreateParty", "GetPartyById", "UpdateParty", "DeletePartyById", "SearchParties",
        "SearchTables", "ListAreas", "GetOrderById", "SearchOrders",
        "HandleEvent:payment_intent.created", "HandleEvent:payment_intent.status_updated");
    static final int DEFAULT_PAGE_SIZE = 50;
    static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);

    static void log(String message) { System.err.println(message); }

    // ---- Errors: each carries Dojo's errorType in data.errorType. ----------------------------------------------
    static final class DojoError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;
        final String errorType;
        DojoError(int code, String errorType, String message) { super(message); this.code = code; this.errorType = errorType; }
    }
    static DojoError notFound(String message) { return new DojoError(-32004, "NotFound", message); }
    static DojoError invalidRequest(String message) { return new DojoError(-32602, "InvalidRequest", message); }

    // ---- Small helpers over JSON values. ------------------------------------------------------------------------
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value) { return value == null ? new LinkedHashMap<>() : (Map<String, Object>) value; }
    @SuppressWarnings("unchecked")
    static List<Object> array(Object value) { return value == null ? new ArrayList<>() : (List<Object>) value; }
    static String string(Map<String, Object> map, String key) { return (String) map.get(key); }
    static Long parseTime(Object text) { return text == null ? null : Instant.parse((String) text).toEpochMilli(); }
    static String formatTime(long millis) { return Instant.ofEpochMilli(millis).toString().replaceFirst("(:\\d\\d)Z$", "$1.000Z"); }
    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int index = 0; index < pairs.length; index += 2) if (pairs[index + 1] != null) map.put((String) pairs[index], pairs[index + 1]);
        return map;
    }
    static Map<String, Object> pick(Map<String, Object> params, List<String> fields) {
        Map<String, Object> picked = new LinkedHashMap<>();
        for (String field : fields) if (params.get(field) != null) picked.put(field, params.get(field));
        return picked;
    }
    /** The entity as Dojo sees it: private fields ("_seq", the Dojo id) stay in the store. */
    static Map<String, Object> publicView(Map<String, Object> entity) {
        Map<String, Object> view = new LinkedHashMap<>(entity);
        view.keySet().removeIf(key -> key.startsWith("_"));
        return view;
    }

    // ---- Paging: a stable order, cursors "<kind>:<key1>:<key2>" (keyset paging: never repeats or skips). --------
    record Key(long first, long second) implements Comparable<Key> {
        public int compareTo(Key other) { return first != other.first ? Long.compare(first, other.first) : Long.compare(second, other.second); }
    }

    static <T> Map<String, Object> paginate(List<T> items, Function<T, Key> orderKey, String kind, Object cursorValue,
                                            Function<T, Object> view) {
        Map<String, Object> cursor = object(cursorValue);
        int limit = cursor.get("limit") == null ? DEFAULT_PAGE_SIZE : ((Number) cursor.get("limit")).intValue();
        List<T> ordered = new ArrayList<>(items);
        ordered.sort(Comparator.comparing(orderKey));
        List<Key> keys = ordered.stream().map(orderKey).toList();
        Function<String, Key> decode = text -> {
            String[] parts = text.split(":", -1);
            try {
                if (parts.length != 3 || !parts[0].equals(kind)) throw new NumberFormatException();
                return new Key(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
            } catch (NumberFormatException error) {
                throw invalidRequest("cursor: " + Json.write(text) + " is not a cursor this POS issued for this search");
            }
        };
        List<Integer> selected = new ArrayList<>();
        Key bound = null;
        if (cursor.get("before") != null) {
            bound = decode.apply((String) cursor.get("before"));
            for (int index = 0; index < keys.size(); index++) if (keys.get(index).compareTo(bound) < 0) selected.add(index);
            selected = selected.subList(Math.max(0, selected.size() - limit), selected.size());
        } else {
            if (cursor.get("after") != null) bound = decode.apply((String) cursor.get("after"));
            for (int index = 0; index < keys.size() && selected.size() < limit; index++) {
                if (bound == null || keys.get(index).compareTo(bound) > 0) selected.add(index);
            }
        }
        Function<Key, String> encode = key -> kind + ":" + key.first() + ":" + key.second();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data", selected.stream().map(index -> view.apply(ordered.get(index))).toList());
        if (!selected.isEmpty() && selected.get(selected.size() - 1) < ordered.size() - 1) {
            page.put("after", encode.apply(keys.get(selected.get(selected.size() - 1))));
        }
        if (!selected.isEmpty() && selected.get(0) > 0 && bound != null) page.put("before", encode.apply(keys.get(selected.get(0))));
        return page;
    }

    // ---- The POS itself. --------------------------------------------------------------------------------------
    static final List<String> RESERVATION_FIELDS = List.of("name", "covers", "startTime", "endTime", "tableIds", "hostNotes", "guestRequests");
    static final List<String> PARTY_FIELDS = List.of("name", "covers", "tableIds", "status", "startTime", "expectedEndTime",
        "endTime", "hostNotes", "guestRequests", "deposit");

    static final class Store {
        long sequence = 0;
        final Map<String, Integer> counters = new HashMap<>(Map.of("res", 0, "party", 0, "order", 0));
        final List<Map<String, Object>> areas = List.of(
            map("id", "area-main", "name", "Main Dining Room", "waiterIds", List.of("waiter-anna", "waiter-ben")),
            map("id", "area-terrace", "name", "Terrace", "waiterIds", List.of("waiter-chloe")));
        final List<Map<String, Object>> tables = new ArrayList<>();
        // Stored entities carry private fields starting with "_" (sequence, Dojo id) that never leave the store.
        final Map<String, Map<String, Object>> reservations = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> parties = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> orders = new LinkedHashMap<>();
        final Set<String> events = new HashSet<>();

        Store() {
            Object[][] rows = {
                {1, "Table 1", 2, "area-main", "waiter-anna"}, {2, "Table 2", 2, "area-main", "waiter-anna"},
                {3, "Table 3", 4, "area-main", "waiter-anna"}, {4, "Table 4", 4, "area-main", "waiter-ben"},
                {5, "Booth 5", 6, "area-main", "waiter-ben"}, {6, "Terrace 1", 2, "area-terrace", "waiter-chloe"},
                {7, "Terrace 2", 4, "area-terrace", "waiter-chloe"}, {8, "Terrace 3", 8, "area-terrace", "waiter-chloe"}};
            for (Object[] row : rows) {
                tables.add(map("id", "table-" + row[0], "name", row[1], "maxCovers", ((Integer) row[2]).longValue(),
                    "areaId", row[3], "waiterIds", List.of(row[4])));
            }
            Map<String, Object> seated = insertParty(map("name", "Patel", "covers", 3L, "tableIds", List.of("table-4"),
                "status", "Ordered", "startTime", formatTime(System.currentTimeMillis() / 1000 * 1000 - 1_800_000)));
            insertOrder(map("items", List.of(map("name", "Margherita pizza", "amountPerItem", gbp(1150), "plu", "PIZ-001", "quantity", 2L)),
                "status", "Accepted", "totalAmount", gbp(2300), "payable", true, "reference", "T4-0001",
                "details", map("orderType", "DineIn", "dineIn", map("tableId", "table-4", "waiterId", "waiter-ben", "partyId", seated.get("id")))));
            insertOrder(map("items", List.of(map("name", "Flat white", "amountPerItem", gbp(340), "plu", "DRK-002", "quantity", 2L)),
                "status", "Finalized", "totalAmount", gbp(680), "payable", false, "paidAmount", gbp(680),
                "details", map("orderType", "DineIn", "dineIn", map("tableId", "table-2", "waiterId", "waiter-anna"))));
            insertOrder(map("items", List.of(map("name", "Tiramisu", "amountPerItem", gbp(650), "plu", "DES-004", "quantity", 1L)),
                "status", "Ready", "totalAmount", gbp(650), "payable", true,
                "details", map("orderType", "Collection", "collection", map("asap", true))));
        }

        static Map<String, Object> gbp(long value) { return map("value", value, "currencyCode", "GBP"); }

        String nextId(String kind) {
            counters.merge(kind, 1, Integer::sum);
            return String.format("%s-%06d", kind, counters.get(kind));
        }

        void requireTables(Object tableIds) {
            Set<Object> known = new HashSet<>();
            for (Map<String, Object> table : tables) known.add(table.get("id"));
            for (Object id : array(tableIds)) if (!known.contains(id)) throw invalidRequest("unknown table id " + Json.write(id));
        }

        Map<String, Object> insertParty(Map<String, Object> party) {
            party.put("id", nextId("party"));
            party.put("_seq", ++sequence);
            parties.put((String) party.get("id"), party);
            return party;
        }

        void insertOrder(Map<String, Object> order) {
            order.put("id", nextId("order"));
            order.put("_seq", ++sequence);
            orders.put((String) order.get("id"), order);
        }

        static Map<String, Object> find(Map<String, Map<String, Object>> entities, Object id, String kind) {
            Map<String, Object> entity = entities.get(id);
            if (entity == null) throw notFound(kind + " " + Json.write(id) + " does not exist");
            return entity;
        }

        static Key byStart(Map<String, Object> entity) { return new Key(parseTime(entity.get("startTime")), (Long) entity.get("_seq")); }

        Object handle(String method, Map<String, Object> params) {
            switch (method) {
                case "CreateReservationV1": {
                    for (Map<String, Object> existing : reservations.values()) {
                        if (existing.get("_dojoReservationId").equals(params.get("dojoReservationId"))) return publicView(existing); // Dojo retried
                    }
                    requireTables(params.get("tableIds"));
                    Map<String, Object> reservation = pick(params, RESERVATION_FIELDS);
                    reservation.putAll(map("id", nextId("res"), "_seq", ++sequence, "_dojoReservationId", params.get("dojoReservationId")));
                    reservations.put((String) reservation.get("id"), reservation);
                    log("reservation " + reservation.get("id") + " created for " + params.get("dojoReservationId"));
                    return publicView(reservation);
                }
                case "UpdateReservationV1": {
                    Map<String, Object> current = find(reservations, params.get("id"), "reservation");
                    requireTables(params.get("tableIds"));
                    // A full replacement: optional fields missing from the update are cleared.
                    Map<String, Object> reservation = pick(params, RESERVATION_FIELDS);
                    reservation.putAll(map("id", current.get("id"), "_seq", current.get("_seq"), "_dojoReservationId", params.get("dojoReservationId")));
                    reservations.put((String) current.get("id"), reservation);
                    return publicView(reservation);
                }
                case "GetReservationByIdV1":
                    return publicView(find(reservations, params.get("reservationId"), "reservation"));
                case "DeleteReservationByIdV1":
                    find(reservations, params.get("reservationId"), "reservation");
                    reservations.remove(params.get("reservationId"));
                    return map();
                case "SearchReservationsV1": {
                    Long from = parseTime(params.get("fromTime")), to = parseTime(params.get("toTime"));
                    List<Map<String, Object>> matches = new ArrayList<>();
                    for (Map<String, Object> reservation : reservations.values()) {
                        // Overlap rule: [startTime, endTime) overlaps [fromTime, toTime).
                        if (params.get("tableId") != null && !array(reservation.get("tableIds")).contains(params.get("tableId"))) continue;
                        if (from != null && parseTime(reservation.get("endTime")) <= from) continue;
                        if (to != null && parseTime(reservation.get("startTime")) >= to) continue;
                        matches.add(reservation);
                    }
                    return paginate(matches, Store::byStart, "res", params.get("cursor"), Adapter::publicView);
                }
                case "CreatePartyV1": {
                    for (Map<String, Object> existing : parties.values()) {
                        if (params.get("dojoPartyId").equals(existing.get("_dojoPartyId"))) return publicView(existing);
                    }
                    requireTables(params.get("tableIds"));
                    Object reservationId = params.get("reservationId");
                    if (reservationId != null && !reservations.containsKey(reservationId)) {
                        throw invalidRequest("unknown reservation id " + Json.write(reservationId));
                    }
                    if (reservationId == null && params.get("dojoReservationId") != null) {
                        for (Map<String, Object> reservation : reservations.values()) {
                            if (reservation.get("_dojoReservationId").equals(params.get("dojoReservationId"))) reservationId = reservation.get("id");
                        }
                    }
                    Map<String, Object> party = pick(params, PARTY_FIELDS);
                    party.remove("endTime");
                    party.put("status", params.get("status") == null ? "Seated" : params.get("status"));
                    withPaymentIntentIds(party);
                    party.putAll(map("reservationId", reservationId, "_dojoPartyId", params.get("dojoPartyId")));
                    insertParty(party);
                    log("party " + party.get("id") + " seated (reservation " + reservationId + ")");
                    return publicView(party);
                }
                case "UpdatePartyV1": {
                    Map<String, Object> current = find(parties, params.get("id"), "party");
                    requireTables(params.get("tableIds"));
                    Map<String, Object> party = pick(params, PARTY_FIELDS);
                    withPaymentIntentIds(party);
                    // UpdatePartyV1 carries no reservationId: keep the link made when the party was seated.
                    party.putAll(map("id", current.get("id"), "_seq", current.get("_seq"), "reservationId", current.get("reservationId"),
                        "_dojoPartyId", params.get("dojoPartyId")));
                    parties.put((String) current.get("id"), party);
                    return publicView(party);
                }
                case "GetPartyByIdV1":
                    return publicView(find(parties, params.get("partyId"), "party"));
                case "DeletePartyByIdV1":
                    find(parties, params.get("partyId"), "party");
                    parties.remove(params.get("partyId"));
                    return map();
                case "SearchPartiesV1": {
                    boolean completedOnly = Boolean.TRUE.equals(params.get("completedOnly"));
                    List<Map<String, Object>> matches = new ArrayList<>();
                    for (Map<String, Object> party : parties.values()) {
                        if (party.containsKey("endTime") != completedOnly) continue;
                        if (params.get("tableId") != null && !array(party.get("tableIds")).contains(params.get("tableId"))) continue;
                        matches.add(party);
                    }
                    return paginate(matches, Store::byStart, "party", params.get("cursor"), Adapter::publicView);
                }
                case "SearchTablesV1": {
                    List<Integer> matches = new ArrayList<>();
                    for (int position = 0; position < tables.size(); position++) {
                        Map<String, Object> table = tables.get(position);
                        if (params.get("areaId") != null && !table.get("areaId").equals(params.get("areaId"))) continue;
                        if (params.get("waiterId") != null && !array(table.get("waiterIds")).contains(params.get("waiterId"))) continue;
                        matches.add(position);
                    }
                    return paginate(matches, position -> new Key(position, 0), "table", params.get("cursor"), tables::get);
                }
                case "ListAreasV1":
                    return areas;
                case "GetOrderByIdV1":
                    return publicView(find(orders, params.get("orderId"), "order"));
                case "SearchOrdersV1": {
                    Map<String, Object> dineIn = object(params.get("dineIn"));
                    List<Map<String, Object>> matches = new ArrayList<>();
                    for (Map<String, Object> order : orders.values()) {
                        Map<String, Object> details = object(object(order.get("details")).get("dineIn"));
                        boolean keep = List.of("tableId", "waiterId", "partyId", "reservationId").stream()
                            .allMatch(key -> dineIn.get(key) == null || dineIn.get(key).equals(details.get(key)));
                        if (keep && (!Boolean.TRUE.equals(params.get("payableOnly")) || Boolean.TRUE.equals(order.get("payable")))) matches.add(order);
                    }
                    return paginate(matches, order -> new Key((Long) order.get("_seq"), 0), "order", params.get("cursor"), Adapter::publicView);
                }
                case "HandleEventV1": {
                    // Dojo delivers at least once: remember each event id once.
                    Map<String, Object> data = object(params.get("data"));
                    if (!events.add(string(params, "id"))) log("Dojo event " + params.get("id") + " already handled");
                    else log("Dojo event " + params.get("event") + ": " + data.get("paymentIntentId") + " is " + data.get("paymentStatus"));
                    return map();
                }
                default:
                    return null;
            }
        }

        static void withPaymentIntentIds(Map<String, Object> party) {
            if (party.get("deposit") != null) object(party.get("deposit")).putIfAbsent("paymentIntentIds", new ArrayList<>());
        }
    }

    // ---- The JSON-RPC side. -------------------------------------------------------------------------------------
    static final Map<String, java.util.concurrent.CompletableFuture<Map<String, Object>>> PENDING =
        new java.util.concurrent.ConcurrentHashMap<>();
    static final java.util.concurrent.atomic.AtomicLong NEXT_ID = new java.util.concurrent.atomic.AtomicLong(1);

    /** Tells the agent an entity changed on the POS (from any thread but the reader's); returns once the agent has
     *  stored the event durably, e.g. publishEvent("PartyUpdated", "partyId", id). */
    static void publishEvent(String eventType, String idKey, String entityId) throws Exception {
        String id = "pos-" + NEXT_ID.getAndIncrement();
        var answer = new java.util.concurrent.CompletableFuture<Map<String, Object>>();
        PENDING.put(id, answer);
        send(map("id", id, "method", "agent/publishEvent", "params", map("eventType", eventType, "event", map(idKey, entityId))));
        Map<String, Object> response = answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
        if (response.containsKey("error")) throw new IllegalStateException("the agent refused it: " + Json.write(response.get("error")));
    }

    static synchronized void send(Map<String, Object> message) {
        Map<String, Object> framed = map("jsonrpc", "2.0");
        framed.putAll(message);
        OUT.print(Json.write(framed) + "\n");
        OUT.flush();
    }

    public static void main(String[] arguments) throws Exception {
        Store store = new Store();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = input.readLine()) != null; ) {
            if (line.isBlank()) continue;
            Map<String, Object> message;
            try {
                message = object(Json.parse(line));
            } catch (RuntimeException error) {
                log("ignoring a line that is not JSON");
                continue;
            }
            if (!message.containsKey("method")) { // a response to one of our agent/publishEvent requests
                var waiting = PENDING.remove(String.valueOf(message.get("id")));
                if (waiting != null) waiting.complete(message);
                continue;
            }
            String method = string(message, "method");
            Object id = message.get("id");
            Map<String, Object> params = object(message.get("params"));
            Object result;
            try {
                if (method.equals("initialize")) {
                    log("agent " + object(params.get("agent")).get("name") + " connected");
                    result = map("protocolVersion", "1", "capabilities", CAPABILITIES,
                        "adapter", map("name", "example-java-adapter", "version", "1.0.0"));
                } else if (method.equals("ping") || method.equals("shutdown")) {
                    result = map();
                } else if ((result = store.handle(method, params)) == null) {
                    send(map("id", id, "error", map("code", -32601L, "message", "method not found: " + method)));
                    continue;
                }
            } catch (DojoError error) {
                send(map("id", id, "error", map("code", (long) error.code, "message", error.getMessage(),
                    "data", map("errorType", error.errorType))));
                continue;
            } catch (RuntimeException error) { // a bug: no data.errorType, so Dojo only sees a generic UnexpectedError
                log("error in " + method + ": " + error);
                send(map("id", id, "error", map("code", -32603L, "message", "internal error: " + error)));
                continue;
            }
            if (id != null) send(map("id", id, "result", result));
        }
        log("stdin closed: exiting");
    }

    // ---- A small JSON codec: objects are LinkedHashMap, arrays ArrayList, integers Long, other numbers Double. ---
    static final class Json {
        private final String text;
        private int at = 0;
        private Json(String text) { this.text = text; }

        static Object parse(String text) {
            Json parser = new Json(text);
            Object value = parser.value();
            parser.space();
            if (parser.at != text.length()) throw new IllegalArgumentException("trailing characters");
            return value;
        }

        private void space() { while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++; }
        private char peek() { space(); if (at >= text.length()) throw new IllegalArgumentException("unexpected end"); return text.charAt(at); }
        private void expect(char c) { if (peek() != c) throw new IllegalArgumentException("expected " + c); at++; }

        private Object value() {
            char c = peek();
            if (c == '{') {
                Map<String, Object> object = new LinkedHashMap<>();
                at++;
                if (peek() == '}') { at++; return object; }
                do { String key = (String) value(); expect(':'); object.put(key, value()); } while (peek() == ',' && at++ >= 0);
                expect('}');
                return object;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                at++;
                if (peek() == ']') { at++; return list; }
                do { list.add(value()); } while (peek() == ',' && at++ >= 0);
                expect(']');
                return list;
            }
            if (c == '"') return string();
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)) { at += word.length(); return word.equals("null") ? null : word.equals("true"); }
            }
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
            String number = text.substring(start, at);
            if (number.isEmpty()) throw new IllegalArgumentException("unexpected " + c);
            return number.matches("-?\\d+") ? (Object) Long.parseLong(number) : (Object) Double.parseDouble(number);
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            at++;
            while (true) {
                char c = text.charAt(at++);
                if (c == '"') return out.toString();
                if (c != '\\') { out.append(c); continue; }
                char e = text.charAt(at++);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> { out.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; }
                    default -> out.append(e);
                }
            }
        }

        static String write(Object value) {
            if (value == null) return "null";
            if (value instanceof String s) {
                StringBuilder out = new StringBuilder("\"");
                for (char c : s.toCharArray()) {
                    if (c == '"' || c == '\\') out.append('\\').append(c);
                    else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
                return out.append('"').toString();
            }
            if (value instanceof Map<?, ?> map) {
                StringJoiner out = new StringJoiner(",", "{", "}");
                map.forEach((key, member) -> out.add(write(key) + ":" + write(member)));
                return out.toString();
            }
            if (value instanceof List<?> list) {
                StringJoiner out = new StringJoiner(",", "[", "]");
                list.forEach(element -> out.add(write(element)));
                return out.toString();
            }
            return String.valueOf(value); // Long, Double, Boolean
        }
    }
}
