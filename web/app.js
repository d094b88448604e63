// The lwm2md operator console: hash routes, one module, no framework. Every
// value from the server is put on the page with textContent (never innerHTML),
// so a device cannot inject markup; the CSP (default-src 'self') backs that up.
import uPlot from './uPlot.esm.js';

const API = '/api/v1';
const main = document.getElementById('view');
// The current page's own root: a page that is still loading when the
// operator moves on keeps writing into its old, detached root.
let root = main;
const PAGE = 50;

// ---- small DOM helpers ----
function el(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on'))
			e.addEventListener(k.slice(2), v);
		else if (k === 'text')
			e.textContent = v;
		else
			e.setAttribute(k, v === true ? '' : String(v));
	}
	for (const k of kids.flat())
		if (k !== null && k !== undefined && k !== false)
			e.append(k instanceof Node ? k : document.createTextNode(String(k)));
	return e;
}

function flash(msg, bad = true) {
	const f = document.getElementById('flash');
	f.textContent = msg;
	f.className = bad ? 'bad' : 'good';
	f.hidden = false;
	clearTimeout(flash.t);
	flash.t = setTimeout(() => { f.hidden = true; }, 6000);
}

function fmtTime(s) {
	if (!s)
		return '';
	return new Date(s * 1000).toLocaleString();
}

function fmtValue(rec) {
	if (rec.type === 'time')
		return `${rec.value} (${fmtTime(rec.value)})`;
	if (typeof rec.value === 'object')
		return JSON.stringify(rec.value);
	return String(rec.value);
}

// ---- the API ----
const session = {
	get token() { return sessionStorage.getItem('lwm2md.token') || ''; },
	set token(t) { t ? sessionStorage.setItem('lwm2md.token', t) : sessionStorage.removeItem('lwm2md.token'); },
	get via() { return sessionStorage.getItem('lwm2md.via') || ''; },
	set via(v) { v ? sessionStorage.setItem('lwm2md.via', v) : sessionStorage.removeItem('lwm2md.via'); },
	get user() { return sessionStorage.getItem('lwm2md.user') || ''; },
	set user(u) { u ? sessionStorage.setItem('lwm2md.user', u) : sessionStorage.removeItem('lwm2md.user'); },
	get role() { return sessionStorage.getItem('lwm2md.role') || ''; },
	set role(r) { r ? sessionStorage.setItem('lwm2md.role', r) : sessionStorage.removeItem('lwm2md.role'); },
};

class ApiError extends Error {
	constructor(status, body) {
		super(body && body.message ? body.message : `HTTP ${status}`);
		this.status = status;
		this.body = body;
	}
}

