#!/usr/bin/env node
// An example dojo-agent POS adapter in Node.js (v18 or later, no npm packages).
//
// dojo-agent starts this program and speaks newline-delimited JSON-RPC 2.0 with it over stdin/stdout
// (Docs/adapter-protocol.md). The agent sends Dojo's own methods (CreateReservationV1, SearchPartiesV1, ...) with
// Dojo's params; this program answers with Dojo's result objects, or with an error whose data.errorType is Dojo's
// errorType. The "POS" is the same in-memory restaurant as Examples/python-adapter: two areas, eight tables, one
// seated party and three orders.
//
// Rules any adapter must follow: stdout carries protocol messages only, one JSON object per line; logs go to
// stderr; exit when stdin closes.
'use strict';
const readline = require('readline');

const CAPABILITIES = [
  'CreateReservation', 'GetReservationById', 'UpdateReservation', 'DeleteReservationById', 'SearchReservations',
  'CreateParty', 'GetPartyById', 'UpdateParty', 'DeletePartyById', 'SearchParties',
  'SearchTables', 'ListAreas', 'GetOrderById', 'SearchOrders',
  'HandleEvent:payment_intent.created', 'HandleEvent:payment_intent.status_updated',
];
const DEFAULT_PAGE_SIZE = 50;
const log = (message) => process.stderr.write(message + '\n');

// ---- Errors: each carries Dojo's errorType in data.errorType. ---------------------------------------------------
class DojoError extends Error {
  constructor(message, code = -32000, errorType = 'UnexpectedError') {
    super(message);
    this.code = code;
    this.errorType = errorType;
  }
}
const notFound = (message) => new DojoError(message, -32004, 'NotFound');
const invalidRequest = (message) => new DojoError(message, -32602, 'InvalidRequest');

// ---- Times: milliseconds since 1970 inside, ISO 8601 in UTC with "Z" outside. ------------------------------------
const parseTime = (text) => (text == null ? null : Date.parse(text));
const formatTime = (millis) => new Date(millis).toISOString();
const withoutNull = (record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value != null));
const publicView = (entity) => Object.fromEntries(Object.entries(entity).filter(([key]) => !key.startsWith('_')));

// ---- Paging: a stable order, cursors "<kind>:<key1>:<key2>" (keyset paging: never repeats or skips). ------------
function compareKeys(a, b) {
  return a[0] - b[0] || a[1] - b[1];
}

function paginate(items, orderKey, kind, cursor = {}) {
  const limit = cursor.limit || DEFAULT_PAGE_SIZE;
  const ordered = [...items].sort((a, b) => compareKeys(orderKey(a), orderKey(b)));
  const keys = ordered.map(orderKey);
  const decode = (text, member) => {
    const parts = text.split(':');
    const key = [Number(parts[1]), Number(parts[2])];
    if (parts.length !== 3 || parts[0] !== kind || !key.every(Number.isInteger)) {
      throw invalidRequest(`cursor.${member}: ${JSON.stringify(text)} is not a cursor this POS issued for this search`);
    }
    return key;
  };
  const encode = (key) => `${kind}:${key[0]}:${key[1]}`;
  let selected;
  let bound = null;
  if (cursor.before) {
    bound = decode(cursor.before, 'before');
    const earlier = keys.map((key, index) => index).filter((index) => compareKeys(keys[index], bound) < 0);
    selected = earlier.slice(Math.max(0, earlier.length - limit));
  } else {
    if (cursor.after) bound = decode(cursor.after, 'after');
    const later = keys.map((key, index) => index).filter((index) => bound === null || compareKeys(keys[index], bound) > 0);
    selected = later.slice(0, limit);
  }
  const page = { data: selected.map((index) => ordered[index]) };
  if (selected.length && selected[selected.length - 1] < ordered.length - 1) {
    page.after = encode(keys[selected[selected.length - 1]]);
  }
  if (selected.length && selected[0] > 0 && bound !== null) page.before = encode(keys[selected[0]]);
  return page;
}

