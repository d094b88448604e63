// bench/console/measure.mjs: how long the console's pages take to show a big
// fleet. Driven by bench/console/run, which starts lwm2md and lwm2m-fleet;
// this drives headless Chromium (playwright-core) through the fleet overview,
// the device list (first page, a sort, a search, page 500, the status,
// object and firmware filters) and a device page, timing each from the navigation or the
// action to the content shown: the rows, counts and values the page must
// show, checked against the REST API's own answer (asked before the clock
// starts). Prints one line per page and writes RESULTS (JSON) when set.
// CHECK=1 (the CI variant) asserts only that the pages show the right
// counts and rows; otherwise a page over LIMIT_MS (1000) fails the run too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = (k, d) => process.env[k] ?? d;
const B = env('LW_BUILDDIR');
const BASE = env('BASE');
const TOKEN = env('TOKEN');
const N = Number(env('DEVICES', '100000'));
const PREFIX = env('PREFIX', 'fleet');
const CHECK = env('CHECK', '0') === '1';
const REPEAT = Number(env('REPEAT', CHECK ? '1' : '3'));
const LIMIT_MS = Number(env('LIMIT_MS', '1000'));
const RESULTS = env('RESULTS', '');
const ART = env('ARTIFACTS', '');
const { chromium } = createRequire(path.join(B, 'tests/browser/package.json'))('playwright-core');
const PAGE = 50;

const api = async (p) => {
	const res = await fetch(`${BASE}/api/v1${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
	if (!res.ok)
		throw new Error(`GET ${p}: ${res.status}`);
	return { data: await res.json(), total: Number(res.headers.get('X-Total-Count')) };
};
// What the list must show for these query parameters.
const expect = async (q) => {
	const params = { sort: 'endpoint', order: 'asc', limit: PAGE, ...q };
	const { data, total } = await api(`/clients?${new URLSearchParams(params)}`);
	if (CHECK) {
		// The page (sorted only as far as it needs, clients.c) must be that
		// slice of the whole list (sorted all through).
		const all = (await api(`/clients?${new URLSearchParams({ ...params, offset: 0, limit: 0 })}`)).data;
		const off = Number(params.offset || 0);
		const want = all.slice(off, off + PAGE).map((c) => c.endpoint).join(',');
		if (all.length !== total || data.map((c) => c.endpoint).join(',') !== want)
			throw new Error(`the page of ${JSON.stringify(params)} is not that slice of the whole list`);
		if (!q.q && !q.sort && !q.firmware && total !== N)
			throw new Error(`${JSON.stringify(params)}: ${total} devices, not ${N}`);
	}
	return { q, total, rows: data.length, first: data.length ? data[0].endpoint : null, last: data.length ? data.at(-1).endpoint : null };
};
const FW = { version: '', read: 0 };
const pad = (i) => `${PREFIX}-${String(i).padStart(6, '0')}`;

// Resolves when the device list shows exp (polled in the page every 10 ms).
const listShows = (page, exp) => page.waitForFunction((e) => {
	const body = document.getElementById('dev-rows');
	if (!body || Number(body.dataset.total) !== e.total || body.rows.length !== e.rows)
		return false;
	// The rows must answer this query, not be the same rows of the last one.
	const q = new URLSearchParams(body.dataset.query || '');
	for (const [k, v] of Object.entries(e.q))
		if (q.get(k) !== String(v))
			return false;
	if ((e.none || []).some((k) => q.has(k)))
		return false;
	const link = (r) => r && r.querySelector('a') && r.querySelector('a').textContent;
	return e.rows === 0 || (link(body.rows[0]) === e.first && link(body.rows[body.rows.length - 1]) === e.last);
}, exp, { polling: 10, timeout: 30000 });

async function step(results, page, name, detail, act, shown) {
	const t0 = performance.now();
	await act();
	await shown();
	const ms = Math.round(performance.now() - t0);
	(results[name] ||= { detail, ms: [] }).ms.push(ms);
	if (ART)
		await page.screenshot({ path: path.join(ART, `console-bench-${name}.png`) });
	return ms;
}

async function listReset(page) {
	await page.evaluate(() => { location.hash = '#/events'; });
	await page.waitForSelector('[data-ready="#/events"]');
	await page.evaluate(() => { location.hash = '#/devices'; });
	await page.waitForSelector('[data-ready="#/devices"]');
	await page.fill('#dev-search', '');
	await page.fill('#dev-object', '');
	await page.fill('#dev-firmware', '');
	await page.selectOption('#dev-status', '');
	await page.selectOption('#dev-order', 'asc');
	await page.selectOption('#dev-sort', 'endpoint');
	await listShows(page, { ...await expect({ offset: 0 }), none: ['q', 'status', 'object', 'firmware'] });
}

async function round(results, page) {
	// Fleet overview: a whole page load, counts and the chart.
	await step(results, page, 'fleet', 'fleet overview: counts and registrations chart (full page load)',
		async () => { await page.goto('about:blank'); await page.goto(`${BASE}/#/fleet`); },
		() => page.waitForFunction((n) => document.getElementById('n-registered')?.textContent === String(n)
			&& document.getElementById('n-online')?.textContent === String(n)
			&& document.getElementById('n-asleep')?.textContent === '0'
			&& document.getElementById('n-offline')?.textContent === '0'
			&& document.querySelector('#reg-chart canvas'), N, { polling: 10, timeout: 30000 }));

	// Device list, first page, from the menu.
	await page.evaluate(() => { location.hash = '#/events'; });
	await page.waitForSelector('[data-ready="#/events"]');
	await listReset(page);
	await page.evaluate(() => { location.hash = '#/events'; });
	await page.waitForSelector('[data-ready="#/events"]');
	let exp = await expect({});
	await step(results, page, 'list', `device list, first page (${exp.total} devices)`,
		() => page.click('#nav a[href="#/devices"]'), () => listShows(page, exp));

	// Sort by a column: last seen, newest first (two clicks on its title).
	exp = await expect({ sort: 'lastSeen', order: 'desc' });
	await step(results, page, 'sort', 'sort by last seen, newest first (click the column title twice)',
		async () => { await page.click('#dev-th-lastSeen'); await page.click('#dev-th-lastSeen'); },
		() => listShows(page, exp));
	await listReset(page);

	// Search (typed: includes the console's 150 ms pause for typing).
	exp = await expect({ q: '-0001' });
	await step(results, page, 'search', `search "-0001" (${exp.total} matches)`,
		() => page.fill('#dev-search', '-0001'), () => listShows(page, exp));
	await listReset(page);

	// Page 500 (or the last one of a smaller fleet).
	const pg = Math.min(500, Math.ceil(N / PAGE));
	exp = await expect({ offset: (pg - 1) * PAGE });
	await step(results, page, 'page500', `page ${pg} (offset ${(pg - 1) * PAGE})`,
		async () => { await page.fill('#dev-page', String(pg)); await page.press('#dev-page', 'Enter'); },
		() => listShows(page, exp));
	await listReset(page);

	// Filter by status and by object.
	exp = await expect({ status: 'online' });
	await step(results, page, 'status', `filter status online (${exp.total})`,
		() => page.selectOption('#dev-status', 'online'), () => listShows(page, exp));
	await listReset(page);
	exp = await expect({ object: '3303' });
	await step(results, page, 'object', `filter object 3303 (${exp.total})`,
		() => page.fill('#dev-object', '3303'), () => listShows(page, exp));
	await listReset(page);
	// The firmware version the server kept from the Reads (see below).
	exp = await expect({ firmware: FW.version });
	if (CHECK && exp.total < FW.read)
		throw new Error(`firmware ${FW.version}: ${exp.total} devices, not at least ${FW.read}`);
	await step(results, page, 'firmware', `filter firmware ${FW.version} (${exp.total})`,
		() => page.fill('#dev-firmware', FW.version), () => listShows(page, exp));
	await listReset(page);

	// A device page: registration and the named object tree; then a Read.
	const ep = pad(Math.ceil(N / 2));
	await step(results, page, 'device', `device page of ${ep} (registration, object tree)`,
		() => page.evaluate((e) => { location.hash = `#/device/${e}`; }, ep),
		() => page.waitForFunction((e) => document.getElementById('reg-endpoint')?.textContent === e
			&& document.getElementById('read-_3_0') && document.getElementById('val-_3303_0_5700'),
		ep, { polling: 10, timeout: 30000 }));
	await step(results, page, 'read', `Read /3/0 of ${ep} (values shown)`,
		() => page.click('#read-_3_0'),
		() => page.waitForFunction(() => document.getElementById('val-_3_0_0')?.textContent, null, { polling: 10, timeout: 30000 }));
}