async function api(method, path, body, { raw = false, auth = true, probe = false } = {}) {
	const headers = {};
	if (auth && session.token)
		headers.Authorization = `Bearer ${session.token}`;
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	const res = await fetch(API + path, {
		method, headers, body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let data = null;
	try { data = text ? JSON.parse(text) : null; } catch { data = text; }
	if (res.status === 401 && auth && !probe) {
		logoutLocal();
		throw new ApiError(401, data);
	}
	if (!res.ok)
		throw new ApiError(res.status, data);
	return raw ? { data, res } : data;
}

function showError(e) {
	flash(e instanceof ApiError ? `${e.status}: ${e.message}` : String(e));
}

// ---- the object model, cached per object id ----
const models = new Map();
async function model(oid) {
	if (!models.has(oid))
		models.set(oid, api('GET', `/objects/${oid}`).catch(() => null));
	return models.get(oid);
}

// ---- the event stream: one EventSource for the whole console ----
const KINDS = ['registration', 'update', 'deregistration', 'expired', 'notification',
	'send', 'operation', 'firmware', 'campaign', 'bootstrap', 'started', 'stopping'];
const events = { src: null, log: [], listeners: new Set(), regTimes: [] };

function openEvents() {
	if (events.src || !session.token)
		return;
	const src = new EventSource(`${API}/events?access_token=${encodeURIComponent(session.token)}`);
	for (const k of KINDS)
		src.addEventListener(k, (m) => {
			let ev;
			try { ev = JSON.parse(m.data); } catch { return; }
			ev.event = ev.event || k;
			events.log.push(ev);
			if (events.log.length > 1000)
				events.log.shift();
			if (k === 'registration')
				events.regTimes.push(ev.time || Date.now() / 1000);
			for (const f of events.listeners)
				f(ev);
		});
	events.src = src;
}

function closeEvents() {
	if (events.src)
		events.src.close();
	events.src = null;
}

// A listener that lives as long as the current page.
let pageListeners = [];
function onEvent(f) {
	events.listeners.add(f);
	pageListeners.push(f);
}

// ---- login and logout ----
function logoutLocal() {
	session.token = '';
	session.role = '';
	session.via = '';
	session.user = '';
	document.getElementById('flash').hidden = true;
	closeEvents();
	location.hash = '#/login';
}

async function logout() {
	// Only a login has a session to end; a pasted API token stays valid.
	if (session.via === 'login')
		try { await api('POST', '/logout'); } catch { /* already gone */ }
	logoutLocal();
}

function pageLogin() {
	const view = root;
	const msg = el('p', { id: 'login-msg', class: 'bad' });
	const name = el('input', { id: 'login-name', autocomplete: 'username', required: true });
	const pass = el('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
	const tok = el('input', { id: 'login-token', type: 'password', autocomplete: 'off' });
	const done = (token, role, via, user) => {
		session.token = token;
		session.role = role || '';
		session.via = via;
		session.user = user || '';
		location.hash = '#/fleet';
	};
	const loginForm = el('form', {
		id: 'login-form',
		onsubmit: async (e) => {
			e.preventDefault();
			msg.textContent = '';
			try {
				const r = await api('POST', '/login', { name: name.value, password: pass.value }, { auth: false });
				done(r.token, r.role, 'login', name.value);
			} catch (err) {
				if (err.status === 404 || err.status === 405)
					msg.textContent = 'This server has no user logins yet: paste the admin token below.';
				else if (err.status === 401)
					msg.textContent = 'Wrong name or password.';
				else
					msg.textContent = err.message;
			}
		},
	}, el('h2', { text: 'Log in' }),
	el('label', {}, 'Name ', name), el('label', {}, 'Password ', pass),
	el('button', { type: 'submit', id: 'login-submit', text: 'Log in' }));
	const tokForm = el('form', {
		id: 'token-form',
		onsubmit: async (e) => {
			e.preventDefault();
			msg.textContent = '';
			session.token = tok.value.trim();
			try {
				await api('GET', '/clients?limit=1', undefined, { probe: true });
				done(tok.value.trim(), 'admin (API token)', 'token');
			} catch (err) {
				session.token = '';
				msg.textContent = err.status === 401 ? 'That token is not valid.' : err.message;
			}
		},
	}, el('h3', { text: 'Or use an API token' }),
	el('label', {}, 'Token ', tok),
	el('button', { type: 'submit', id: 'token-submit', text: 'Use token' }));
	view.append(el('section', { class: 'login' }, loginForm, tokForm, msg));
}

// ---- fleet overview ----
async function pageFleet() {
	const view = root;
	const cards = el('div', { class: 'cards' });
	const card = (label, id) => el('div', { class: 'card' }, el('div', { class: 'num', id, text: '…' }), el('div', { text: label }));
	cards.append(card('registered', 'n-registered'), card('online', 'n-online'), card('asleep', 'n-asleep'),
		card('offline', 'n-offline'), card('registrations seen (this session)', 'n-regs'));
	const chartBox = el('div', { class: 'chart', id: 'reg-chart' });
	view.append(el('h2', { text: 'Fleet' }), cards, el('h3', { text: 'Registrations over the last 5 minutes (per 10 s)' }), chartBox);
	// The server counts by status (one pass, no rows), whatever the fleet size.
	const refresh = async () => {
		try {
			const n = await api('GET', '/clients?count=status');
			for (const k of ['registered', 'online', 'asleep', 'offline'])
				document.getElementById(`n-${k}`).textContent = n[k];
			document.getElementById('n-regs').textContent = events.regTimes.length;
		} catch (e) { showError(e); }
	};
	await refresh();
	// Seeded with the newest registrations (one page, whatever the fleet
	// size), then the events since login: per endpoint, its latest one.
	const latest = new Map();
	try {
		for (const c of await api('GET', '/clients?sort=registeredAt&order=desc&limit=1000'))
			latest.set(c.endpoint, c.registeredAt);
	} catch (e) { showError(e); }
	const series = () => {
		for (const ev of events.log)
			if (ev.event === 'registration' && ev.endpoint)
				latest.set(ev.endpoint, Math.floor(ev.time));
		const times = [...latest.values()];
		const now = Math.floor(Date.now() / 10000) * 10;
		const xs = [], ys = [];
		for (let t = now - 300; t <= now; t += 10) {
			xs.push(t);
			ys.push(times.filter((x) => x >= t && x < t + 10).length);
		}
		return [xs, ys];
	};
	const plot = new uPlot({ width: Math.min(900, view.clientWidth || 800), height: 220,
		series: [{}, { label: 'registrations', stroke: '#2a6', fill: 'rgba(34,170,102,0.2)' }] },
	series(), chartBox);
	let pending = null;
	onEvent((ev) => {
		if (!['registration', 'deregistration', 'expired', 'update'].includes(ev.event) || pending)
			return;
		pending = setTimeout(() => { pending = null; refresh(); plot.setData(series()); }, 500);
	});
}

// ---- device list ----
const listState = { q: '', sort: 'endpoint', order: 'asc', status: '', object: '', firmware: '', offset: 0 };

// The server's status (online, asleep past [coap] queue_awake, offline).
function statusOf(c) {
	return c.status || 'online';
}

async function pageDevices() {
	const view = root;
	const s = listState;
	const q = el('input', { id: 'dev-search', type: 'search', placeholder: 'endpoint contains…', value: s.q });
	const sel = (id, cur, opts) => el('select', { id }, opts.map(([v, t]) => el('option', { value: v, selected: v === cur, text: t })));
	const sort = sel('dev-sort', s.sort, [['endpoint', 'endpoint'], ['lastSeen', 'last seen'], ['registeredAt', 'registered at']]);
	const order = sel('dev-order', s.order, [['asc', 'ascending'], ['desc', 'descending']]);
	const status = sel('dev-status', s.status, [['', 'registered'], ['online', 'online'], ['asleep', 'asleep'], ['offline', 'offline']]);
	const object = el('input', { id: 'dev-object', placeholder: 'object id', size: 8, value: s.object });
	const firmware = el('input', { id: 'dev-firmware', placeholder: 'firmware version', size: 12, value: s.firmware,
		title: 'exact firmware version (/3/0/3, known once read, observed or sent)' });
	const body = el('tbody', { id: 'dev-rows' });
	const info = el('span', { id: 'dev-info' });
	const prev = el('button', { type: 'button', id: 'dev-prev', text: '‹ Prev' });
	const next = el('button', { type: 'button', id: 'dev-next', text: 'Next ›' });
	const pageNo = el('input', { id: 'dev-page', type: 'number', min: 1, size: 5, title: 'page', value: Math.floor(s.offset / PAGE) + 1 });
	let seq = 0;
	const load = async () => {
		// Only the newest answer is shown: typing fast must not let an
		// older, slower listing overwrite a newer one.
		const mine = ++seq;
		const p = new URLSearchParams({ sort: s.sort, order: s.order, offset: s.offset, limit: PAGE });
		if (s.q) p.set('q', s.q);
		if (s.status) p.set('status', s.status);
		if (s.object) p.set('object', s.object);
		if (s.firmware) p.set('firmware', s.firmware);
		try {
			const { data, res } = await api('GET', `/clients?${p}`, undefined, { raw: true });
			if (mine !== seq)
				return;
			const n = Number(res.headers.get('X-Total-Count') || data.length);
			body.replaceChildren(...data.map((c) => el('tr', {},
				// An offline device has no page: it is not registered.
				el('td', {}, statusOf(c) === 'offline' ? el('span', { text: c.endpoint, title: `${c.offlineReason} ${fmtTime(c.offlineSince)}` })
					: el('a', { href: `#/device/${encodeURIComponent(c.endpoint)}`, text: c.endpoint })),
				el('td', { class: statusOf(c), text: statusOf(c) }),
				el('td', { class: 'fw', text: c.firmwareVersion || '' }),
				el('td', { text: fmtTime(c.lastSeen) }), el('td', { text: fmtTime(c.registeredAt) }),
				el('td', { text: c.lifetime }), el('td', { text: c.binding + (c.queueMode ? ' (Q)' : '') }),
				el('td', { text: c.address || '' }), el('td', { text: (c.objects || []).filter((o) => o.split('/').length === 2).join(' ') }))));
			info.textContent = n ? `${s.offset + 1}–${s.offset + data.length} of ${n}` : 'no devices';
			prev.disabled = s.offset === 0;
			next.disabled = s.offset + PAGE >= n;
			pageNo.value = Math.floor(s.offset / PAGE) + 1;
			pageNo.max = Math.max(1, Math.ceil(n / PAGE));
			body.dataset.total = n;
			body.dataset.query = p.toString(); // what the rows answer (tests, bench)
		} catch (e) { showError(e); }
	};
	let t = null;
	// Typing waits for a pause; a choice in a menu loads at once.
	const change = (wait) => {
		Object.assign(s, { q: q.value, sort: sort.value, order: order.value, status: status.value, object: object.value.trim(), firmware: firmware.value.trim(), offset: 0 });
		clearTimeout(t);
		if (wait)
			t = setTimeout(load, 150);
		else
			load();
	};
	for (const x of [q, object, firmware])
		x.addEventListener('input', () => change(true));
	for (const x of [sort, order, status])
		x.addEventListener('change', () => change(false));
	// A click on a column's title sorts by it; a second one turns the order.
	const sortable = { Endpoint: 'endpoint', 'Last seen': 'lastSeen', Registered: 'registeredAt' };
	const th = (h) => {
		const key = sortable[h];
		if (!key)
			return el('th', { text: h });
		const mark = s.sort === key ? (s.order === 'asc' ? ' ▲' : ' ▼') : '';
		return el('th', { class: 'sortable', id: `dev-th-${key}`, text: h + mark, onclick: () => {
			if (sort.value === key)
				order.value = order.value === 'asc' ? 'desc' : 'asc';
			else
				sort.value = key;
			for (const [k, v] of Object.entries(sortable))
				document.getElementById(`dev-th-${v}`).textContent = k + (v === sort.value ? (order.value === 'asc' ? ' ▲' : ' ▼') : '');
			change(false);
		} });
	};
	prev.addEventListener('click', () => { s.offset = Math.max(0, s.offset - PAGE); load(); });
	next.addEventListener('click', () => { s.offset += PAGE; load(); });
	pageNo.addEventListener('change', () => {
		const n = Math.max(1, Math.floor(Number(pageNo.value) || 1));
		s.offset = (n - 1) * PAGE;
		load();
	});
	view.append(el('h2', { text: 'Devices' }),
		el('div', { class: 'toolbar' }, q, sort, order, status, object, firmware, prev, el('label', {}, 'page ', pageNo), info, next),
		el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Endpoint', 'Status', 'Firmware', 'Last seen', 'Registered', 'Lifetime', 'Binding', 'Address', 'Objects'].map(th))), body));
	await load();
	// A big fleet registers all the time: at most one reload per 2 s.
	let later = null;
	onEvent((ev) => {
		if (!['registration', 'deregistration', 'expired'].includes(ev.event) || later)
			return;
		later = setTimeout(() => { later = null; if (body.isConnected) load(); }, 2000);
	});
}

// ---- device page ----
function inputFor(type, id) {
	if (type === 'boolean')
		return el('select', { id }, el('option', { value: 'true', text: 'true' }), el('option', { value: 'false', text: 'false' }));
	if (['integer', 'unsigned', 'time'].includes(type))
		return el('input', { id, type: 'number', step: 1, min: type === 'unsigned' ? 0 : undefined });
	if (type === 'float')
		return el('input', { id, type: 'number', step: 'any' });
	return el('input', { id, placeholder: type === 'objlnk' ? '3:0' : type === 'opaque' ? 'base64' : '' });
}

function typedValue(type, raw) {
	if (['integer', 'unsigned', 'time', 'float'].includes(type)) {
		const n = Number(raw);
		if (raw === '' || Number.isNaN(n))
			throw new Error(`"${raw}" is not a number`);
		return n;
	}
	if (type === 'boolean')
		return raw === 'true';
	return raw;
}

const pathId = (p) => p.replaceAll('/', '_');

async function pageDevice(ep) {
	const view = root;
	const epq = encodeURIComponent(ep);
	let c;
	try { c = await api('GET', `/clients/${epq}`); } catch (e) { showError(e); view.append(el('p', { text: `No device ${ep}.` })); return; }
	const cells = new Map(); // path -> value cell
	const observed = new Set();
	const multi = new Map(); // value cell of a multiple resource -> Map(instance -> text)
	const setRecords = (recs) => {
		for (const r of recs || []) {
			// The server keeps the last firmware version seen the same way.
			if (r.path === '/3/0/3' && typeof r.value === 'string') {
				const fw = document.getElementById('reg-firmwareVersion');
				if (fw) fw.textContent = r.value;
			}
			const parts = r.path.split('/');
			const cell = cells.get(parts.slice(0, 4).join('/'));
			if (!cell)
				continue;
			if (parts.length > 4) {
				const m = multi.get(cell) || new Map();
				m.set(parts[4], fmtValue(r));
				multi.set(cell, m);
				cell.textContent = [...m].map(([k, v]) => `${k}: ${v}`).join(', ');
			} else {
				cell.textContent = fmtValue(r);
			}
			cell.classList.remove('flash');
			void cell.offsetWidth; // restart the highlight animation
			cell.classList.add('flash');
		}
	};
	const out = el('pre', { id: 'op-result', class: 'result' });
	const run = async (label, method, path, body) => {
		out.textContent = `${label} ${path}…`;
		try {
			const r = await api(method, `/clients/${epq}${path}`, body);
			out.textContent = `${label} ${path}: ${r ? JSON.stringify(r, null, 1) : 'done'}`;
			return r;
		} catch (e) {
			out.textContent = `${label} ${path} failed: ${e.status || ''} ${e.message}`;
			return null;
		}
	};
	const read = async (path) => {
		for (const [p, cell] of cells)
			if (p === path || p.startsWith(path + '/'))
				multi.delete(cell);
		const r = await run('Read', 'GET', path);
		if (r) setRecords(r.records);
	};

	// The registration
	const dl = el('dl', { class: 'reg', id: 'reg' });
	for (const k of ['endpoint', 'status', 'registrationId', 'lwm2mVersion', 'firmwareVersion', 'binding', 'lifetime', 'queueMode', 'address', 'secure', 'registeredAt', 'lastSeen'])
		dl.append(el('dt', { text: k }), el('dd', { id: `reg-${k}`, text: k.endsWith('At') || k === 'lastSeen' ? fmtTime(c[k]) : c[k] === undefined ? '' : String(c[k]) }));

	// The chart
	const chartBox = el('div', { class: 'chart', id: 'chart' });
	const chartTitle = el('h3', { id: 'chart-title', text: 'Chart: pick a numeric resource (📈)' });
	let chart = null, chartPath = null, chartData = [[], []];
	const chartAdd = (t, v) => {
		chartData[0].push(t); chartData[1].push(v);
		if (chart) chart.setData(chartData);
		chartBox.dataset.points = chartData[0].length;
	};
	const showChart = async (path, name) => {
		chartPath = path;
		chartTitle.textContent = `Chart: ${name} (${path})`;
		chartData = [[], []];
		try {
			const r = await api('GET', `/clients/${epq}/data?path=${encodeURIComponent(path)}&limit=1000`);
			for (const x of r.records || [])
				if (typeof x.value === 'number' && x.path === path)
					chartData[0].push(x.time), chartData[1].push(x.value);
		} catch (e) { showError(e); }
		chartBox.replaceChildren();
		chart = new uPlot({ width: Math.min(900, view.clientWidth || 800), height: 240,
			series: [{}, { label: name, stroke: '#36c', points: { show: true } }] }, chartData, chartBox);
		chartBox.dataset.points = chartData[0].length;
	};

	// The object tree
	const tree = el('div', { id: 'tree' });
	const byObj = new Map();
	for (const p of c.objects || []) {
		const [, o, i] = p.split('/');
		if (!byObj.has(o)) byObj.set(o, new Set());
		if (i !== undefined) byObj.get(o).add(i);
	}
	for (const [oid, insts] of byObj) {
		const m = await model(oid);
		const oname = m ? m.name : `Object ${oid}`;
		const createBox = el('textarea', { class: 'mut', id: `create-${oid}`, rows: 2, cols: 50, placeholder: `[{"path":"/${oid}/1/…","type":"…","value":…}]` });
		const objEl = el('details', { class: 'object', id: `obj-${oid}`, open: oid !== '0' && oid !== '1' && oid !== '5' && oid !== '6' ? true : undefined },
			el('summary', {}, el('b', { text: `/${oid} ${oname}` }), ' ',
				el('button', { type: 'button', text: 'Discover', onclick: () => run('Discover', 'GET', `/${oid}/discover`) })),
			el('div', { class: 'create' }, createBox,
				el('button', { type: 'button', class: 'mut', text: 'Create', onclick: async () => {
					let recs = [];
					try { recs = createBox.value.trim() ? JSON.parse(createBox.value) : []; } catch (e) { flash(`records: ${e.message}`); return; }
					const r = await run('Create', 'POST', `/${oid}`, { records: recs });
					if (r) flash('created (reload the page to see a new instance)', false);
				} })));
		for (const iid of [...insts].sort((a, b) => a - b)) {
			const ipath = `/${oid}/${iid}`;
			const rows = el('tbody');
			const inst = el('details', { class: 'instance', open: true, id: `inst-${pathId(ipath)}` },
				el('summary', {}, el('b', { text: `Instance ${iid}` }), ' ',
					el('button', { type: 'button', class: 'read', id: `read-${pathId(ipath)}`, text: 'Read', onclick: () => read(ipath) }),
					el('button', { type: 'button', text: 'Discover', onclick: () => run('Discover', 'GET', `${ipath}/discover`) }),
					el('button', { type: 'button', class: 'danger mut', text: 'Delete', onclick: async () => {
						if (confirm(`Delete ${ipath} on ${ep}?`)) await run('Delete', 'DELETE', ipath);
					} })),
				el('table', { class: 'res' }, el('thead', {}, el('tr', {}, ['ID', 'Resource', 'Value', 'Units', 'Ops', 'Actions'].map((h) => el('th', { text: h })))), rows));
			for (const r of (m ? m.resources : [])) {
				const rpath = `${ipath}/${r.id}`;
				const id = pathId(rpath);
				const val = el('td', { class: 'value', id: `val-${id}` });
				if (r.multiple) val.dataset.multi = '1';
				cells.set(rpath, val);
				const acts = el('td', { class: 'acts' });
				const ops = r.operations || '';
				if (ops.includes('R')) {
					acts.append(el('button', { type: 'button', id: `read-${id}`, text: 'Read', onclick: () => read(rpath) }));
					const ob = el('button', { type: 'button', class: 'mut', id: `observe-${id}`, text: 'Observe' });
					ob.addEventListener('click', async () => {
						if (observed.has(rpath)) {
							await run('Cancel', 'DELETE', `${rpath}/observe`);
							observed.delete(rpath); ob.textContent = 'Observe'; ob.classList.remove('on');
						} else {
							const x = await run('Observe', 'POST', `${rpath}/observe`);
							if (x) { observed.add(rpath); ob.textContent = 'Cancel'; ob.classList.add('on'); setRecords(x.records); }
						}
					});
					acts.append(ob);
					if (['integer', 'unsigned', 'float'].includes(r.type))
						acts.append(el('button', { type: 'button', id: `chart-${id}`, title: 'chart', text: '📈', onclick: () => showChart(rpath, r.name) }));
				}
				if (ops.includes('W')) {
					const inp = inputFor(r.type, `in-${id}`);
					inp.classList.add('mut');
					acts.append(inp, el('button', { type: 'button', class: 'mut', id: `write-${id}`, text: 'Write', onclick: async () => {
						let v;
						try { v = typedValue(r.type, inp.value); } catch (e) { flash(e.message); return; }
						const x = await run('Write', 'PUT', rpath, { value: v });
						if (x && x.status && x.status.startsWith('2')) await read(rpath);
					} }));
				}
				if (ops.includes('E')) {
					const args = el('input', { class: 'mut', id: `args-${id}`, placeholder: "args: 0='a'", size: 8 });
					acts.append(args, el('button', { type: 'button', class: 'mut', id: `exec-${id}`, text: 'Execute', onclick: () => run('Execute', 'POST', rpath, args.value ? { args: args.value } : {}) }));
				}
				acts.append(el('button', { type: 'button', class: 'small mut', text: 'Attrs…', onclick: () => attrsDialog(rpath) }));
				rows.append(el('tr', {}, el('td', { text: r.id }), el('td', { title: r.description, text: r.name }), val,
					el('td', { text: r.units }), el('td', { text: ops }), acts));
			}
			objEl.append(inst);
		}
		tree.append(objEl);
	}

	const attrsDialog = (path) => {
		const f = el('form', { class: 'attrs', id: 'attrs-form' }, el('b', { text: `Write-Attributes ${path}` }));
		const inputs = {};
		for (const k of ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax']) {
			inputs[k] = el('input', { type: 'number', step: 'any', size: 5, id: `attr-${k}` });
			f.append(el('label', {}, ` ${k} `, inputs[k]));
		}
		f.append(el('button', { type: 'submit', text: 'Set' }), el('button', { type: 'button', text: 'Close', onclick: () => f.remove() }));
		f.addEventListener('submit', async (e) => {
			e.preventDefault();
			const body = {};
			for (const [k, i] of Object.entries(inputs)) if (i.value !== '') body[k] = Number(i.value);
			await run('Write-Attributes', 'PUT', `${path}/attributes`, body);
		});
		document.getElementById('attrs-form')?.remove();
		out.before(f);
	};

	view.append(el('h2', {}, 'Device ', el('span', { id: 'dev-name', text: ep })),
		el('div', { class: 'cols' }, el('section', {}, el('h3', { text: 'Registration' }), dl),
			el('section', { class: 'grow' }, chartTitle, chartBox)),
		out, el('h3', { text: 'Objects' }), tree);

	onEvent((ev) => {
		if (ev.endpoint !== ep)
			return;
		if (ev.event === 'notification' || ev.event === 'send') {
			setRecords(ev.records);
			for (const r of ev.records || [])
				if (r.path === chartPath && typeof r.value === 'number')
					chartAdd(r.time || ev.time, r.value);
		} else if (ev.event === 'update' || ev.event === 'registration') {
			if (ev.lastSeen) document.getElementById('reg-lastSeen').textContent = fmtTime(ev.lastSeen);
		}
	});
}

// ---- event log ----
function pageEvents() {
	const view = root;
	const filter = el('input', { id: 'ev-filter', placeholder: 'endpoint or kind' });
	const rows = el('tbody', { id: 'ev-rows' });
	const row = (ev) => el('tr', {}, el('td', { text: fmtTime(ev.time) }), el('td', { text: ev.event }),
		el('td', { text: ev.endpoint || '' }), el('td', { class: 'json', text: JSON.stringify(ev) }));
	const match = (ev) => !filter.value || (ev.endpoint || '').includes(filter.value) || ev.event.includes(filter.value);
	const render = () => rows.replaceChildren(...events.log.filter(match).slice(-300).reverse().map(row));
	filter.addEventListener('input', render);
	view.append(el('h2', { text: 'Events' }), el('div', { class: 'toolbar' }, filter, el('span', { text: ' newest first; kept since login' })),
		el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Time', 'Kind', 'Endpoint', 'Event'].map((h) => el('th', { text: h })))), rows));
	render();
	onEvent((ev) => { if (match(ev)) { rows.prepend(row(ev)); if (rows.children.length > 300) rows.lastChild.remove(); } });
}

// ---- security credentials ----
async function pageSecurity() {
	const view = root;
	const rows = el('tbody', { id: 'sec-rows' });
	const load = async () => {
		try {
			const list = await api('GET', '/security');
			const items = Array.isArray(list) ? list : (list.credentials || []);
			rows.replaceChildren(...items.map((s) => el('tr', {}, el('td', { text: s.endpoint }), el('td', { text: s.mode }),
				el('td', { text: s.identity || s.publicKey || s.key || '' }),
				el('td', {}, el('button', { type: 'button', class: 'danger mut', text: 'Delete', onclick: async () => {
					if (!confirm(`Remove the credentials of ${s.endpoint}?`)) return;
					try { await api('DELETE', `/security/${encodeURIComponent(s.endpoint)}`); load(); } catch (e) { showError(e); }
				} })))));
		} catch (e) { showError(e); }
	};
	const ep = el('input', { id: 'sec-ep', required: true, placeholder: 'endpoint' });
	const mode = el('select', { id: 'sec-mode' }, ['psk', 'rpk', 'x509'].map((m) => el('option', { value: m, text: m })));
	const ident = el('input', { id: 'sec-identity', placeholder: 'PSK identity' });
	const key = el('input', { id: 'sec-key', placeholder: 'PSK key (hex) or public key (base64 DER)' });
	const form = el('form', { class: 'inline mut', onsubmit: async (e) => {
		e.preventDefault();
		const body = { mode: mode.value };
		if (mode.value === 'psk') Object.assign(body, { identity: ident.value, key: key.value });
		if (mode.value === 'rpk') body.publicKey = key.value;
		try { await api('PUT', `/security/${encodeURIComponent(ep.value)}`, body); flash('saved', false); load(); } catch (err) { showError(err); }
	} }, ep, mode, ident, key, el('button', { type: 'submit', id: 'sec-submit', text: 'Set' }));
	view.append(el('h2', { text: 'Security: credentials' }), form,
		el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Endpoint', 'Mode', 'Identity / key', ''].map((h) => el('th', { text: h })))), rows));
	await load();
}

// ---- bootstrap configurations ----
async function pageBootstrap() {
	const view = root;
	const rows = el('tbody', { id: 'bs-rows' });
	const load = async () => {
		try {
			const list = await api('GET', '/bootstrap');
			const items = Array.isArray(list) ? list : (list.configs || []);
			rows.replaceChildren(...items.map((b) => el('tr', {}, el('td', { text: b.endpoint }),
				el('td', { class: 'json', text: JSON.stringify(b.servers || b) }),
				el('td', {}, el('button', { type: 'button', class: 'danger mut', text: 'Delete', onclick: async () => {
					if (!confirm(`Remove the bootstrap configuration of ${b.endpoint}?`)) return;
					try { await api('DELETE', `/bootstrap/${encodeURIComponent(b.endpoint)}`); load(); } catch (e) { showError(e); }
				} })))));
		} catch (e) { showError(e); }
	};
	const ep = el('input', { id: 'bs-ep', required: true, placeholder: 'endpoint' });
	const uri = el('input', { id: 'bs-uri', placeholder: 'coap://HOST:5683', required: true });
	const lifetime = el('input', { id: 'bs-lifetime', type: 'number', value: 300, size: 6 });
	const mode = el('select', { id: 'bs-mode' }, ['none', 'psk'].map((m) => el('option', { value: m, text: m })));
	const ident = el('input', { id: 'bs-identity', placeholder: 'PSK identity' });
	const key = el('input', { id: 'bs-key', placeholder: 'PSK key (hex)' });
	const form = el('form', { class: 'inline mut', onsubmit: async (e) => {
		e.preventDefault();
		const server = { shortServerId: 1, uri: uri.value, lifetime: Number(lifetime.value), binding: 'U' };
		if (mode.value === 'psk') server.security = { mode: 'psk', identity: ident.value, key: key.value };
		try { await api('PUT', `/bootstrap/${encodeURIComponent(ep.value)}`, { servers: [server] }); flash('saved', false); load(); } catch (err) { showError(err); }
	} }, ep, uri, lifetime, mode, ident, key, el('button', { type: 'submit', id: 'bs-submit', text: 'Set' }));
	view.append(el('h2', { text: 'Bootstrap configurations' }), form,
		el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Endpoint', 'Servers', ''].map((h) => el('th', { text: h })))), rows));
	await load();
}

// ---- one's own account: the password ----
const PW_MIN = 8;

// The new password twice and, for one's own, the old one: a form that
// calls PUT /users/NAME/password. onDone runs after a 204.
function passwordForm(user, { own, idp, onDone }) {
	const msg = el('span', { id: `${idp}-msg` });
	const old = own ? el('input', { id: `${idp}-old`, type: 'password', autocomplete: 'current-password', required: true }) : null;
	const pw = el('input', { id: `${idp}-new`, type: 'password', autocomplete: 'new-password', required: true, minlength: PW_MIN });
	const again = el('input', { id: `${idp}-again`, type: 'password', autocomplete: 'new-password', required: true, minlength: PW_MIN });
	const form = el('form', { class: own ? 'password' : 'inline', id: `${idp}-form` });
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		msg.className = 'bad';
		if (pw.value !== again.value) { msg.textContent = 'The two new passwords differ.'; return; }
		if (pw.value.length < PW_MIN) { msg.textContent = `A password has at least ${PW_MIN} characters.`; return; }
		const body = { password: pw.value };
		if (own) body.oldPassword = old.value;
		try {
			await api('PUT', `/users/${encodeURIComponent(user)}/password`, body);
			for (const i of [old, pw, again]) if (i) i.value = '';
			msg.className = 'good';
			msg.textContent = own ? 'Password changed; your other sessions were ended.'
				: `Password of ${user} reset; their sessions were ended.`;
			if (onDone) onDone();
		} catch (err) {
			msg.textContent = err.status === 403 && own ? 'The current password is wrong.' : err.message;
		}
	});
	if (own)
		form.append(el('label', {}, 'Current password ', old));
	form.append(el('label', {}, own ? 'New password ' : 'new password ', pw),
		el('label', {}, own ? 'New password again ' : 'again ', again),
		el('button', { type: 'submit', id: `${idp}-submit`, text: own ? 'Change password' : 'Reset' }), msg);
	return form;
}

async function pageAccount() {
	const view = root;
	let me = null;
	try { me = await api('GET', '/me'); } catch (e) { showError(e); return; }
	const dl = el('dl', { class: 'reg', id: 'me' },
		el('dt', { text: 'name' }), el('dd', { id: 'me-name', text: me.name }),
		el('dt', { text: 'role' }), el('dd', { id: 'me-role', text: me.role }),
		el('dt', { text: 'session ends' }), el('dd', { text: me.expires ? fmtTime(me.expires) : 'never' }));
	view.append(el('h2', { text: 'Account' }), dl);
	if (session.via !== 'login' || me.name.startsWith('@')) {
		view.append(el('p', { id: 'me-nopw', text: 'You are signed in with an API token: it has no password to change.' }));
		return;
	}
	view.append(el('h3', { text: 'Change your password' }),
		passwordForm(me.name, { own: true, idp: 'pw' }));
}

// ---- users (admins) ----
async function pageUsers() {
	const view = root;
	const rows = el('tbody', { id: 'user-rows' });
	const load = async () => {
		let list;
		try { list = await api('GET', '/users'); } catch (e) { showError(e); return; }
		rows.replaceChildren(...list.map((u) => {
			const reset = passwordForm(u.name, { own: false, idp: `reset-${u.name}` });
			reset.hidden = true;
			return el('tr', { 'data-user': u.name }, el('td', { text: u.name }), el('td', { text: u.role }),
				el('td', { text: fmtTime(u.created) }),
				el('td', {},
					el('button', { type: 'button', class: 'reset', text: 'Reset password…', onclick: () => { reset.hidden = !reset.hidden; } }), ' ',
					el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => {
						if (!confirm(`Delete the user ${u.name}? Their sessions and tokens end.`)) return;
						try { await api('DELETE', `/users/${encodeURIComponent(u.name)}`); flash(`${u.name} deleted`, false); load(); } catch (e) { showError(e); }
					} }), reset));
		}));
	};
	const name = el('input', { id: 'user-name', required: true, placeholder: 'name', pattern: '[A-Za-z0-9._\\-]{1,64}' });
	const pw = el('input', { id: 'user-password', type: 'password', autocomplete: 'new-password', required: true, minlength: PW_MIN, placeholder: `password (${PW_MIN}+)` });
	const role = el('select', { id: 'user-role' }, ['viewer', 'operator', 'admin'].map((r) => el('option', { value: r, text: r })));
	const form = el('form', { class: 'inline', id: 'user-form', onsubmit: async (e) => {
		e.preventDefault();
		try {
			await api('POST', '/users', { name: name.value, password: pw.value, role: role.value });
			flash(`${name.value} added`, false);
			name.value = ''; pw.value = '';
			load();
		} catch (err) { showError(err); }
	} }, name, pw, role, el('button', { type: 'submit', id: 'user-submit', text: 'Add user' }));
	view.append(el('h2', { text: 'Users' }), form,
		el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ['Name', 'Role', 'Created', ''].map((h) => el('th', { text: h })))), rows));
	await load();
}

