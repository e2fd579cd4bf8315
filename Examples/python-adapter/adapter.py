#!/usr/bin/env python3
"""An example dojo-agent POS adapter in Python (standard library only).

dojo-agent starts this program and speaks newline-delimited JSON-RPC 2.0 with it over stdin/stdout
(see Docs/adapter-protocol.md). The agent sends Dojo's own methods (CreateReservationV1, SearchPartiesV1, ...)
with Dojo's params; this program answers with Dojo's result objects, or with an error whose data.errorType is
Dojo's errorType. It can also tell the agent about changes made on the POS itself (agent/publishEvent); the
agent answers only once the event is stored in its outbox, so the POS knows it will reach Dojo.

The "POS" here is an in-memory restaurant: two areas, eight tables, one seated party and three orders.
Run with --simulate-till SECONDS to have a pretend waiter add a coffee to order-000001 every SECONDS and
publish OrderUpdated for it.

Rules this program follows, which any adapter must:
  * stdout carries protocol messages only, one JSON object per line; logs go to stderr.
  * flush after every message.
  * exit when stdin reaches end of file.
"""

import argparse
import itertools
import json
import sys
import threading
from datetime import datetime, timedelta, timezone

PROTOCOL_VERSION = "1"
ADAPTER_NAME = "example-python-adapter"
ADAPTER_VERSION = "1.0.0"
DEFAULT_PAGE_SIZE = 50

CAPABILITIES = [
    "CreateReservation", "GetReservationById", "UpdateReservation", "DeleteReservationById", "SearchReservations",
    "CreateParty", "GetPartyById", "UpdateParty", "DeletePartyById", "SearchParties",
    "SearchTables", "ListAreas", "GetOrderById", "SearchOrders",
    "HandleEvent:payment_intent.created", "HandleEvent:payment_intent.status_updated",
]


def log(message):
    """Everything that is not a protocol message goes to stderr; the agent copies it to its own log."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Errors: each maps to Dojo's errorType through the error's data.errorType.

class DojoError(Exception):
    code = -32000
    error_type = "UnexpectedError"

    def to_json(self):
        return {"code": self.code, "message": str(self), "data": {"errorType": self.error_type}}


class NotFound(DojoError):
    code = -32004
    error_type = "NotFound"


class InvalidRequest(DojoError):
    code = -32602
    error_type = "InvalidRequest"


# ---------------------------------------------------------------------------------------------------------------
# Times: Dojo sends ISO 8601 with a zone; the store keeps milliseconds since 1970 and answers in UTC with "Z".

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time(text):
    if text is None:
        return None
    delta = datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def format_time(millis):
    if millis is None:
        return None
    return (EPOCH + timedelta(milliseconds=millis)).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (millis % 1000)


def without_none(record):
    """Dojo leaves absent optional members out rather than sending null."""
    return {key: value for key, value in record.items() if value is not None}


# ---------------------------------------------------------------------------------------------------------------
# Paging: results in a stable order, cursors are "<kind>:<key1>:<key2>" positions (keyset paging), so entities
# added or removed elsewhere never make a page repeat or skip one.

def paginate(items, order_key, kind, cursor):
    """items: every matching entity; order_key(item) -> (int, int). Returns Dojo's {data, before?, after?}."""
    cursor = cursor or {}
    limit = cursor.get("limit") or DEFAULT_PAGE_SIZE
    ordered = sorted(items, key=order_key)
    keys = [order_key(item) for item in ordered]

    def decode(text, member):
        parts = text.split(":")
        try:
            if len(parts) != 3 or parts[0] != kind:
                raise ValueError
            return (int(parts[1]), int(parts[2]))
        except ValueError:
            raise InvalidRequest("cursor.%s: %s is not a cursor this POS issued for this search"
                                 % (member, json.dumps(text)))

    def encode(key):
        return "%s:%d:%d" % (kind, key[0], key[1])

    if cursor.get("before"):
        bound = decode(cursor["before"], "before")
        earlier = [index for index, key in enumerate(keys) if key < bound]
        start = max(0, len(earlier) - limit)
        selected = earlier[start:]
    else:
        bound = decode(cursor["after"], "after") if cursor.get("after") else None
        later = [index for index, key in enumerate(keys) if bound is None or key > bound]
        selected = later[:limit]

    page = {"data": [ordered[index] for index in selected]}
    if selected and selected[-1] < len(ordered) - 1:
        page["after"] = encode(keys[selected[-1]])
    if selected and selected[0] > 0 and (bound is not None):
        page["before"] = encode(keys[selected[0]])
    return page