// ---- The POS itself. ------------------------------------------------------------------------------------------
const RESERVATION_FIELDS = ['name', 'covers', 'startTime', 'endTime', 'tableIds', 'hostNotes', 'guestRequests'];
const PARTY_FIELDS = ['name', 'covers', 'tableIds', 'status', 'startTime', 'expectedEndTime', 'endTime',
  'hostNotes', 'guestRequests', 'deposit'];
const pick = (params, fields) => Object.fromEntries(fields.map((field) => [field, params[field]]));

class Store {
  constructor() {
    this.sequence = 0;
    this.counters = { res: 0, party: 0, order: 0 };
    this.areas = [
      { id: 'area-main', name: 'Main Dining Room', waiterIds: ['waiter-anna', 'waiter-ben'] },
      { id: 'area-terrace', name: 'Terrace', waiterIds: ['waiter-chloe'] },
    ];
    this.tables = [
      [1, 'Table 1', 2, 'area-main', 'waiter-anna'], [2, 'Table 2', 2, 'area-main', 'waiter-anna'],
      [3, 'Table 3', 4, 'area-main', 'waiter-anna'], [4, 'Table 4', 4, 'area-main', 'waiter-ben'],
      [5, 'Booth 5', 6, 'area-main', 'waiter-ben'], [6, 'Terrace 1', 2, 'area-terrace', 'waiter-chloe'],
      [7, 'Terrace 2', 4, 'area-terrace', 'waiter-chloe'], [8, 'Terrace 3', 8, 'area-terrace', 'waiter-chloe'],
    ].map(([number, name, maxCovers, areaId, waiter]) => ({ id: `table-${number}`, name, maxCovers, areaId, waiterIds: [waiter] }));
    // Stored entities carry private fields starting with "_" (sequence, Dojo id) that never leave the store.
    this.reservations = new Map();
    this.parties = new Map();
    this.orders = new Map();
    this.events = new Set();
    const seated = this.insertParty({ name: 'Patel', covers: 3, tableIds: ['table-4'], status: 'Ordered',
      startTime: formatTime(Date.now() - 1_800_000) });
    const gbp = (value) => ({ value, currencyCode: 'GBP' });
    this.insertOrder({ items: [{ name: 'Margherita pizza', amountPerItem: gbp(1150), plu: 'PIZ-001', quantity: 2 }],
      status: 'Accepted', totalAmount: gbp(2300), payable: true, reference: 'T4-0001',
      details: { orderType: 'DineIn', dineIn: { tableId: 'table-4', waiterId: 'waiter-ben', partyId: seated.id } } });
    this.insertOrder({ items: [{ name: 'Flat white', amountPerItem: gbp(340), plu: 'DRK-002', quantity: 2 }],
      status: 'Finalized', totalAmount: gbp(680), payable: false, paidAmount: gbp(680),
      details: { orderType: 'DineIn', dineIn: { tableId: 'table-2', waiterId: 'waiter-anna' } } });
    this.insertOrder({ items: [{ name: 'Tiramisu', amountPerItem: gbp(650), plu: 'DES-004', quantity: 1 }],
      status: 'Ready', totalAmount: gbp(650), payable: true, details: { orderType: 'Collection', collection: { asap: true } } });
  }

  nextId(kind) {
    this.counters[kind] += 1;
    return `${kind}-${String(this.counters[kind]).padStart(6, '0')}`;
  }

  requireTables(tableIds) {
    const known = new Set(this.tables.map((table) => table.id));
    for (const id of tableIds) if (!known.has(id)) throw invalidRequest(`unknown table id ${JSON.stringify(id)}`);
  }

  insertParty(party) {
    const stored = withoutNull({ ...party, id: this.nextId('party'), _seq: ++this.sequence });
    this.parties.set(stored.id, stored);
    return stored;
  }

  insertOrder(order) {
    const stored = { ...order, id: this.nextId('order'), _seq: ++this.sequence };
    this.orders.set(stored.id, stored);
  }

  find(map, id, kind) {
    if (!map.has(id)) throw notFound(`${kind} ${JSON.stringify(id)} does not exist`);
    return map.get(id);
  }