// ---- routing ----
const routes = [
	[/^#\/fleet$/, pageFleet],
	[/^#\/devices$/, pageDevices],
	[/^#\/device\/(.+)$/, (m) => pageDevice(decodeURIComponent(m[1]))],
	[/^#\/events$/, pageEvents],
	[/^#\/security$/, pageSecurity],
	[/^#\/bootstrap$/, pageBootstrap],
	[/^#\/account$/, pageAccount],
	[/^#\/users$/, pageUsers],
];

async function route() {
	for (const f of pageListeners)
		events.listeners.delete(f);
	pageListeners = [];
	delete main.dataset.ready;
	root = el('div', { class: 'page' });
	main.replaceChildren(root);
	const view = root;
	const hash = location.hash || '#/fleet';
	const authed = !!session.token;
	document.getElementById('nav').hidden = !authed;
	document.getElementById('logout').hidden = !authed;
	document.getElementById('who').textContent = authed && session.role ? `${session.user ? `${session.user}, ` : ''}role: ${session.role}` : '';
	// Users are the admins' page (the server answers 403 to others anyway).
	document.getElementById('nav-users').hidden = !session.role.startsWith('admin');
	// A viewer may only look (the server answers 403 to the rest anyway).
	document.body.classList.toggle('viewer', authed && session.role === 'viewer');
	if (!authed || hash === '#/login') {
		if (authed && hash === '#/login') { location.hash = '#/fleet'; return; }
		main.dataset.page = 'login';
		delete main.dataset.ready;
		pageLogin();
		return;
	}
	openEvents();
	for (const a of document.querySelectorAll('#nav a'))
		a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
	for (const [re, f] of routes) {
		const m = hash.match(re);
		if (m) {
			main.dataset.page = hash.split('/')[1];
			try { await f(m); } catch (e) { showError(e); }
			if (root === view)
				main.dataset.ready = hash;
			return;
		}
	}
	location.hash = '#/fleet';
}

document.getElementById('logout').addEventListener('click', logout);
window.addEventListener('hashchange', route);
route();