# ---------------------------------------------------------------------------------------------------------------
# The POS itself.

class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.sequence = itertools.count(1)
        self.counters = {"res": 0, "party": 0, "order": 0}
        self.areas = [
            {"id": "area-main", "name": "Main Dining Room", "waiterIds": ["waiter-anna", "waiter-ben"]},
            {"id": "area-terrace", "name": "Terrace", "waiterIds": ["waiter-chloe"]},
        ]
        self.tables = [
            {"id": "table-%d" % number, "name": name, "maxCovers": covers, "areaId": area, "waiterIds": [waiter]}
            for number, name, covers, area, waiter in [
                (1, "Table 1", 2, "area-main", "waiter-anna"), (2, "Table 2", 2, "area-main", "waiter-anna"),
                (3, "Table 3", 4, "area-main", "waiter-anna"), (4, "Table 4", 4, "area-main", "waiter-ben"),
                (5, "Booth 5", 6, "area-main", "waiter-ben"), (6, "Terrace 1", 2, "area-terrace", "waiter-chloe"),
                (7, "Terrace 2", 4, "area-terrace", "waiter-chloe"), (8, "Terrace 3", 8, "area-terrace", "waiter-chloe"),
            ]
        ]
        # Stored entities carry private fields starting with "_" (sequence, Dojo id) that never leave the store.
        self.reservations = {}
        self.parties = {}
        self.orders = {}
        self.events = {}
        now = parse_time(datetime.now(tz=timezone.utc).isoformat())
        seated = self._insert_party({
            "name": "Patel", "covers": 3, "tableIds": ["table-4"], "status": "Ordered",
            "startTime": format_time(now - 1_800_000), "_dojoPartyId": None,
        })
        gbp = lambda value: {"value": value, "currencyCode": "GBP"}
        self._insert_order({
            "items": [{"name": "Margherita pizza", "amountPerItem": gbp(1150), "plu": "PIZ-001", "quantity": 2}],
            "status": "Accepted", "totalAmount": gbp(2300), "payable": True, "reference": "T4-0001",
            "details": {"orderType": "DineIn",
                        "dineIn": {"tableId": "table-4", "waiterId": "waiter-ben", "partyId": seated["id"]}},
        })
        self._insert_order({
            "items": [{"name": "Flat white", "amountPerItem": gbp(340), "plu": "DRK-002", "quantity": 2}],
            "status": "Finalized", "totalAmount": gbp(680), "payable": False, "paidAmount": gbp(680),
            "details": {"orderType": "DineIn", "dineIn": {"tableId": "table-2", "waiterId": "waiter-anna"}},
        })
        self._insert_order({
            "items": [{"name": "Tiramisu", "amountPerItem": gbp(650), "plu": "DES-004", "quantity": 1}],
            "status": "Ready", "totalAmount": gbp(650), "payable": True,
            "details": {"orderType": "Collection", "collection": {"asap": True}},
        })

    # -- helpers --------------------------------------------------------------------------------------------

    def _next_id(self, kind):
        self.counters[kind] += 1
        return "%s-%06d" % (kind, self.counters[kind])

    def _require_tables(self, table_ids):
        known = {table["id"] for table in self.tables}
        for table_id in table_ids:
            if table_id not in known:
                raise InvalidRequest("unknown table id %s" % json.dumps(table_id))

    @staticmethod
    def _public(entity):
        return {key: value for key, value in entity.items() if not key.startswith("_")}

    def _insert_party(self, party):
        party = dict(party, id=self._next_id("party"), _seq=next(self.sequence))
        self.parties[party["id"]] = without_none(party)
        return party

    def _insert_order(self, order):
        order = dict(order, id=self._next_id("order"), _seq=next(self.sequence))
        self.orders[order["id"]] = order
        return order

    # -- reservations ---------------------------------------------------------------------------------------

    RESERVATION_FIELDS = ["name", "covers", "startTime", "endTime", "tableIds", "hostNotes", "guestRequests"]

    def create_reservation(self, params):
        for existing in self.reservations.values():
            if existing["_dojoReservationId"] == params["dojoReservationId"]:
                return self._public(existing)  # Dojo retried: answer with what was created
        self._require_tables(params["tableIds"])
        reservation = {field: params.get(field) for field in self.RESERVATION_FIELDS}
        reservation.update(id=self._next_id("res"), _seq=next(self.sequence),
                           _dojoReservationId=params["dojoReservationId"])
        self.reservations[reservation["id"]] = without_none(reservation)
        log("reservation %s created for %s" % (reservation["id"], params["dojoReservationId"]))
        return self._public(self.reservations[reservation["id"]])

    def update_reservation(self, params):
        current = self._reservation(params["id"])
        self._require_tables(params["tableIds"])
        # A full replacement: optional fields missing from the update are cleared.
        reservation = {field: params.get(field) for field in self.RESERVATION_FIELDS}
        reservation.update(id=current["id"], _seq=current["_seq"], _dojoReservationId=params["dojoReservationId"])
        self.reservations[current["id"]] = without_none(reservation)
        return self._public(self.reservations[current["id"]])

    def _reservation(self, reservation_id):
        if reservation_id not in self.reservations:
            raise NotFound("reservation %s does not exist" % json.dumps(reservation_id))
        return self.reservations[reservation_id]

    def get_reservation(self, params):
        return self._public(self._reservation(params["reservationId"]))

    def delete_reservation(self, params):
        self._reservation(params["reservationId"])
        del self.reservations[params["reservationId"]]
        return {}

    def search_reservations(self, params):
        from_time, to_time = parse_time(params.get("fromTime")), parse_time(params.get("toTime"))
        matches = []
        for reservation in self.reservations.values():
            start, end = parse_time(reservation["startTime"]), parse_time(reservation["endTime"])
            # Overlap rule: [startTime, endTime) overlaps [fromTime, toTime).
            if params.get("tableId") and params["tableId"] not in reservation["tableIds"]:
                continue
            if from_time is not None and end <= from_time:
                continue
            if to_time is not None and start >= to_time:
                continue
            matches.append(reservation)
        page = paginate(matches, lambda item: (parse_time(item["startTime"]), item["_seq"]), "res",
                        params.get("cursor"))
        page["data"] = [self._public(item) for item in page["data"]]
        return page

    # -- parties --------------------------------------------------------------------------------------------

    PARTY_FIELDS = ["name", "covers", "tableIds", "status", "startTime", "expectedEndTime", "endTime",
                    "hostNotes", "guestRequests", "deposit"]

    def create_party(self, params):
        for existing in self.parties.values():
            if existing.get("_dojoPartyId") == params["dojoPartyId"]:
                return self._public(existing)
        self._require_tables(params["tableIds"])
        reservation_id = params.get("reservationId")
        if reservation_id is not None and reservation_id not in self.reservations:
            raise InvalidRequest("unknown reservation id %s" % json.dumps(reservation_id))
        if reservation_id is None and params.get("dojoReservationId"):
            for reservation in self.reservations.values():
                if reservation["_dojoReservationId"] == params["dojoReservationId"]:
                    reservation_id = reservation["id"]
        party = {field: params.get(field) for field in self.PARTY_FIELDS if field != "endTime"}
        party["status"] = params.get("status") or "Seated"
        if party.get("deposit") is not None:
            party["deposit"].setdefault("paymentIntentIds", [])
        party.update(reservationId=reservation_id, _dojoPartyId=params["dojoPartyId"])
        party = self._insert_party(party)
        log("party %s seated (reservation %s)" % (party["id"], reservation_id))
        return self._public(self.parties[party["id"]])

    def update_party(self, params):
        current = self._party(params["id"])
        self._require_tables(params["tableIds"])
        party = {field: params.get(field) for field in self.PARTY_FIELDS}
        if party.get("deposit") is not None:
            party["deposit"].setdefault("paymentIntentIds", [])
        # UpdatePartyV1 carries no reservationId: keep the link made when the party was seated.
        party.update(id=current["id"], _seq=current["_seq"], reservationId=current.get("reservationId"),
                     _dojoPartyId=params["dojoPartyId"])
        self.parties[current["id"]] = without_none(party)
        return self._public(self.parties[current["id"]])

    def _party(self, party_id):
        if party_id not in self.parties:
            raise NotFound("party %s does not exist" % json.dumps(party_id))
        return self.parties[party_id]

    def get_party(self, params):
        return self._public(self._party(params["partyId"]))

    def delete_party(self, params):
        self._party(params["partyId"])
        del self.parties[params["partyId"]]
        return {}

    def search_parties(self, params):
        completed_only = params.get("completedOnly") is True
        matches = [
            party for party in self.parties.values()
            if ("endTime" in party) == completed_only
            and (not params.get("tableId") or params["tableId"] in party["tableIds"])
        ]
        page = paginate(matches, lambda item: (parse_time(item["startTime"]), item["_seq"]), "party",
                        params.get("cursor"))
        page["data"] = [self._public(item) for item in page["data"]]
        return page

    # -- venue, orders, Dojo events ---------------------------------------------------------------------------

    def search_tables(self, params):
        matches = [
            (position, table) for position, table in enumerate(self.tables)
            if (not params.get("areaId") or table["areaId"] == params["areaId"])
            and (not params.get("waiterId") or params["waiterId"] in table["waiterIds"])
        ]
        page = paginate(matches, lambda item: (item[0], 0), "table", params.get("cursor"))
        page["data"] = [table for _, table in page["data"]]
        return page

    def list_areas(self, params):
        return self.areas

    def get_order(self, params):
        if params["orderId"] not in self.orders:
            raise NotFound("order %s does not exist" % json.dumps(params["orderId"]))
        return self._public(self.orders[params["orderId"]])

    def search_orders(self, params):
        dine_in = params.get("dineIn") or {}
        matches = []
        for order in self.orders.values():
            details = order["details"].get("dineIn") or {}
            if any(details.get(key) != value for key, value in dine_in.items()
                   if key in ("tableId", "waiterId", "partyId", "reservationId") and value is not None):
                continue
            if params.get("payableOnly") and not order.get("payable"):
                continue
            matches.append(order)
        page = paginate(matches, lambda item: (item["_seq"], 0), "order", params.get("cursor"))
        page["data"] = [self._public(item) for item in page["data"]]
        return page

    def handle_event(self, params):
        # Dojo delivers at least once: remember each event id once.
        if params["id"] in self.events:
            log("Dojo event %s already handled" % params["id"])
        else:
            self.events[params["id"]] = params
            log("Dojo event %s: %s is %s" % (params["event"], params["data"]["paymentIntentId"],
                                             params["data"]["paymentStatus"]))
        return {}

    def add_coffee(self, order_id):
        """What a waiter does at the till: a change made on the POS, which Dojo must hear about."""
        order = self.orders[order_id]
        order["items"].append({"name": "Flat white", "amountPerItem": {"value": 340, "currencyCode": "GBP"},
                               "plu": "DRK-002", "quantity": 1})
        order["totalAmount"]["value"] += 340