  // -- reservations --
  CreateReservationV1(params) {
    for (const existing of this.reservations.values()) {
      if (existing._dojoReservationId === params.dojoReservationId) return publicView(existing); // Dojo retried
    }
    this.requireTables(params.tableIds);
    const reservation = withoutNull({ ...pick(params, RESERVATION_FIELDS), id: this.nextId('res'),
      _seq: ++this.sequence, _dojoReservationId: params.dojoReservationId });
    this.reservations.set(reservation.id, reservation);
    log(`reservation ${reservation.id} created for ${params.dojoReservationId}`);
    return publicView(reservation);
  }

  UpdateReservationV1(params) {
    const current = this.find(this.reservations, params.id, 'reservation');
    this.requireTables(params.tableIds);
    // A full replacement: optional fields missing from the update are cleared.
    const reservation = withoutNull({ ...pick(params, RESERVATION_FIELDS), id: current.id, _seq: current._seq,
      _dojoReservationId: params.dojoReservationId });
    this.reservations.set(current.id, reservation);
    return publicView(reservation);
  }

  GetReservationByIdV1(params) {
    return publicView(this.find(this.reservations, params.reservationId, 'reservation'));
  }

  DeleteReservationByIdV1(params) {
    this.find(this.reservations, params.reservationId, 'reservation');
    this.reservations.delete(params.reservationId);
    return {};
  }

  SearchReservationsV1(params) {
    const from = parseTime(params.fromTime);
    const to = parseTime(params.toTime);
    // Overlap rule: [startTime, endTime) overlaps [fromTime, toTime).
    const matches = [...this.reservations.values()].filter((reservation) =>
      (!params.tableId || reservation.tableIds.includes(params.tableId))
      && (from === null || parseTime(reservation.endTime) > from)
      && (to === null || parseTime(reservation.startTime) < to));
    const page = paginate(matches, (item) => [parseTime(item.startTime), item._seq], 'res', params.cursor);
    return { ...page, data: page.data.map(publicView) };
  }

  // -- parties --
  CreatePartyV1(params) {
    for (const existing of this.parties.values()) {
      if (existing._dojoPartyId === params.dojoPartyId) return publicView(existing);
    }
    this.requireTables(params.tableIds);
    let reservationId = params.reservationId;
    if (reservationId != null && !this.reservations.has(reservationId)) {
      throw invalidRequest(`unknown reservation id ${JSON.stringify(reservationId)}`);
    }
    if (reservationId == null && params.dojoReservationId) {
      for (const reservation of this.reservations.values()) {
        if (reservation._dojoReservationId === params.dojoReservationId) reservationId = reservation.id;
      }
    }
    const party = pick(params, PARTY_FIELDS.filter((field) => field !== 'endTime'));
    party.status = params.status || 'Seated';
    if (party.deposit) party.deposit = { paymentIntentIds: [], ...party.deposit };
    const stored = this.insertParty({ ...party, reservationId, _dojoPartyId: params.dojoPartyId });
    log(`party ${stored.id} seated (reservation ${reservationId})`);
    return publicView(stored);
  }

  UpdatePartyV1(params) {
    const current = this.find(this.parties, params.id, 'party');
    this.requireTables(params.tableIds);
    const party = pick(params, PARTY_FIELDS);
    if (party.deposit) party.deposit = { paymentIntentIds: [], ...party.deposit };
    // UpdatePartyV1 carries no reservationId: keep the link made when the party was seated.
    const stored = withoutNull({ ...party, id: current.id, _seq: current._seq, reservationId: current.reservationId,
      _dojoPartyId: params.dojoPartyId });
    this.parties.set(current.id, stored);
    return publicView(stored);
  }

  GetPartyByIdV1(params) {
    return publicView(this.find(this.parties, params.partyId, 'party'));
  }

  DeletePartyByIdV1(params) {
    this.find(this.parties, params.partyId, 'party');
    this.parties.delete(params.partyId);
    return {};
  }