const browser = await chromium.launch({ executablePath: env('CHROMIUM', '/usr/bin/chromium'), headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
let status = 0;
const results = {};
try {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`); });
	// Signed in with the admin token, as the login page's token form does.
	await page.goto(`${BASE}/`);
	await page.evaluate((t) => { sessionStorage.setItem('lwm2md.token', t); sessionStorage.setItem('lwm2md.role', 'admin'); sessionStorage.setItem('lwm2md.via', 'token'); }, TOKEN);
	// An operator's Reads of /3/0/3 tell the server some firmware versions
	// (it reads none itself): ten devices spread over the fleet.
	for (let i = 1; i <= 10; i++) {
		const ep = pad(Math.max(1, Math.floor((i * N) / 11)));
		const { data } = await api(`/clients/${ep}/3/0/3`);
		FW.version = data.records[0].value;
	}
	FW.read = 10;
	for (let i = 0; i < REPEAT; i++)
		await round(results, page);
	if (errors.length)
		throw new Error(`errors in the page: ${errors.join('; ')}`);
} catch (e) {
	console.error(`FAIL: ${e.message}`);
	status = 1;
} finally {
	await browser.close();
}

const lines = [];
for (const [name, r] of Object.entries(results)) {
	const sorted = [...r.ms].sort((a, b) => a - b);
	r.median = sorted[Math.floor(sorted.length / 2)];
	r.max = sorted.at(-1);
	const slow = !CHECK && r.max > LIMIT_MS;
	if (slow)
		status = 1;
	const line = `console-${name.padEnd(8)} ${String(r.median).padStart(6)} ms median ${String(r.max).padStart(6)} ms max  ${r.detail}${slow ? '  OVER LIMIT' : ''}`;
	lines.push(line);
	console.log(line);
}
if (RESULTS && !CHECK) {
	fs.writeFileSync(RESULTS, `${JSON.stringify({
		bench: 'console', date: new Date().toISOString(), devices: N, repeat: REPEAT, limitMs: LIMIT_MS,
		machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memMB: Math.round(os.totalmem() / 1048576) },
		pages: results, ok: status === 0,
	}, null, 1)}\n`);
	console.log(`results: ${RESULTS}`);
}
if (CHECK && status === 0)
	console.log(`PASS: every page showed the right counts and rows for ${N} devices`);
process.exit(status);