# ---------------------------------------------------------------------------------------------------------------
# The JSON-RPC side.

class Connection:
    def __init__(self, store):
        self.store = store
        self.write_lock = threading.Lock()
        self.pending = {}  # our request id -> (threading.Event, [response])
        self.next_id = itertools.count(1)
        self.methods = {
            "CreateReservationV1": store.create_reservation,
            "UpdateReservationV1": store.update_reservation,
            "DeleteReservationByIdV1": store.delete_reservation,
            "GetReservationByIdV1": store.get_reservation,
            "SearchReservationsV1": store.search_reservations,
            "CreatePartyV1": store.create_party,
            "UpdatePartyV1": store.update_party,
            "DeletePartyByIdV1": store.delete_party,
            "GetPartyByIdV1": store.get_party,
            "SearchPartiesV1": store.search_parties,
            "SearchTablesV1": store.search_tables,
            "ListAreasV1": store.list_areas,
            "GetOrderByIdV1": store.get_order,
            "SearchOrdersV1": store.search_orders,
            "HandleEventV1": store.handle_event,
        }

    def send(self, message):
        line = json.dumps(dict({"jsonrpc": "2.0"}, **message), separators=(",", ":"), ensure_ascii=False)
        with self.write_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def publish_event(self, event_type, id_key, entity_id, timeout=30):
        """Tells the agent an entity changed on the POS; returns once the agent has stored the event durably."""
        request_id = "pos-%d" % next(self.next_id)
        done, response = threading.Event(), []
        self.pending[request_id] = (done, response)
        self.send({"id": request_id, "method": "agent/publishEvent",
                   "params": {"eventType": event_type, "event": {id_key: entity_id}}})
        if not done.wait(timeout):
            self.pending.pop(request_id, None)
            raise TimeoutError("the agent did not acknowledge %s %s" % (event_type, entity_id))
        if "error" in response[0]:
            raise RuntimeError("the agent refused %s %s: %s" % (event_type, entity_id, response[0]["error"]))

    def handle(self, message):
        if "method" not in message:  # a response to one of our agent/publishEvent requests
            waiter = self.pending.pop(message.get("id"), None)
            if waiter:
                waiter[1].append(message)
                waiter[0].set()
            return
        method, request_id, params = message["method"], message.get("id"), message.get("params") or {}
        try:
            if method == "initialize":
                log("agent %s %s connected" % (params["agent"]["name"], params["agent"]["version"]))
                result = {"protocolVersion": PROTOCOL_VERSION, "capabilities": CAPABILITIES,
                          "adapter": {"name": ADAPTER_NAME, "version": ADAPTER_VERSION}}
            elif method in ("ping", "shutdown"):
                result = {}
            elif method in self.methods:
                with self.store.lock:
                    result = self.methods[method](params)
            else:
                self.send({"id": request_id, "error": {"code": -32601, "message": "method not found: " + method}})
                return
        except DojoError as error:
            self.send({"id": request_id, "error": error.to_json()})
            return
        except Exception as error:  # a bug: no data.errorType, so Dojo only sees a generic UnexpectedError
            log("error in %s: %r" % (method, error))
            self.send({"id": request_id, "error": {"code": -32603, "message": "internal error: %r" % error}})
            return
        if request_id is not None:
            self.send({"id": request_id, "result": result})


def simulate_till(connection, store, interval, stop):
    while not stop.wait(interval):
        with store.lock:
            store.add_coffee("order-000001")
        try:
            connection.publish_event("OrderUpdated", "orderId", "order-000001")
            log("OrderUpdated order-000001 stored by the agent")
        except Exception as error:
            log("could not publish OrderUpdated: %s" % error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulate-till", type=float, metavar="SECONDS",
                        help="add a coffee to order-000001 and publish OrderUpdated every SECONDS")
    arguments = parser.parse_args()

    store = Store()
    connection = Connection(store)
    stop = threading.Event()
    if arguments.simulate_till:
        threading.Thread(target=simulate_till, args=(connection, store, arguments.simulate_till, stop),
                         daemon=True).start()

    # Requests are handled one at a time in arrival order; a slow POS would hand them to worker threads.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            log("ignoring a line that is not JSON")
            continue
        # Responses to agent/publishEvent are handled here too, so a request never blocks reading.
        connection.handle(message)
    stop.set()
    log("stdin closed: exiting")


if __name__ == "__main__":
    main()