  SearchPartiesV1(params) {
    const completedOnly = params.completedOnly === true;
    const matches = [...this.parties.values()].filter((party) =>
      ('endTime' in party) === completedOnly && (!params.tableId || party.tableIds.includes(params.tableId)));
    const page = paginate(matches, (item) => [parseTime(item.startTime), item._seq], 'party', params.cursor);
    return { ...page, data: page.data.map(publicView) };
  }

  // -- venue, orders, Dojo events --
  SearchTablesV1(params) {
    const matches = this.tables.map((table, position) => ({ table, position })).filter(({ table }) =>
      (!params.areaId || table.areaId === params.areaId)
      && (!params.waiterId || table.waiterIds.includes(params.waiterId)));
    const page = paginate(matches, (item) => [item.position, 0], 'table', params.cursor);
    return { ...page, data: page.data.map((item) => item.table) };
  }

  ListAreasV1() {
    return this.areas;
  }

  GetOrderByIdV1(params) {
    return publicView(this.find(this.orders, params.orderId, 'order'));
  }

  SearchOrdersV1(params) {
    const dineIn = params.dineIn || {};
    const matches = [...this.orders.values()].filter((order) => {
      const details = order.details.dineIn || {};
      const filtered = ['tableId', 'waiterId', 'partyId', 'reservationId'].filter((key) => dineIn[key] != null);
      return filtered.every((key) => details[key] === dineIn[key]) && (!params.payableOnly || order.payable);
    });
    const page = paginate(matches, (item) => [item._seq, 0], 'order', params.cursor);
    return { ...page, data: page.data.map(publicView) };
  }

  HandleEventV1(params) {
    // Dojo delivers at least once: remember each event id once.
    if (this.events.has(params.id)) {
      log(`Dojo event ${params.id} already handled`);
    } else {
      this.events.add(params.id);
      log(`Dojo event ${params.event}: ${params.data.paymentIntentId} is ${params.data.paymentStatus}`);
    }
    return {};
  }
}

// ---- The JSON-RPC side. ---------------------------------------------------------------------------------------
const store = new Store();
const pending = new Map(); // our request id -> resolve, for agent/publishEvent
let nextRequestId = 1;

function send(message) {
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
}

/// Tells the agent an entity changed on the POS; resolves once the agent has stored the event durably.
function publishEvent(eventType, idKey, entityId) {
  const id = `pos-${nextRequestId++}`;
  send({ id, method: 'agent/publishEvent', params: { eventType, event: { [idKey]: entityId } } });
  return new Promise((resolve, reject) => pending.set(id, (response) =>
    (response.error ? reject(new Error(JSON.stringify(response.error))) : resolve())));
}

function handle(message) {
  if (!('method' in message)) { // a response to one of our agent/publishEvent requests
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    if (resolve) resolve(message);
    return;
  }
  const { method, id } = message;
  const params = message.params || {};
  let result;
  try {
    if (method === 'initialize') {
      log(`agent ${params.agent.name} ${params.agent.version} connected`);
      result = { protocolVersion: '1', capabilities: CAPABILITIES,
        adapter: { name: 'example-node-adapter', version: '1.0.0' } };
    } else if (method === 'ping' || method === 'shutdown') {
      result = {};
    } else if (/^[A-Z]\w+V1$/.test(method) && typeof store[method] === 'function') {
      result = store[method](params);
    } else {
      send({ id, error: { code: -32601, message: `method not found: ${method}` } });
      return;
    }
  } catch (error) {
    if (error instanceof DojoError) {
      send({ id, error: { code: error.code, message: error.message, data: { errorType: error.errorType } } });
    } else { // a bug: no data.errorType, so Dojo only sees a generic UnexpectedError
      log(`error in ${method}: ${error.stack}`);
      send({ id, error: { code: -32603, message: `internal error: ${error.message}` } });
    }
    return;
  }
  if (id !== undefined && id !== null) send({ id, result });
}

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (!line.trim()) return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    log('ignoring a line that is not JSON');
    return;
  }
  handle(message);
});
input.on('close', () => {
  log('stdin closed: exiting');
  process.exit(0);
});

module.exports = { publishEvent };
